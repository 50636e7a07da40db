"""The baseline's shopper rules (docs/model.md) as a Mesa 3 model: a peer to time growthsim against.

Written the way a modeller would write it in Mesa 3: one `Agent` per shopper with a
`step`, the model activating them in random order once a day
(`model.agents.shuffle_do("step")`, no scheduler), draws from the model's `random`, and a
`DataCollector` recording the day's figures. It follows the same rules as the one-SimPy-
process-per-shopper reference (simulation/kernel/reference.py), and simplifies where it
does, no more:

- no strategy moves a lever (neutral stage, visit and dropout multipliers), dropout is
  BG/NBD's per-purchase rule only (as the reference);
- visits: a Poisson process of rate v = λ·m_λ(sat)/c; within the day an agent plays its
  visits in time order (funnel, order value, ticket, dropout), as the reference;
- the warehouse (FIFO, capacity a day, Gamma transit, late "where is my order?" tickets
  raised at max(due, ship time d+1), as the reference reads §4) and the desk (c agents,
  first come first served, exponential/fixed/lognormal handling, Erlang-A patience)
  are the model's, worked at the end of each day: the desk takes the tickets that arrived
  during the day in arrival order, with agents' free times carried over midnight, so a
  ticket's wait is the one the reference's SimPy queue gives;
- satisfaction changes found during day d land at midnight (a desk change at the
  midnight after the ticket is answered or abandoned), and a touched shopper still alive
  redraws its next visit at d+1 + Exp(1)/v_new, as the reference;
- the recorder's alive, active, churned and NPS figures, as the reference's.
It shares nothing with growthsim but the scenario object and the Bass closed form.
"""

from __future__ import annotations

import heapq
import math
from collections import deque

import mesa

from simulation.kernel.acquisition import bass_day_join_probability
from simulation.kernel.scenario import Scenario

MINUTES_PER_DAY = 24 * 60
RECORDED = ("visits", "browse", "cart", "checkout", "orders", "gmv", "new_shoppers", "churned", "reactivated",
            "tickets", "tickets_answered", "tickets_abandoned", "tickets_deflected", "deliveries", "backlog")


class Shopper(mesa.Agent):
    """One shopper: the traits of docs/model.md §2 and its visit clock."""

    def __init__(self, model: "ShopperModel", join_time: float) -> None:
        super().__init__(model)
        b, s0, r = model.sc.behavior, model.sc.satisfaction, model.random
        self.rate = r.gammavariate(b.purchase_rate.shape, 1.0 / b.purchase_rate.rate)
        self.dropout = r.betavariate(b.dropout.a, b.dropout.b) if b.dropout.enabled else 0.0
        self.nu = r.gammavariate(b.spend.q, 1.0 / b.spend.gamma)
        self.sat = r.betavariate(s0.initial_a, s0.initial_b)
        self.alive, self.churned, self.orders, self.spend = True, False, 0, 0.0
        self.last_day = int(join_time)
        self.next_visit = join_time + r.expovariate(self.visit_rate())

    def visit_rate(self) -> float:
        m = self.model
        return self.rate * math.exp(m.s * m.k_rate * (self.sat - m.ref)) / m.conversion

    def step(self) -> None:
        """Every visit of today, in time order (docs/model.md §3)."""
        m, day_end = self.model, self.model.day + 1
        while self.alive and self.next_visit < day_end:
            m.visit(self, self.next_visit)
            self.next_visit += m.random.expovariate(self.visit_rate())

    def redraw(self, at: float) -> None:
        """Satisfaction moved at midnight: the next visit at the new rate (memoryless)."""
        self.next_visit = at + self.model.random.expovariate(self.visit_rate())


