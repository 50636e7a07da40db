"""One replication of a scenario: SimPy drives the days (DESIGN.md §4, docs/model.md).

Each subsystem is a SimPy process that wakes once a day; they are started in the
order of docs/model.md ("order of events within day d"), and SimPy runs processes
due at the same time in the order they were scheduled, so that order holds every day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import simpy

from simulation import feedback
from simulation.acquisition import bass_day_join_probability, external_share
from simulation.experiences import Experiences
from simulation.fulfilment import Fulfilment
from simulation.metrics import DAILY_COLUMNS, cohort_table, growth_accounting, run_kpis
from simulation.population import CHANNELS, Shoppers
from simulation.random_streams import streams
from simulation.scenario import Scenario
from simulation.service_desk import ServiceDesk
from simulation.shopper_step import DayOrders, ShopperStep
from simulation.timed_events import DayBuckets
from strategies.base import Levers, StrategyHook

INITIAL, EXTERNAL, WORD_OF_MOUTH = (CHANNELS.index(c) for c in ("initial", "external", "word_of_mouth"))


@dataclass
class RunResult:
    """Everything one replication produced; plain arrays, so it pickles across processes."""

    replication: int
    daily: dict[str, np.ndarray]
    kpis: dict[str, float]
    cohorts: dict[str, np.ndarray]
    growth: dict[str, np.ndarray]
    transactions: dict[str, np.ndarray] | None = None
    shoppers: dict[str, np.ndarray] | None = None


@dataclass
class Replication:
    scenario: Scenario
    replication: int = 0
    record_transactions: bool = False
    on_day: Callable[[int], None] | None = None
    hooks: list[StrategyHook] = field(default_factory=list)   # the strategies issue plugs in here

    def __post_init__(self) -> None:
        sc, rng = self.scenario, streams(self.scenario.seed, self.replication)
        self.rng = rng
        self.levers = Levers()
        capacity = min(sc.market.size, max(1024, 2 * sc.market.initial_shoppers))
        self.shoppers = Shoppers(sc.horizon_days, capacity)
        self.tally = feedback.SatisfactionTally(sc.feedback)
        self.step = ShopperStep(sc, self.shoppers, self.levers, self.tally, rng["visits"], rng["orders"])
        self.experiences = Experiences(sc, self.shoppers, self.levers, self.tally, rng["satisfaction"])
        tickets = DayBuckets(("shopper",))
        self.fulfilment = Fulfilment(sc, self.experiences, tickets, rng["fulfilment"])
        self.desk = ServiceDesk(sc, self.experiences, tickets, rng["service"])
        self.daily = {name: np.zeros(sc.horizon_days) for name in DAILY_COLUMNS}
        self.today: dict[str, float] = {}
        self.orders_today = DayOrders(np.empty(0, np.int64), np.empty(0), np.empty(0))
        self.transactions: list[DayOrders] = []

    # --- the daily processes, in the order they run -------------------------------

    def steer(self, day: int) -> None:
        for hook in self.hooks:
            self.today[f"cost_{hook.name}"] = hook.on_day(day, self.levers)

    def acquire(self, day: int) -> None:
        sc, s = self.scenario, self.shoppers
        joined = {channel: 0 for channel in CHANNELS}
        if day == 0 and sc.market.initial_shoppers:
            count = sc.market.initial_shoppers
            self._join(day, np.zeros(count), np.full(count, INITIAL, dtype=np.int8))
            joined["initial"] = count
        p = sc.acquisition.innovation + self.levers.innovation_add
        q = sc.acquisition.imitation * self.levers.imitation_multiplier
        talkers = self.tally.talkers  # Bass's A(t)
        probability = bass_day_join_probability(p, q, s.n, talkers, sc.market.size)
        rng = self.rng["acquisition"]
        count = int(rng.binomial(sc.market.size - s.n, probability))
        times = day + np.sort(rng.random(count))
        external = rng.random(count) < external_share(p, q, talkers, sc.market.size)
        self._join(day, times, np.where(external, EXTERNAL, WORD_OF_MOUTH).astype(np.int8))
        joined["external"], joined["word_of_mouth"] = int(external.sum()), int(count - external.sum())
        for channel, number in joined.items():
            self.today[f"new_shoppers_{channel}"] = number
        self.today["new_shoppers"] = sum(joined.values())

    def shop(self, day: int) -> None:
        self.orders_today = self.step.play_day(day, self.today)
        self.today["gmv"] = self.today["revenue"] = float(self.orders_today.value.sum())
        if self.record_transactions:
            self.transactions.append(self.orders_today)

    def fulfil(self, day: int) -> None:
        self.fulfilment.run_day(day, self.orders_today, self.today)

    def serve(self, day: int) -> None:
        self.desk.run_day(day, self.today)

    def record(self, day: int) -> None:
        s, today = self.shoppers, self.today
        today["active_shoppers"], today["churned"] = self.step.active_and_churned(day)
        today["cumulative_shoppers"] = s.n
        today["alive_shoppers"] = self.tally.alive
        today["nps"] = self.tally.net_promoter_score()
        today["satisfaction_mean"] = self.tally.mean_customer_satisfaction()
        for name in DAILY_COLUMNS:
            self.daily[name][day] = today.get(name, 0)
        self.today = {}
        if self.on_day is not None:
            self.on_day(day)

    # --- helpers -------------------------------------------------------------------

    def _join(self, day: int, times: np.ndarray, channel: np.ndarray) -> None:
        if len(times):
            new = self.shoppers.add(self.scenario, times, channel, self.rng["traits"])
            self.step.joined(new, day)

    # --- running -------------------------------------------------------------------

    def run(self) -> RunResult:
        env = simpy.Environment()
        for action in (self.steer, self.acquire, self.shop, self.fulfil, self.serve, self.record):
            env.process(every_day(env, action))
        env.run(until=self.scenario.horizon_days)
        return self.result()

    def result(self) -> RunResult:
        sc, s = self.scenario, self.shoppers
        waits = np.concatenate(self.desk.waits_all) if self.desk.waits_all else np.empty(0)
        growth = growth_accounting(s, sc.horizon_days)
        kpis = run_kpis(s, self.daily, self.step.revenue_by_age, waits, growth, sc.horizon_days,
                        sc.economics.gross_margin)
        result = RunResult(self.replication, self.daily, kpis, cohort_table(s, sc.horizon_days), growth)
        if self.record_transactions:
            result.transactions = {f: np.concatenate([getattr(o, f) for o in self.transactions])
                                   for f in ("shopper", "time", "value")}
            result.shoppers = self.shopper_table()
        return result

    def shopper_table(self) -> dict[str, np.ndarray]:
        s, n = self.shoppers, self.shoppers.n
        return {
            "shopper_id": np.arange(n), "join_day": s.join_day[:n], "join_time": s.join_time[:n],
            "channel": np.asarray(CHANNELS, dtype=object)[s.channel[:n]],
            "purchase_rate": s.purchase_rate[:n], "dropout_probability": s.dropout_probability[:n],
            "mean_order_value": self.scenario.behavior.spend.p / s.spend_rate[:n].astype(np.float64),
            "alive": s.alive[:n], "orders": s.orders[:n], "spend": s.spend[:n],
            "first_order_day": s.first_order_day[:n], "last_active_day": s.last_active_day[:n],
            "satisfaction": s.satisfaction[:n],
        }


def every_day(env: simpy.Environment, action: Callable[[int], None]):
    """A SimPy process that performs `action` at the start of each day."""
    while True:
        action(int(env.now))
        yield env.timeout(1)


def simulate(scenario: Scenario, replication: int = 0, *, transactions: bool = False,
             on_day: Callable[[int], None] | None = None) -> RunResult:
    """Run replication `replication` of `scenario`."""
    return Replication(scenario, replication, transactions, on_day).run()
