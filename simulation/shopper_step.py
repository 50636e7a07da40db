"""The daily shopper step (docs/model.md §3), vectorised over every shopper.

One call plays every visit of one day: each alive shopper's next visit time is kept,
so a day costs one comparison over all shoppers plus work for those who visit.
Multiple visits by one shopper in a day are played in rounds. Strategies act through
their factors (strategies.base.Strategy); with none, this is BG/NBD.
"""

from __future__ import annotations

import numpy as np

from simulation import feedback
from simulation.ledger import Ledger
from simulation.limits import MAX_VISIT_ROUNDS_PER_DAY, MAX_VISITS_PER_DAY_PER_SHOPPER, visit_rounds_exceeded
from simulation.population import PERIOD_DAYS, Shoppers
from simulation.scenario import Scenario
from strategies.base import Levers, OrderBatch, Strategy

FUNNEL_STAGES = ("browse", "cart", "checkout", "order")


def product_of(factors) -> np.ndarray | float:
    total = 1.0
    for factor in factors:
        if type(total) is float and total == 1.0 and isinstance(factor, np.ndarray) and factor.dtype.kind == "f":
            total = factor   # 1.0 x a float array: the same values and dtype, without the copy
        else:
            total = total * factor
    return total


class ShopperStep:
    """Visits, funnel, orders and dropout for one day; bookkeeping of activity."""

    def __init__(self, scenario: Scenario, shoppers: Shoppers, levers: Levers, strategies: list[Strategy],
                 tally: feedback.SatisfactionTally, ledger: Ledger,
                 visits_rng: np.random.Generator, orders_rng: np.random.Generator) -> None:
        self.scenario = scenario
        self.shoppers = shoppers
        self.levers = levers
        self.strategies = strategies
        self.tally = tally
        self.ledger = ledger
        self.visits_rng = visits_rng
        self.orders_rng = orders_rng
        horizon, window = scenario.horizon_days, scenario.behavior.churn_window_days
        # Shoppers by last active day, from day -window (initial shoppers were last
        # seen before the run) to the horizon: index = day + window.
        self.last_active_count = np.zeros(window + horizon + 1, dtype=np.int64)
        self.revenue_by_age = np.zeros(horizon, dtype=np.float64)       # for CLV by age in days

    # --- rates ---------------------------------------------------------------------

    def visit_rate(self, who: np.ndarray) -> np.ndarray:
        """Visits per day: lambda x satisfaction feedback x levers x strategies / baseline conversion."""
        s = self.shoppers
        rate = s.purchase_rate[who].astype(np.float64)
        rate *= feedback.purchase_rate_multiplier(s.satisfaction[who], self.scenario.feedback)
        rate *= product_of(strategy.visit_factor(who) for strategy in self.strategies)
        rate *= self.levers.visit_rate_multiplier / self.scenario.behavior.funnel.conversion()
        return rate

    def draw_next_visit(self, who: np.ndarray, after: np.ndarray | float) -> np.ndarray:
        """Draw and keep these shoppers' next visit times; returns them."""
        next_visit = self.visits_rng.standard_exponential(len(who))
        next_visit /= self.visit_rate(who)   # the gaps
        next_visit += after
        self.shoppers.next_visit[who] = next_visit
        return next_visit

    def redraw_visits(self, who: np.ndarray, day: int) -> None:
        """A shopper's rate changed during `day`: memorylessness lets the next visit be redrawn."""
        alive = who[self.shoppers.alive[who]]
        self.draw_next_visit(alive, float(day + 1))

    def stage_thresholds(self, who: np.ndarray) -> np.ndarray:
        """Cumulative probability of reaching each funnel stage: stages x visitors
        (stages x 1 when no strategy acts per shopper)."""
        funnel = self.scenario.behavior.funnel
        per_strategy = [strategy.stage_factors(who) for strategy in self.strategies]
        stages = []
        for stage in FUNNEL_STAGES:
            probability = getattr(funnel, stage) * self.levers.stage_multipliers.get(stage, 1.0)
            probability = probability * product_of(f[stage] for f in per_strategy if stage in f)
            stages.append(np.minimum(probability, 1.0, out=probability if np.ndim(probability) else None))
        if all(np.ndim(p) == 0 for p in stages):
            return np.cumprod(stages)[:, None]
        # The running product, row by row (what cumprod over the stacked stages gives,
        # without stacking them first).
        thresholds = np.empty((len(stages), who.size), dtype=np.result_type(*stages))
        thresholds[0] = stages[0]
        for row, probability in enumerate(stages[1:], start=1):
            np.multiply(thresholds[row - 1], probability, out=thresholds[row])
        return thresholds

    # --- the day -------------------------------------------------------------------

    def joined(self, new: np.ndarray, day: int) -> None:
        window = self.scenario.behavior.churn_window_days
        self.last_active_count += np.bincount(self.shoppers.last_active_day[new] + window,
                                              minlength=len(self.last_active_count))
        self.tally.joined(self.shoppers.satisfaction[new])
        self.draw_next_visit(new, self.shoppers.join_time[new])

    def play_day(self, day: int, today: dict[str, float]) -> OrderBatch:
        s, end_of_day = self.shoppers, day + 1.0
        funnel_counts = np.zeros(len(FUNNEL_STAGES) + 1, dtype=np.int64)
        batches: list[OrderBatch] = []
        visitors = np.flatnonzero(s.next_visit[: s.n] < end_of_day)
        rounds = 0
        while visitors.size:
            rounds += 1
            if rounds > MAX_VISIT_ROUNDS_PER_DAY or funnel_counts[0] > MAX_VISITS_PER_DAY_PER_SHOPPER * s.n:
                raise visit_rounds_exceeded(day, rounds - 1, visitors.size)   # a rate gone out of bounds: stop
            times = s.next_visit[visitors]
            reached = self.visits_rng.random(visitors.size) < self.stage_thresholds(visitors)  # stages x visitors
            funnel_counts += [visitors.size, *(np.count_nonzero(stage) for stage in reached)]
            ordered = reached[-1]
            abandoned = reached[1] & ~ordered
            if abandoned.any():
                abandoners, abandoned_at = visitors[abandoned], times[abandoned]
                for strategy in self.strategies:
                    strategy.carts_abandoned(day, abandoners, abandoned_at)
            buyers = visitors[ordered]
            if buyers.size:   # (with none, nothing is drawn and no strategy acts)
                batches.append(self._place_orders(day, buyers, times[ordered], today))
                self._drop_out(buyers)
            still_visiting = s.alive[visitors]
            visitors, times = visitors[still_visiting], times[still_visiting]
            visitors = visitors[self.draw_next_visit(visitors, times) < end_of_day]
        for name, count in zip(("visits", *FUNNEL_STAGES), funnel_counts):
            today[name if name != "order" else "orders"] = int(count)
        if not batches:
            return OrderBatch.empty()
        return OrderBatch(*(np.concatenate([getattr(b, f) for b in batches])
                            for f in ("shopper", "time", "value", "discount", "return_probability")))

    def _place_orders(self, day: int, buyers: np.ndarray, times: np.ndarray, today: dict[str, float]) -> OrderBatch:
        s, levers = self.shoppers, self.levers
        values = self.orders_rng.standard_gamma(self.scenario.behavior.spend.p, buyers.size) / s.spend_rate[buyers]
        values *= levers.order_value_multiplier
        batch = OrderBatch(buyers, times, values, levers.discount_rate * values,
                           np.full(buyers.size, self.scenario.strategies.logistics.return_rate))
        for strategy in self.strategies:
            strategy.orders_placed(day, batch)
        self.ledger.gmv += float(batch.value.sum())
        self.ledger.discounts += float(batch.discount.sum())
        s.orders[buyers] += 1
        s.spend[buyers] += batch.value - batch.discount
        first = buyers[s.first_order_day[buyers] < 0]
        s.first_order_day[first] = day
        self.tally.first_order(s.satisfaction[first])
        # Observed activity: move buyers out of their previous last-active day.
        previous = s.last_active_day[buyers]
        moved = previous != day
        window = self.scenario.behavior.churn_window_days
        today["reactivated"] = today.get("reactivated", 0) + int(np.count_nonzero(previous[moved] < day - window))
        self.last_active_count -= np.bincount(previous[moved] + window, minlength=len(self.last_active_count))
        self.last_active_count[day + window] += int(np.count_nonzero(moved))
        s.last_active_day[buyers] = day
        age = day - s.join_day[buyers]
        self.revenue_by_age += np.bincount(age, weights=batch.value - batch.discount, minlength=len(self.revenue_by_age))
        s.set_period_bit(s.life_periods, buyers, age // PERIOD_DAYS)
        s.set_period_bit(s.calendar_periods, buyers, day // PERIOD_DAYS)
        return batch

    def _drop_out(self, buyers: np.ndarray) -> None:
        """BG/NBD: after each purchase, inactive for good with probability p (x feedback x levers x strategies)."""
        s = self.shoppers
        probability = s.dropout_probability[buyers] * self.levers.dropout_multiplier
        probability = probability * feedback.dropout_multiplier(s.satisfaction[buyers], self.scenario.feedback)
        probability = probability * product_of(strategy.dropout_factor(buyers) for strategy in self.strategies)
        leaving = buyers[self.visits_rng.random(buyers.size) < probability]
        s.alive[leaving] = False
        s.next_visit[leaving] = np.inf
        self.tally.dropped_out(s.satisfaction[leaving])

    def active_and_churned(self, day: int) -> tuple[int, int]:
        """Shoppers active within the churn window at the end of `day`, and those who lapsed today."""
        window = self.scenario.behavior.churn_window_days
        active = int(self.last_active_count[day + 1: day + window + 1].sum())   # days day-W+1 .. day
        churned = int(self.last_active_count[day])                               # day - W
        return active, churned
