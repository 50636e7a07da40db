"""The reference model: docs/model.md with one SimPy process per shopper.

Deliberately slow and obvious. It exists to check the vectorised engine, so it
shares nothing with it but the scenario, the Bass closed form, the seeding and the
neutral `Levers`, and it agrees with it in distribution, not draw for draw.

Continuous time, unit one day. Shoppers visit, and tickets wait for agents, in
continuous time; a `day_clock` process stands at each midnight `d + 1` and closes
day `d` in the documented order (fulfilment, desk satisfaction, recorder), then
opens day `d + 1` with acquisition. Satisfaction changes found during day `d` are
applied at that midnight, so the day's visits and dropouts all see the satisfaction
of its start, as in the engine's daily step (docs/model.md, order of events).

Readings of docs/model.md where it leaves room: a late order whose deadline passed
in the backlog asks "where is my order?" at its ship time `d + 1` (the engine uses
`d`); a ticket's satisfaction change lands at the midnight after it is answered; the
waits of tickets still queued when the run ends are not known and not averaged.

Acquisition draws one Bernoulli per prospect (one uniform each) with the day
probability of `bass_day_join_probability`; the engine's Binomial count is the same
distribution.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import simpy

from simulation.kernel.acquisition import bass_day_join_probability, external_share
from simulation.kernel.random_streams import streams
from simulation.kernel.scenario import Scenario
from simulation.kernel.levers import Levers

COLUMNS = (
    "new_shoppers", "new_shoppers_initial", "new_shoppers_external", "new_shoppers_word_of_mouth", "cumulative_shoppers",
    "alive_shoppers", "active_shoppers", "visits", "browse", "cart", "checkout", "orders", "gmv",
    "churned", "reactivated", "tickets", "tickets_answered", "tickets_deflected", "tickets_abandoned",
    "service_wait_mean_min", "deliveries", "on_time_rate", "backlog", "nps",
)
MINUTES_PER_DAY = 24 * 60


class Shopper:
    """One shopper's traits and state (docs/model.md §2)."""

    __slots__ = ("join_time", "rate", "dropout", "nu", "sat", "alive", "orders", "spend",
                 "last_day", "churned", "process")

    def __init__(self, join_time, rate, dropout, nu, sat):
        self.join_time, self.rate, self.dropout, self.nu, self.sat = join_time, rate, dropout, nu, sat
        self.alive, self.orders, self.spend = True, 0, 0.0
        self.last_day = int(join_time)     # observed last activity: joining or ordering
        self.churned = False
        self.process = None


