"""The daily shopper step (docs/model.md §3), vectorised over every shopper.

One call plays every visit of one day: each alive shopper's next visit time is kept,
so a day costs one comparison over all shoppers plus work for those who visit. A
visitor's visits for the rest of the day are drawn together, up to its first order
(which may change its rates); buyers who come back the same day go again. Strategies
act through their factors (simulation/kernel/strategy.py); with none, this is BG/NBD.
"""

from __future__ import annotations

import itertools
import operator
from dataclasses import dataclass

import numpy as np

from simulation.kernel import feedback
from simulation.kernel.dropout import dropout_rule
from simulation.kernel.ledger import Ledger
from simulation.kernel.limits import MAX_VISIT_DEPTH_PER_DAY, MAX_VISITS_PER_DAY_PER_SHOPPER, visits_out_of_bounds
from simulation.kernel.population import INITIAL_CHANNEL, NEVER, PERIOD_DAYS, Shoppers, sorted_unique
from simulation.kernel.scenario import Scenario
from simulation.kernel.levers import Factor, Levers, product_of
from simulation.kernel.orders import OrderBatch
from simulation.kernel.strategy import Strategy

FUNNEL_STAGES = ("browse", "cart", "checkout", "order")
# Shoppers whose next visits are drawn at once, at most: bounds the temporaries when a
# million shoppers join on day 0 (a day's buyers are far fewer).
DRAW_CHUNK = 1 << 18


@dataclass
class DayVisits:
    """The visits of a day's visitors drawn one by one: the visitor (a position in the
    visitors), which of its visits today (0 the one due), the time; the factor of each
    visit's funnel uniform, and when each visitor's visits end today. Drawn by
    _cart_visits_today, also what counts the visits not drawn one by one: from `start`, at
    these rates per day, visits that browse without reaching the cart and visits that do not browse."""

    row: np.ndarray
    visit: np.ndarray
    at: np.ndarray
    u_scale: np.ndarray | float
    end: np.ndarray | float
    start: np.ndarray | None = None
    browse_only_rate: np.ndarray | None = None
    no_browse_rate: np.ndarray | None = None