class ShopperModel(mesa.Model):
    def __init__(self, scenario: Scenario, replication: int = 0) -> None:
        super().__init__(seed=scenario.seed * 1_000_003 + replication)
        self.sc, self.day = scenario, 0
        fb, f = scenario.feedback, scenario.behavior.funnel
        self.s, self.ref = fb.strength, fb.reference_satisfaction
        self.k_rate, self.k_drop, self.k_wom = (fb.purchase_rate_sensitivity, fb.dropout_sensitivity,
                                                fb.word_of_mouth_sensitivity)
        self.stages = (f.browse, f.browse * f.cart, f.browse * f.cart * f.checkout, f.conversion())
        self.conversion = f.conversion()
        self.joined = 0
        self.today = dict.fromkeys(RECORDED, 0)
        self.today_orders: list[tuple[float, Shopper]] = []
        self.warehouse: deque = deque()
        self.in_transit: dict[int, list] = {}     # delivery day -> [(delivery time, order time, shopper)]
        self.tickets: list = []                   # heap of (arrival time, sequence, shopper)
        self.sequence = 0
        self.agents_free = [0.0] * scenario.strategies.service_quality.agents   # when each desk agent is next free
        self.changes: dict[int, list] = {}        # day at whose end a change lands -> [(shopper, change)]
        self.datacollector = mesa.DataCollector(model_reporters={
            **{name: (lambda m, name=name: m.today[name]) for name in RECORDED},
            "alive_shoppers": lambda m: m.agents.agg("alive", sum),
            "nps": ShopperModel.nps,
        })
        if scenario.market.initial_shoppers:
            window = scenario.behavior.churn_window_days
            for _ in range(scenario.market.initial_shoppers):
                shopper = Shopper(self, 0.0)
                shopper.last_day = -self.random.randrange(window)   # last seen before the run
            self.joined = scenario.market.initial_shoppers
            self.today["new_shoppers"] = self.joined

    # -- §1 acquisition ----------------------------------------------------------------
    def acquire(self) -> None:
        acq, M = self.sc.acquisition, self.sc.market.size
        talkers = sum(max(0.0, 1.0 + self.s * self.k_wom * (a.sat - self.ref)) for a in self.agents if a.alive)
        pi = bass_day_join_probability(acq.innovation, acq.imitation, self.joined, talkers, M)
        joiners = sum(self.random.random() < pi for _ in range(M - self.joined))
        for _ in range(joiners):
            Shopper(self, self.day + self.random.random())
        self.joined += joiners
        self.today["new_shoppers"] += joiners   # (channels are not compared here)

    # -- §3 a visit: funnel, order, ticket, dropout ------------------------------------
    def visit(self, shopper: Shopper, time: float) -> None:
        today, u = self.today, self.random.random()
        today["visits"] += 1
        for name, threshold in zip(("browse", "cart", "checkout", "orders"), self.stages):
            if u >= threshold:
                return
            today[name] += 1
        value = self.random.gammavariate(self.sc.behavior.spend.p, 1.0 / shopper.nu)
        today["gmv"] += value
        if shopper.churned:
            today["reactivated"] += 1
            shopper.churned = False
        shopper.orders, shopper.spend, shopper.last_day = shopper.orders + 1, shopper.spend + value, self.day
        self.today_orders.append((time, shopper))
        sq = self.sc.strategies.service_quality
        if self.random.random() < sq.tickets_per_order:
            delay = self.random.expovariate(1.0 / sq.ticket_delay_days) if sq.ticket_delay_days > 0 else 0.0
            self.raise_ticket(shopper, time + delay)
        drop = shopper.dropout * math.exp(-self.s * self.k_drop * (shopper.sat - self.ref))
        if self.random.random() < min(1.0, drop):
            shopper.alive = False

    def raise_ticket(self, shopper: Shopper, arrival: float) -> None:
        self.sequence += 1
        heapq.heappush(self.tickets, (arrival, self.sequence, shopper))

    # -- §4 the warehouse, at the end of the day ---------------------------------------
    def fulfil(self) -> None:
        lg, sat, day = self.sc.strategies.logistics, self.sc.satisfaction, self.day
        self.today_orders.sort(key=lambda order: order[0])   # agents stepped in random order
        self.warehouse.extend(self.today_orders)
        self.today_orders = []
        ship_time = day + 1.0
        for _ in range(min(lg.capacity_per_day, len(self.warehouse))):
            order_time, shopper = self.warehouse.popleft()
            if lg.transit_days_sd > 0:
                shape = (lg.transit_days_mean / lg.transit_days_sd) ** 2
                transit = self.random.gammavariate(shape, lg.transit_days_mean / shape)
            else:
                transit = lg.transit_days_mean
            delivered = ship_time + transit
            self.in_transit.setdefault(int(delivered), []).append((delivered, order_time, shopper))
            if delivered - order_time > lg.promised_days and self.random.random() < lg.late_ticket_probability:
                self.raise_ticket(shopper, max(order_time + lg.promised_days, ship_time))
        self.today["backlog"] = len(self.warehouse)
        arrived = self.in_transit.pop(day, [])
        for delivered, order_time, shopper in arrived:
            late_days = delivered - order_time - lg.promised_days
            change = sat.on_time_delivery if late_days <= 0 else -min(sat.late_delivery_max,
                                                                       sat.late_delivery_per_day * late_days)
            self.set_sat(shopper, shopper.sat + change)
        self.today["deliveries"] = len(arrived)

    # -- §5 the desk: today's tickets, first come first served -------------------------
    def serve(self) -> None:
        sq, sat, r = self.sc.strategies.service_quality, self.sc.satisfaction, self.random
        while self.tickets and self.tickets[0][0] < self.day + 1:
            arrival, _, shopper = heapq.heappop(self.tickets)
            self.today["tickets"] += 1
            if r.random() < sq.chatbot_deflection:
                self.today["tickets_deflected"] += 1
                self.changes.setdefault(int(arrival), []).append((shopper, sat.ticket_resolved))
                continue
            patience = r.expovariate(MINUTES_PER_DAY / sq.patience_minutes) if sq.patience_minutes else math.inf
            if not self.agents_free:
                self.abandon(shopper, arrival)
                continue
            agent = min(range(len(self.agents_free)), key=self.agents_free.__getitem__)
            start = max(arrival, self.agents_free[agent])
            if start - arrival > patience:
                self.abandon(shopper, arrival + patience)
                continue
            self.today["tickets_answered"] += 1
            self.agents_free[agent] = start + self.handle_time()
            self.changes.setdefault(int(start), []).append(
                (shopper, sat.ticket_resolved - sat.wait_per_hour * (start - arrival) * 24))

    def abandon(self, shopper: Shopper, at: float) -> None:
        self.today["tickets_abandoned"] += 1
        self.changes.setdefault(int(at), []).append((shopper, -self.sc.satisfaction.ticket_abandoned))

    def handle_time(self) -> float:
        sq = self.sc.strategies.service_quality
        mean = sq.handle_minutes / MINUTES_PER_DAY
        if sq.handle_distribution == "exponential":
            return self.random.expovariate(1.0 / mean)
        if sq.handle_distribution == "fixed":
            return mean
        sigma2 = math.log1p(sq.handle_cv ** 2)
        return self.random.lognormvariate(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))

    # -- §6 satisfaction lands at midnight; §7 the recorder -----------------------------
    def set_sat(self, shopper: Shopper, value: float) -> None:
        shopper.sat = min(1.0, max(0.0, value))
        self.touched[shopper] = None

    def midnight(self) -> None:
        """The desk's changes after the deliveries' (fulfil), as the reference orders them."""
        for shopper, change in self.changes.pop(self.day, []):
            self.set_sat(shopper, shopper.sat + change)
        if self.s > 0:
            for shopper in self.touched:
                if shopper.alive:
                    shopper.redraw(self.day + 1.0)
        window = self.sc.behavior.churn_window_days
        for shopper in self.agents:
            if shopper.last_day == self.day - window:
                shopper.churned = True
                self.today["churned"] += 1

    def nps(self) -> float:
        scores = [min(10, math.floor(11 * shopper.sat)) for shopper in self.agents if shopper.orders > 0]
        if not scores:
            return math.nan
        return 100.0 * (sum(x >= 9 for x in scores) - sum(x <= 6 for x in scores)) / len(scores)

    def step(self) -> None:
        self.acquire()
        self.touched: dict[Shopper, None] = {}   # shoppers whose satisfaction moved today, in order (a set's order would vary run to run)
        self.agents.shuffle_do("step")
        self.fulfil()
        self.serve()
        self.midnight()
        self.datacollector.collect(self)
        self.today = dict.fromkeys(RECORDED, 0)
        self.day += 1


def simulate_mesa(scenario: Scenario, replication: int = 0) -> dict[str, list[float]]:
    """One replication: per-day columns of length `horizon_days`, as the reference's."""
    model = ShopperModel(scenario, replication)
    for _ in range(scenario.horizon_days):
        model.step()
    return model.datacollector.model_vars
