"""The daily shopper step (docs/model.md §3), vectorised over every shopper.

One call plays every visit of one day: each alive shopper's next visit time is kept,
so a day costs one comparison over all shoppers plus work for those who visit.
Multiple visits by one shopper in a day are played in rounds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation import feedback
from simulation.population import PERIOD_DAYS, Shoppers
from simulation.scenario import Scenario
from strategies.base import Levers

FUNNEL_STAGES = ("browse", "cart", "checkout", "order")


def visit_rate(shoppers: Shoppers, who: np.ndarray, scenario: Scenario, levers: Levers) -> np.ndarray:
    """Visits per day: lambda x satisfaction feedback x visit lever / baseline conversion."""
    rate = shoppers.purchase_rate[who].astype(np.float64)
    rate *= feedback.purchase_rate_multiplier(shoppers.satisfaction[who], scenario.feedback)
    return rate * (levers.visit_rate_multiplier / scenario.behavior.funnel.conversion())


def draw_next_visit(shoppers: Shoppers, who: np.ndarray, after: np.ndarray | float,
                    scenario: Scenario, levers: Levers, rng: np.random.Generator) -> None:
    gaps = rng.standard_exponential(len(who)) / visit_rate(shoppers, who, scenario, levers)
    shoppers.next_visit[who] = after + gaps


def stage_thresholds(scenario: Scenario, levers: Levers) -> np.ndarray:
    """Cumulative probability of reaching each funnel stage in one visit."""
    funnel = scenario.behavior.funnel
    stage = [min(1.0, getattr(funnel, name) * levers.stage_multipliers.get(name, 1.0)) for name in FUNNEL_STAGES]
    return np.cumprod(stage)


@dataclass
class DayOrders:
    shopper: np.ndarray
    time: np.ndarray
    value: np.ndarray


class ShopperStep:
    """Visits, funnel, orders and dropout for one day; bookkeeping of activity."""

    def __init__(self, scenario: Scenario, shoppers: Shoppers, levers: Levers, tally: feedback.SatisfactionTally,
                 visits_rng: np.random.Generator, orders_rng: np.random.Generator) -> None:
        self.scenario = scenario
        self.tally = tally
        self.shoppers = shoppers
        self.levers = levers
        self.visits_rng = visits_rng
        self.orders_rng = orders_rng
        horizon = scenario.horizon_days
        self.last_active_count = np.zeros(horizon + 1, dtype=np.int64)  # shoppers by last active day
        self.revenue_by_age = np.zeros(horizon, dtype=np.float64)       # for CLV by age in days

    def joined(self, new: slice, day: int) -> None:
        self.last_active_count[day] += new.stop - new.start
        self.tally.joined(self.shoppers.satisfaction[new])
        draw_next_visit(self.shoppers, np.arange(new.start, new.stop), self.shoppers.join_time[new],
                        self.scenario, self.levers, self.visits_rng)

    def play_day(self, day: int, today: dict[str, float]) -> DayOrders:
        s, end_of_day = self.shoppers, day + 1.0
        thresholds = stage_thresholds(self.scenario, self.levers)
        funnel_counts = np.zeros(len(FUNNEL_STAGES) + 1, dtype=np.int64)
        orders: list[DayOrders] = []
        visitors = np.flatnonzero(s.next_visit[: s.n] < end_of_day)
        while visitors.size:
            times = s.next_visit[visitors]
            u = self.visits_rng.random(visitors.size)
            funnel_counts[0] += visitors.size
            for k, threshold in enumerate(thresholds, start=1):
                funnel_counts[k] += np.count_nonzero(u < threshold)
            ordered = u < thresholds[-1]
            buyers, buy_times = visitors[ordered], times[ordered]
            orders.append(self._place_orders(day, buyers, buy_times, today))
            self._drop_out(buyers)
            still_visiting = s.alive[visitors]
            visitors, times = visitors[still_visiting], times[still_visiting]
            draw_next_visit(s, visitors, times, self.scenario, self.levers, self.visits_rng)
            visitors = visitors[s.next_visit[visitors] < end_of_day]
        for name, count in zip(("visits", *FUNNEL_STAGES), funnel_counts):
            today[name if name != "order" else "orders"] = int(count)
        if not orders:
            return DayOrders(np.empty(0, np.int64), np.empty(0), np.empty(0))
        return DayOrders(*(np.concatenate([getattr(o, f) for o in orders]) for f in ("shopper", "time", "value")))

    def _place_orders(self, day: int, buyers: np.ndarray, times: np.ndarray, today: dict[str, float]) -> DayOrders:
        s = self.shoppers
        values = self.orders_rng.standard_gamma(self.scenario.behavior.spend.p, buyers.size) / s.spend_rate[buyers]
        s.orders[buyers] += 1
        s.spend[buyers] += values
        first = buyers[s.first_order_day[buyers] < 0]
        s.first_order_day[first] = day
        self.tally.first_order(s.satisfaction[first])
        # Observed activity: move buyers out of their previous last-active day.
        previous = s.last_active_day[buyers]
        moved = previous != day
        window = self.scenario.behavior.churn_window_days
        today["reactivated"] = today.get("reactivated", 0) + int(np.count_nonzero(previous[moved] < day - window))
        self.last_active_count -= np.bincount(previous[moved], minlength=len(self.last_active_count))
        self.last_active_count[day] += int(np.count_nonzero(moved))
        s.last_active_day[buyers] = day
        age = day - s.join_day[buyers]
        self.revenue_by_age += np.bincount(age, weights=values, minlength=len(self.revenue_by_age))
        s.set_period_bit(s.life_periods, buyers, age // PERIOD_DAYS)
        s.set_period_bit(s.calendar_periods, buyers, day // PERIOD_DAYS)
        return DayOrders(buyers, times, values)

    def _drop_out(self, buyers: np.ndarray) -> None:
        """BG/NBD: after each purchase, inactive for good with probability p (x feedback x lever)."""
        s = self.shoppers
        probability = s.dropout_probability[buyers] * self.levers.dropout_multiplier
        probability = probability * feedback.dropout_multiplier(s.satisfaction[buyers], self.scenario.feedback)
        leaving = buyers[self.visits_rng.random(buyers.size) < probability]
        s.alive[leaving] = False
        self.tally.dropped_out(s.satisfaction[leaving])
        s.next_visit[leaving] = np.inf

    def active_and_churned(self, day: int) -> tuple[int, int]:
        """Shoppers active within the churn window at the end of `day`, and those who lapsed today."""
        window = self.scenario.behavior.churn_window_days
        active = int(self.last_active_count[max(0, day - window + 1): day + 1].sum())
        churned = int(self.last_active_count[day - window]) if day >= window else 0
        return active, churned