class ShopperStep:
    """Visits, funnel, orders and dropout for one day; bookkeeping of activity."""

    def __init__(self, scenario: Scenario, shoppers: Shoppers, levers: Levers, strategies: list[Strategy],
                 tally: feedback.SatisfactionTally, ledger: Ledger,
                 rng: dict[str, np.random.Generator]) -> None:
        self.scenario = scenario
        self.shoppers = shoppers
        self.levers = levers
        self.strategies = strategies
        self.tally = tally
        self.ledger = ledger
        # A stream each for the visit clock, the funnel, dropout and order values: a scenario
        # that changes how many orders are placed leaves the others' draws in step
        # (common random numbers).
        self.visits_rng, self.funnel_rng = rng["visits"], rng["funnel"]
        self.orders_rng = rng["orders"]
        self.dropout = dropout_rule(scenario, shoppers, levers, strategies, tally, rng["dropout"])
        # Strategies that may grant free shipping (they override the touchpoint).
        self.free_shippers = [strategy for strategy in strategies
                              if type(strategy).free_shipping_chance is not Strategy.free_shipping_chance]
        # Strategies through which a visit may come from social media (attribution only).
        self.social_sources = [strategy for strategy in strategies
                               if type(strategy).social_visit_chance is not Strategy.social_visit_chance]
        horizon, window = scenario.horizon_days, scenario.behavior.churn_window_days
        # Shoppers by last active day, from day -window (initial shoppers were last
        # seen before the run) to the horizon: index = day + window + 1; index 0 holds
        # a calibrated twin's customers last seen longer ago (lapsed before the run).
        self.active_offset = window + 1
        self.last_active_count = np.zeros(window + horizon + 2, dtype=np.int64)
        self.trial_orders: list[OrderBatch] = []   # today's joiners' first orders (acquisition.joins_with_order)
        self.revenue_by_age = np.zeros(horizon, dtype=np.float64)       # for CLV by age in days
        self.visits_today = 0   # by the busiest shopper, at most (a bound on runaway rates)
        self.every_visit_today = False   # whether today's visits are all drawn one by one (plays_every_visit_today)

    # --- rates ---------------------------------------------------------------------

    def visit_rate(self, who: np.ndarray) -> np.ndarray:
        """Visits per day: lambda x satisfaction feedback x levers x strategies / baseline conversion."""
        s = self.shoppers
        # In float64 from the float32 columns: one pass, no float64 copy of the rates first.
        rate = np.multiply(s.purchase_rate[who], feedback.purchase_rate_multiplier(s.satisfaction[who], self.scenario.feedback)
                           / self.tally.neutral.purchase, dtype=np.float64)
        rate *= product_of(strategy.visit_factor(who) for strategy in self.strategies)
        rate *= self.levers.visit_rate_multiplier / self.scenario.behavior.funnel.conversion()
        return rate

    def draw_next_visit(self, who: np.ndarray, after: np.ndarray | float) -> None:
        """Draw and keep these shoppers' next visit times, in chunks: a whole population
        joining keeps its temporaries to a chunk's size."""
        if who.size > DRAW_CHUNK:
            # The stream gives the same numbers drawn in parts, and the rest is element-wise.
            for start in range(0, who.size, DRAW_CHUNK):
                part = slice(start, start + DRAW_CHUNK)
                self.draw_next_visit(who[part], after[part] if np.ndim(after) else after)
            return
        next_visit = self.visits_rng.standard_exponential(len(who))
        next_visit /= self.visit_rate(who)   # the gaps
        next_visit += after
        self.shoppers.next_visit[who] = next_visit

    def redraw_visits(self, who: np.ndarray, day: int) -> None:
        """A shopper's rate changed during `day`: memorylessness lets the next visit be redrawn."""
        alive = who[self.shoppers.alive[who]]
        self.draw_next_visit(alive, float(day + 1))

    def stage_thresholds(self, who: np.ndarray, at: np.ndarray) -> np.ndarray:
        """Cumulative probability of reaching each funnel stage on visits by `who` at times
        `at`: stages x visits (stages x 1 when no strategy acts per shopper)."""
        funnel = self.scenario.behavior.funnel
        per_strategy = [strategy.stage_factors(who, at) for strategy in self.strategies]
        free = self.free_shipping_chance(who, at)
        uplift = self.scenario.strategies.logistics.free_shipping_conversion_uplift
        if uplift and (np.ndim(free) or free):
            per_strategy.append({"order": 1.0 + uplift * free})
        stages = []
        for stage in FUNNEL_STAGES:
            probability = getattr(funnel, stage) * self.levers.stage_multipliers.get(stage, 1.0)
            factors = [f[stage] for f in per_strategy if stage in f]
            if factors:
                probability = probability * product_of(factors)
                stages.append(np.minimum(probability, 1.0, out=probability if np.ndim(probability) else None))
            else:
                stages.append(min(probability, 1.0))
        if all(np.ndim(p) == 0 for p in stages):
            return np.array(list(itertools.accumulate(stages, operator.mul)))[:, None]
        # The running product, row by row (what cumprod over the stacked stages gives,
        # without stacking them first).
        thresholds = np.empty((len(stages), who.size), dtype=np.result_type(*stages))
        thresholds[0] = stages[0]
        for row, probability in enumerate(stages[1:], start=1):
            np.multiply(thresholds[row - 1], probability, out=thresholds[row])
        return thresholds

    def free_shipping_chance(self, who: np.ndarray, at: np.ndarray) -> Factor:
        """The chance that an order on each visit ships free, whoever grants it: 1 on a
        free-shipping day, else 1 - the product of each strategy's chance of not granting it.
        One order, one free-shipping effect on conversion (applied in stage_thresholds)."""
        if self.levers.free_shipping:
            return 1.0
        not_free: Factor = 1.0
        for strategy in self.free_shippers:
            not_free = not_free * (1.0 - strategy.free_shipping_chance(who, at))
        return 1.0 - not_free

    # --- the day -------------------------------------------------------------------

    def plays_every_visit_today(self) -> bool:
        """Whether today every visit is drawn and played one by one (_visits_today): when a
        strategy's funnel changes with the hour. Otherwise only the visits that may reach
        an order are (_cart_visits_today), and the rest are counted: the same process."""
        return any(strategy.funnel_varies_within_day() for strategy in self.strategies)

    def joined(self, new: np.ndarray, day: int, trial: bool = False) -> None:
        """Shoppers who joined today; with `trial`, each joins with its first order (BG/NBD's
        trial purchase, after which it cannot drop out), placed with today's orders."""
        s = self.shoppers
        self.last_active_count += np.bincount(s.last_active_day[new] + self.active_offset,
                                              minlength=len(self.last_active_count))
        alive_mask = s.alive[new]
        alive = new if alive_mask.all() else new[alive_mask]   # no copy of a whole population
        self.tally.joined(s.satisfaction[alive])
        if trial:
            self.trial_orders.append(self._place_orders(day, alive, s.join_time[alive]))
        self.draw_next_visit(alive, self.next_visit_after(alive, s.join_time[alive], day) if trial else s.join_time[alive])

    def next_visit_after(self, buyers: np.ndarray, order_times: np.ndarray, day: int) -> np.ndarray | float:
        """When buyers' visits resume after an order: at once, or from the next day when a
        day's orders are one transaction (behavior.one_transaction_a_day)."""
        return float(day + 1) if self.scenario.behavior.one_transaction_a_day else order_times

    def play_day(self, day: int, today: dict[str, float]) -> OrderBatch:
        s = self.shoppers
        funnel_counts = np.zeros(len(FUNNEL_STAGES) + 1, dtype=np.int64)
        batches, self.trial_orders = self.trial_orders, []
        funnel_counts[-1] += sum(len(batch) for batch in batches)
        self.dropout.start_day(day)
        self.every_visit_today = self.plays_every_visit_today()
        visitors = np.flatnonzero(s.next_visit[: s.n] < day + 1.0)
        end = self.dropout.visits_end(visitors, day)
        if np.ndim(end):   # dropout over time: who leaves today visits only before leaving
            visitors = visitors[s.next_visit[visitors] < end]
        self.visits_today = 0
        while visitors.size:
            visitors = self._play_until_orders(day, visitors, funnel_counts, batches)
            if funnel_counts[0] > MAX_VISITS_PER_DAY_PER_SHOPPER * s.n:
                raise visits_out_of_bounds(day, self.visits_today, visitors.size)   # a rate gone out of bounds: stop
        self.dropout.end_day(day)
        for name, count in zip(("visits", *FUNNEL_STAGES), funnel_counts):
            today[name if name != "order" else "orders"] = int(count)
        if not batches:
            return OrderBatch.empty()
        orders = OrderBatch.concatenate(batches)
        orders = orders.take(np.argsort(orders.time, kind="stable"))   # the warehouse takes them in time order
        self._record_orders(day, orders, today)
        return orders

    def _play_until_orders(self, day: int, visitors: np.ndarray, funnel_counts: np.ndarray,
                           batches: list[OrderBatch]) -> np.ndarray:
        """Play each visitor's visits today up to its first order (after which its rates may
        change); returns the shoppers with a visit still to come today."""
        s = self.shoppers
        if self.every_visit_today:
            visits = self._visits_today(day, visitors)
            thresholds = self.stage_thresholds(visitors[visits.row], visits.at)   # stages x visits
        else:
            per_visitor = self.stage_thresholds(visitors, s.next_visit[visitors])
            visits = self._cart_visits_today(day, visitors, per_visitor)
            thresholds = per_visitor if per_visitor.shape[1] == 1 else per_visitor[:, visits.row]
        row, visit, at = visits.row, visits.visit, visits.at
        who = visitors[row]
        u = self.funnel_rng.random(row.size)
        if np.ndim(visits.u_scale):   # visits drawn as reaching the cart play the rest of the funnel
            u *= visits.u_scale
        played = row.size
        ordered = np.flatnonzero(u < thresholds[-1])
        first_order = ordered[:0]   # each buyer's first ordering visit, below
        if ordered.size:
            # A visitor's visits end at its first order: the later ones are not played (they
            # reach no stage), and its next visit is drawn afresh.
            first_order = ordered[np.unique(row[ordered], return_index=True)[1]]   # visits are by k, then row
            last_visit = np.full(visitors.size, np.iinfo(visit.dtype).max, dtype=visit.dtype)
            last_visit[row[first_order]] = visit[first_order]
            # Visits are by k: none before the earliest first order's k follows an order.
            later = int(np.searchsorted(visit, visit[first_order].min(), side="right"))
            not_played = later + np.flatnonzero(visit[later:] > last_visit[row[later:]])
            u[not_played] = np.inf
            played -= not_played.size
        reached = self._funnel(u, thresholds)
        passing, browsed = self._passing_visits(visits, row[first_order], at[first_order])
        funnel_counts += [played + passing, *(stage.size for stage in reached)]
        funnel_counts[1] += browsed
        ordering = np.zeros(row.size, dtype=bool)
        ordering[reached[-1]] = True
        abandoned = reached[1][~ordering[reached[1]]]   # reached the cart, did not order
        if abandoned.size:
            abandoners, abandoned_at = who[abandoned], at[abandoned]
            for strategy in self.strategies:
                strategy.carts_abandoned(day, abandoners, abandoned_at)
        if not ordered.size:
            return np.empty(0, dtype=visitors.dtype)
        buyers, order_times = who[reached[-1]], at[reached[-1]]
        batches.append(self._place_orders(day, buyers, order_times))
        self.dropout.after_purchases(buyers)
        staying = s.alive[buyers]
        buyers = buyers[staying]
        self.draw_next_visit(buyers, self.next_visit_after(buyers, order_times[staying], day))
        return buyers[s.next_visit[buyers] < self.dropout.visits_end(buyers, day)]

    def _passing_visits(self, visits: "DayVisits", buyers: np.ndarray, order_times: np.ndarray) -> tuple[int, int]:
        """The visits drawn only as counts (_cart_visits_today): those between each visitor's
        first visit and the end of its visits today (its first order: `buyers`, positions
        among the visitors, at `order_times`; else the day's end) that did not reach the
        cart, and of them those that browsed. Two Poisson counts: a Poisson process thinned
        by independent marks is Poisson."""
        if visits.browse_only_rate is None:
            return 0, 0
        stop = np.array(np.broadcast_to(visits.end, visits.start.shape))
        stop[buyers] = order_times
        span = stop - visits.start   # in days; 0 for a visitor whose visit due ordered
        browse_only = float(np.sum(visits.browse_only_rate * span))   # not np.dot: BLAS threads crawl on a busy machine
        no_browse = float(np.sum(visits.no_browse_rate * span))
        browsed = int(self.funnel_rng.poisson(browse_only))
        return browsed + int(self.funnel_rng.poisson(no_browse)), browsed

    @staticmethod
    def _funnel(u: np.ndarray, thresholds: np.ndarray) -> list[np.ndarray]:
        """The visits (positions, in order) that reach each stage, u < its threshold. Each
        stage's threshold is the one before times a probability of at most 1, so only the
        visits that reached the stage before need comparing."""
        reached = [np.flatnonzero(u < thresholds[0])]
        for threshold in thresholds[1:]:
            previous = reached[-1]
            reached.append(previous[u[previous] < (threshold if threshold.size == 1 else threshold[previous])])
        return reached

    def _visits_today(self, day: int, visitors: np.ndarray) -> "DayVisits":
        """Every visit of these visitors until the end of `day` at their current rates: the
        visitor (a position in `visitors`), which visit of the visitor it is (0 the one
        due) and its time, by visit then visitor. Keeps each visitor's first visit after today.

        Between orders nothing a visit does changes a shopper's rates, so the Poisson
        process of docs/model.md §3 runs on without playing each visit first."""
        end_of_day = self.dropout.visits_end(visitors, day)
        rate = self.visit_rate(visitors)
        row, visit, at, latest = self._poisson_visits(day, visitors, 1.0 / rate, end_of_day)
        self.shoppers.next_visit[visitors] = latest   # the first visit after today
        return DayVisits(row, visit, at, 1.0, end_of_day)

    def _cart_visits_today(self, day: int, visitors: np.ndarray, thresholds: np.ndarray) -> "DayVisits":
        """As _visits_today, on a day when each visitor's funnel does not change with the time
        of day: the visit due, and after it only the visits that reach the cart, a Poisson
        process at the visit rate times the chance of reaching the cart (`thresholds`, stages
        x visitors or x 1). The other visits, about 12 in 13 with the default funnel, only
        count (_passing_visits). A visit drawn as reaching the cart plays the rest of the
        funnel given that: its uniform is scaled by that chance (`u_scale`)."""
        s = self.shoppers
        end_of_day = self.dropout.visits_end(visitors, day)
        rate = self.visit_rate(visitors)
        browse, cart = thresholds[0], thresholds[1]
        with np.errstate(divide="ignore"):   # a cart closed to a shopper: its cart visits never come
            row, visit, at, _ = self._poisson_visits(day, visitors, 1.0 / (rate * cart), end_of_day)
        start = s.next_visit[visitors]
        # The first visit after today, by memorylessness: the day's end plus a gap.
        s.next_visit[visitors] = end_of_day + self.visits_rng.standard_exponential(visitors.size) / rate
        u_scale = np.where(visit == 0, 1.0, cart if cart.size == 1 else cart[row])
        return DayVisits(row, visit, at, u_scale, end_of_day, start, rate * (browse - cart), rate * (1.0 - browse))

    def _poisson_visits(self, day: int, visitors: np.ndarray, gap: np.ndarray,
                        end_of_day: np.ndarray | float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The visits due (s.next_visit) and the points of a Poisson process of mean gaps `gap`
        after them, until `end_of_day`: (row, visit, at) by visit then row, and each
        visitor's first point after the day."""
        s = self.shoppers
        # Only the visitors still visiting are carried from one visit to the next (their
        # latest time, mean gap and end of day, compacted together); `latest` keeps every
        # visitor's latest point drawn, which ends as its first after today.
        time = s.next_visit[visitors]              # the visits due first
        current = np.arange(visitors.size)         # visitors whose latest visit is today
        rows, times = [current], [time]
        latest = None
        while True:
            time = self.visits_rng.standard_exponential(current.size) * gap + time
            if latest is None:
                latest = time                      # the first draw is every visitor's, in order
            else:
                latest[current] = time
            today = time < end_of_day
            current, time = current[today], time[today]
            if not current.size:
                break
            gap = gap[today]
            if np.ndim(end_of_day):
                end_of_day = end_of_day[today]
            rows.append(current)
            times.append(time)
            if len(rows) > MAX_VISIT_DEPTH_PER_DAY:
                raise visits_out_of_bounds(day, self.visits_today + len(rows), current.size)
        self.visits_today += len(rows)
        visit = np.repeat(np.arange(len(rows), dtype=np.int32), [r.size for r in rows])
        return np.concatenate(rows), visit, np.concatenate(times), latest

    def _place_orders(self, day: int, buyers: np.ndarray, times: np.ndarray) -> OrderBatch:
        """Orders by `buyers` (distinct) at `times`: their values and what strategies do to them."""
        values = self.orders_rng.standard_gamma(self.scenario.behavior.spend.p, buyers.size) / self.shoppers.spend_rate[buyers]
        return self.place_orders(day, buyers, times, values)

    def place_orders(self, day: int, buyers: np.ndarray, times: np.ndarray, values: np.ndarray) -> OrderBatch:
        """Orders of these values (before today's levers) by `buyers` (distinct) at `times`:
        the day's levers, then what strategies do to them."""
        s, levers = self.shoppers, self.levers
        values = values * levers.order_value_multiplier
        batch = OrderBatch(buyers, times, values, levers.discount_rate * values,
                           np.full(buyers.size, self.scenario.strategies.logistics.return_rate),
                           np.full(buyers.size, levers.free_shipping))
        for strategy in self.strategies:
            strategy.orders_placed(day, batch)
        s.orders[buyers] += 1   # at once: strategies tell a shopper's first order by it
        return batch

    def _record_orders(self, day: int, orders: OrderBatch, today: dict[str, float]) -> None:
        """The day's orders in the books: money, spend, first orders, activity, cohorts.
        A shopper may have ordered more than once today."""
        s, window = self.shoppers, self.scenario.behavior.churn_window_days
        paid = orders.value - orders.discount
        self.ledger.gmv += float(orders.value.sum())
        self.ledger.discounts += float(orders.discount.sum())
        self.ledger.book_shipping(len(orders), int(np.count_nonzero(orders.ships_free)),
                                  self.scenario.strategies.logistics.shipping_fee)
        np.add.at(s.spend, orders.shopper, paid)
        self.revenue_by_age += np.bincount(day - s.join_day[orders.shopper], weights=paid,
                                           minlength=len(self.revenue_by_age))
        today["orders_by_initial_shoppers"] = int(np.count_nonzero(s.channel[orders.shopper] == INITIAL_CHANNEL))
        self._count_repeat_orders(orders, today)
        buyers = sorted_unique(orders.shopper)
        first = buyers[s.first_order_day[buyers] == NEVER]
        s.first_order_day[first] = day
        self.tally.first_order(s.satisfaction[first])
        # Observed activity: move buyers out of their previous last-active day.
        previous = s.last_active_day[buyers]
        moved = previous != day
        today["reactivated"] = int(np.count_nonzero(previous[moved] < day - window))
        self.last_active_count -= np.bincount(previous[moved] + self.active_offset, minlength=len(self.last_active_count))
        self.last_active_count[day + self.active_offset] += int(np.count_nonzero(moved))
        s.last_active_day[buyers] = day
        s.set_period_bit(s.life_periods, buyers, (day - s.join_day[buyers]) // PERIOD_DAYS)
        s.set_period_bit(s.calendar_periods, buyers, day // PERIOD_DAYS)

    def _count_repeat_orders(self, orders: OrderBatch, today: dict[str, float]) -> None:
        """Orders by returning shoppers (all but a shopper's first), and how many of them are
        expected to have come through social media: the sum of each order's chance, the
        strategies taken as independent sources (retention_share_social)."""
        s = self.shoppers
        repeat = np.ones(len(orders), dtype=bool)
        newcomer = np.flatnonzero(s.first_order_day[orders.shopper] == NEVER)
        if newcomer.size:   # orders are in time order: a newcomer's earliest one today is its first
            repeat[newcomer[np.unique(orders.shopper[newcomer], return_index=True)[1]]] = False
        today["repeat_orders"] = int(np.count_nonzero(repeat))
        if not self.social_sources or not repeat.any():
            return
        who, at = orders.shopper[repeat], orders.time[repeat]
        not_social = product_of(1.0 - np.asarray(source.social_visit_chance(who, at)) for source in self.social_sources)
        today["repeat_orders_social"] = float(np.sum(1.0 - np.broadcast_to(not_social, who.shape)))

    def active_and_churned(self, day: int) -> tuple[int, int]:
        """Shoppers active within the churn window at the end of `day`, and those who lapsed today."""
        window = self.scenario.behavior.churn_window_days
        offset = self.active_offset
        active = int(self.last_active_count[day - window + 1 + offset: day + 1 + offset].sum())   # days day-W+1 .. day
        churned = int(self.last_active_count[day - window + offset])                             # day - W
        return active, churned