class Reference:
    def __init__(self, scenario: Scenario, replication: int):
        self.sc, self.H = scenario, scenario.horizon_days
        self.rng = streams(scenario.seed, replication)
        self.levers = Levers()                    # no strategy moves a lever yet
        self.env = simpy.Environment()
        self.out = {name: np.zeros(self.H) for name in COLUMNS}
        self.waits = [[] for _ in range(self.H)]  # answered tickets' waits, by arrival day
        self.shoppers: list[Shopper] = []
        self.changes: list[tuple[Shopper, float]] = []   # the desk's satisfaction changes found today
        self.touched: set[Shopper] = set()                # shoppers whose satisfaction moved today
        self.warehouse: deque = deque()           # FIFO of (order time, shopper)
        self.today_orders: list = []
        self.in_transit: list = []                # (delivery time, order time, shopper)
        fb, f = scenario.feedback, scenario.behavior.funnel
        self.s, self.ref = fb.strength, fb.reference_satisfaction
        m = self.levers.stage_multipliers
        stages = [min(1.0, getattr(f, k) * m.get(k, 1.0)) for k in ("browse", "cart", "checkout", "order")]
        lg = scenario.strategies.logistics   # a promise faster than the norm converts more (§3)
        speed = lg.delivery_speed
        stages[3] = min(1.0, stages[3] * (1 + speed.conversion_per_day) ** max(0.0, speed.reference_days - lg.promised_days))
        self.thresholds = np.cumprod(stages)      # u below each: browses, carts, checks out, orders
        self.conversion = f.conversion()          # baseline: visits = purchases / conversion
        agents = scenario.strategies.service_quality.agents
        self.desk = simpy.Resource(self.env, capacity=agents) if agents > 0 else None

    # -- §3 a shopper: visits, funnel, orders, dropout ------------------------------
    def visit_rate(self, sh: Shopper) -> float:
        m_rate = math.exp(self.s * self.sc.feedback.purchase_rate_sensitivity * (sh.sat - self.ref))
        return sh.rate * m_rate * self.levers.visit_rate_multiplier / self.conversion

    def shopper(self, sh: Shopper):
        env, rng = self.env, self.rng["visits"]
        yield env.timeout(sh.join_time - env.now)
        next_visit = env.now + rng.exponential() / self.visit_rate(sh)
        while sh.alive:
            try:
                yield env.timeout(next_visit - env.now)
            except simpy.Interrupt:               # satisfaction changed at midnight: new rate
                next_visit = env.now + rng.exponential() / self.visit_rate(sh)
                continue
            self.visit(sh)
            next_visit = env.now + rng.exponential() / self.visit_rate(sh)

    def visit(self, sh: Shopper):
        day, rng, o = int(self.env.now), self.rng["orders"], self.out
        u = rng.random()
        o["visits"][day] += 1
        for name, threshold in zip(("browse", "cart", "checkout", "orders"), self.thresholds):
            if u >= threshold:
                return
            o[name][day] += 1
        value = rng.gamma(self.sc.behavior.spend.p, 1.0 / sh.nu)
        o["gmv"][day] += value
        if sh.churned:
            o["reactivated"][day] += 1
            sh.churned = False
        sh.orders, sh.spend, sh.last_day = sh.orders + 1, sh.spend + value, day
        self.today_orders.append((self.env.now, sh))
        sq = self.sc.strategies.service_quality
        if self.rng["service"].random() < sq.tickets_per_order:
            delay = self.rng["service"].exponential(sq.ticket_delay_days) if sq.ticket_delay_days > 0 else 0.0
            self.env.process(self.ticket(sh, self.env.now + delay))
        m_drop = math.exp(-self.s * self.sc.feedback.dropout_sensitivity * (sh.sat - self.ref))
        if rng.random() < min(1.0, sh.dropout * m_drop * self.levers.dropout_multiplier):
            sh.alive = False

    # -- §1-2 acquisition -------------------------------------------------------------
    def join(self, count: int, day: int, channel: str, at_midnight: bool = False):
        b, sat0, rng = self.sc.behavior, self.sc.satisfaction, self.rng["traits"]
        for _ in range(count):
            sh = Shopper(
                join_time=float(day) if at_midnight else day + self.rng["acquisition"].random(),
                rate=rng.gamma(b.purchase_rate.shape, 1.0 / b.purchase_rate.rate),
                dropout=rng.beta(b.dropout.a, b.dropout.b) if b.dropout.enabled else 0.0,
                nu=rng.gamma(b.spend.q, 1.0 / b.spend.gamma),
                sat=rng.beta(sat0.initial_a, sat0.initial_b),
            )
            self.shoppers.append(sh)
            sh.process = self.env.process(self.shopper(sh))
        self.out["new_shoppers"][day] += count
        self.out["new_shoppers_" + channel][day] += count

    def acquire(self, day: int):
        M, acq, fb = self.sc.market.size, self.sc.acquisition, self.sc.feedback
        p = acq.innovation + self.levers.innovation_add
        q = acq.imitation * self.levers.imitation_multiplier
        N0 = len(self.shoppers)
        A0 = sum(max(0.0, 1.0 + self.s * fb.word_of_mouth_sensitivity * (sh.sat - self.ref))
                 for sh in self.shoppers if sh.alive)
        pi = bass_day_join_probability(p, q, N0, A0, M)
        joiners = int(np.count_nonzero(self.rng["acquisition"].random(M - N0) < pi))  # one Bernoulli per prospect
        external = int(np.count_nonzero(self.rng["acquisition"].random(joiners) < external_share(p, q, A0, M)))
        self.join(external, day, "external")
        self.join(joiners - external, day, "word_of_mouth")

    # -- §5 one process per ticket ------------------------------------------------------
    def ticket(self, sh: Shopper, arrival: float):
        env, rng, sq, sat = self.env, self.rng["service"], self.sc.strategies.service_quality, self.sc.satisfaction
        yield env.timeout(arrival - env.now)
        day = int(arrival)
        if day >= self.H:
            return
        self.out["tickets"][day] += 1
        if rng.random() < sq.chatbot_deflection:
            self.out["tickets_deflected"][day] += 1
            self.changes.append((sh, sat.ticket_resolved))
            return
        patience = rng.exponential(sq.patience_minutes) / MINUTES_PER_DAY if sq.patience_minutes else None
        if self.desk is None:
            granted = False
        else:
            with self.desk.request() as req:
                yield (req | env.timeout(patience)) if patience is not None else req
                granted = req.triggered
                if granted:
                    wait = env.now - arrival
                    self.waits[day].append(wait * MINUTES_PER_DAY)
                    self.out["tickets_answered"][day] += 1
                    self.changes.append((sh, sat.ticket_resolved - sat.wait_per_hour * wait * 24))
                    yield env.timeout(self.handle_time())
        if not granted:
            self.out["tickets_abandoned"][day] += 1
            self.changes.append((sh, -sat.ticket_abandoned))

    def handle_time(self) -> float:
        sq, rng = self.sc.strategies.service_quality, self.rng["service"]
        mean = sq.handle_minutes / MINUTES_PER_DAY
        if sq.handle_distribution == "exponential":
            return rng.exponential(mean)
        if sq.handle_distribution == "fixed":
            return mean
        sigma2 = math.log1p(sq.handle_cv ** 2)
        return rng.lognormal(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))

    # -- §4 the warehouse, at the end of day d ---------------------------------------
    def fulfil(self, day: int):
        lg, sat, o = self.sc.strategies.logistics, self.sc.satisfaction, self.out
        rng = self.rng["fulfilment"]
        self.warehouse.extend(self.today_orders)
        self.today_orders = []
        ship_time = day + 1.0
        for _ in range(min(lg.capacity_per_day, len(self.warehouse))):
            order_time, sh = self.warehouse.popleft()
            if lg.transit_days_sd > 0:
                shape = (lg.transit_days_mean / lg.transit_days_sd) ** 2
                transit = rng.gamma(shape, lg.transit_days_mean / shape)
            else:
                transit = lg.transit_days_mean
            delivered = ship_time + transit
            self.in_transit.append((delivered, order_time, sh))
            due = order_time + lg.promised_days
            if delivered - order_time > lg.promised_days and rng.random() < lg.late_ticket_probability:
                self.env.process(self.ticket(sh, max(due, ship_time)))   # "where is my order?"
        o["backlog"][day] = len(self.warehouse)
        arrived = [t for t in self.in_transit if int(t[0]) == day]
        self.in_transit = [t for t in self.in_transit if int(t[0]) != day]
        on_time = 0
        for delivered, order_time, sh in arrived:
            late_days = delivered - order_time - lg.promised_days
            if late_days <= 0:
                on_time += 1
                sooner = max(0.0, lg.delivery_speed.reference_days - (delivered - order_time))
                self.set_sat(sh, sh.sat + sat.on_time_delivery + lg.delivery_speed.satisfaction_per_day * sooner)
            else:
                self.set_sat(sh, sh.sat - min(sat.late_delivery_max, sat.late_delivery_per_day * late_days))
        o["deliveries"][day] = len(arrived)
        o["on_time_rate"][day] = on_time / len(arrived) if arrived else math.nan

    # -- §6 satisfaction -----------------------------------------------------------------
    def set_sat(self, sh: Shopper, value: float):
        sh.sat = min(1.0, max(0.0, value))
        self.touched.add(sh)

    # -- §7 the recorder -----------------------------------------------------------------
    def record(self, day: int):
        o, W = self.out, self.sc.behavior.churn_window_days
        o["cumulative_shoppers"][day] = len(self.shoppers)
        o["alive_shoppers"][day] = sum(sh.alive for sh in self.shoppers)
        o["active_shoppers"][day] = sum(sh.last_day >= day - W + 1 for sh in self.shoppers)
        for sh in self.shoppers:
            if sh.last_day == day - W:
                sh.churned = True
                o["churned"][day] += 1
        buyers = [min(10, math.floor(11 * sh.sat)) for sh in self.shoppers if sh.orders > 0]
        o["nps"][day] = (100.0 * (sum(x >= 9 for x in buyers) - sum(x <= 6 for x in buyers)) / len(buyers)
                         if buyers else math.nan)

    def day_clock(self):
        if self.sc.market.initial_shoppers:
            self.join(self.sc.market.initial_shoppers, 0, "initial", at_midnight=True)
            window = self.sc.behavior.churn_window_days
            for sh in self.shoppers:   # last seen before the run, spread over the churn window
                sh.last_day = -int(self.rng["acquisition"].integers(0, window))
        for day in range(self.H):
            self.acquire(day)
            yield self.env.timeout(1.0)           # day's visits and tickets play out meanwhile
            self.touched = set()
            self.fulfil(day)
            for sh, change in self.changes:       # the desk's effects, found during the day
                self.set_sat(sh, sh.sat + change)
            self.changes = []
            if self.s > 0:                        # §6: redraw the next visit at the new rate
                for sh in self.touched:
                    if sh.alive and sh.process.is_alive:
                        sh.process.interrupt()
            self.record(day)

    def run(self) -> dict[str, np.ndarray]:
        self.env.run(until=self.env.process(self.day_clock()))
        self.out["service_wait_mean_min"] = np.array([np.mean(w) if w else math.nan for w in self.waits])
        return self.out


def simulate_reference(scenario: Scenario, replication: int = 0) -> dict[str, np.ndarray]:
    """One replication of `scenario`, per-day columns of length `horizon_days`."""
    return Reference(scenario, replication).run()
