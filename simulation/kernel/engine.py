"""One replication of a scenario: SimPy drives the days (docs/model.md).

Each subsystem is a SimPy process that wakes once a day; they are started in the
order of docs/model.md ("order of events within day d"), and SimPy runs processes
due at the same time in the order they were scheduled, so that order holds every day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import simpy

from simulation.kernel import feedback
from simulation.kernel.acquisition import bass_day_join_probability, external_share
from simulation.kernel.calendar_events import apply_calendar
from simulation.kernel.ledger import Ledger
from simulation.kernel.policies import PolicyRunner
from simulation.kernel.existing_customers import posterior_traits, read_customers
from simulation.kernel.experiences import Experiences
from simulation.kernel.fulfilment import Fulfilment
from simulation.kernel.levers import Levers
from simulation.kernel.metrics import cohort_table, growth_accounting, run_kpis
from simulation.kernel.delivery_speed import promise_conversion_factor
from simulation.kernel.operations import SERVICE_DESK, WAREHOUSE
from simulation.kernel.orders import OrderBatch
from simulation.kernel.population import NEVER, Shoppers
from simulation.kernel.registry import registry
from simulation.kernel.random_streams import streams
from simulation.kernel.scenario import Scenario
from simulation.kernel.service_desk import ServiceDesk
from simulation.kernel.shopper_step import ShopperStep
from simulation.kernel.strategy import Strategy
from simulation.kernel.timed_events import DayBuckets


class UndeclaredCounter(Exception):
    """A counter written to the day's counters that no one declared (a bug in a strategy plugin)."""


@dataclass
class RunResult:
    """Everything one replication produced; plain arrays, so it pickles across processes."""

    replication: int
    daily: dict[str, np.ndarray]
    kpis: dict[str, float]
    cohorts: dict[str, np.ndarray]
    growth: dict[str, np.ndarray]
    policy_log: list[dict] = field(default_factory=list)
    transactions: dict[str, np.ndarray] | None = None
    shoppers: dict[str, np.ndarray] | None = None


@dataclass
class Replication:
    scenario: Scenario
    replication: int = 0
    record_transactions: bool = False
    on_day: Callable[[int], None] | None = None

    def __post_init__(self) -> None:
        # A private copy: policies change levers in it during the run.
        self.scenario = sc = self.scenario.model_copy(deep=True)
        self.rng = rng = streams(sc.seed, self.replication)
        self.levers = Levers()
        self.ledger = Ledger(sc.economics.gross_margin)
        capacity = min(sc.market.size, max(1024, 2 * sc.market.initial_shoppers))
        self.shoppers = Shoppers(sc.horizon_days, capacity)
        installed = registry()
        self.channels = installed.channels
        self.viral_channels = installed.viral_channels
        self.social_channels = installed.social_channels
        self.strategies: list[Strategy] = [
            plugin.strategy(getattr(sc.strategies, plugin.name), self, rng[f"strategy:{plugin.name}"])
            for plugin in installed.plugins if getattr(sc.strategies, plugin.name).enabled
        ]
        self.tally = feedback.SatisfactionTally(sc.feedback)
        self.step = ShopperStep(sc, self.shoppers, self.levers, self.strategies, self.tally, self.ledger, rng)
        self.experiences = Experiences(sc, self.shoppers, self.step, self.tally)
        tickets = DayBuckets(("shopper",))
        self.tickets = tickets
        self.fulfilment = Fulfilment(sc, self.experiences, tickets, self.ledger, rng["fulfilment"], self.levers)
        self.desk = ServiceDesk(sc, self.experiences, tickets, self.strategies, rng["service"])
        self.policies = PolicyRunner(sc, sc.policies)
        self.daily = {name: np.zeros(sc.horizon_days) for name in installed.daily_columns}
        self.today: dict[str, float] = {}
        self.orders_today = OrderBatch.empty()
        self.visit_lever_in_force = 1.0   # the visit-rate lever pending visits were drawn at
        self.transactions: list[OrderBatch] = []

    # --- the daily processes, in the order they run -------------------------------

    def steer(self, day: int) -> None:
        """Levers back to neutral, then calendar events and strategies set today's."""
        self.levers.reset()
        self.ledger.start_day()
        self.today["events_on"] = len(apply_calendar(day, self.scenario.calendar, self.levers, self.ledger,
                                                     self.scenario.start_date))
        warehouse = getattr(self.scenario.strategies, WAREHOUSE)   # read daily: policies may change the promise
        promise = promise_conversion_factor(warehouse.promised_days, warehouse.delivery_speed)
        if promise != 1.0:
            self.levers.multiply_stage("order", promise)
        desk = getattr(self.scenario.strategies, SERVICE_DESK)
        self.ledger.book_cost(SERVICE_DESK, "operations", desk.agents * desk.agent_cost_per_day)
        for strategy in self.strategies:
            strategy.start_day(day)
        self._visit_lever_changed(day)

    def _visit_lever_changed(self, day: int) -> None:
        """A sale's traffic starts or ends: every pending visit was drawn at the old rate.
        By memorylessness, redrawing each alive shopper's next visit from now is exact."""
        if self.levers.visit_rate_multiplier == self.visit_lever_in_force:
            return
        self.visit_lever_in_force = self.levers.visit_rate_multiplier
        s = self.shoppers
        self.step.draw_next_visit(np.flatnonzero(s.alive[: s.n]), float(day))

    def acquire(self, day: int) -> None:
        sc, s = self.scenario, self.shoppers
        joined = {channel: 0 for channel in self.channels}
        if day == 0 and sc.market.initial_shoppers:
            joined["initial"] = self._join_initial()
        rng = self.rng["acquisition"]
        if sc.acquisition.rule == "constant":
            count = min(int(rng.poisson(sc.acquisition.new_per_day)), sc.market.size - s.n)
            external = np.ones(count, dtype=bool)
        else:
            p = sc.acquisition.innovation + self.levers.innovation_add
            q = sc.acquisition.imitation * self.levers.imitation_multiplier
            talkers = self.tally.talkers if sc.acquisition.talkers == "alive" else s.n  # Bass's A(t)
            probability = bass_day_join_probability(p, q, s.n, talkers, sc.market.size)
            count = int(rng.binomial(sc.market.size - s.n, probability))
        times = day + np.sort(rng.random(count))
        if sc.acquisition.rule == "bass":
            external = rng.random(count) < external_share(p, q, talkers, sc.market.size)
        external_, word_of_mouth = self.channel_index("external"), self.channel_index("word_of_mouth")
        self._join(day, times, np.where(external, external_, word_of_mouth).astype(np.int8))
        joined["external"], joined["word_of_mouth"] = int(external.sum()), int(count - external.sum())
        for strategy in self.strategies:
            for channel, number in strategy.acquire(day).items():
                number = min(number, sc.market.size - s.n)
                times = day + np.sort(strategy.rng.random(number))
                self._join(day, times, np.full(number, self.channel_index(channel), np.int8))
                joined[channel] = joined.get(channel, 0) + number
        for channel, number in joined.items():
            self.today[f"new_shoppers_{channel}"] = number
        self.today["new_shoppers"] = sum(joined.values())

    def _join_initial(self) -> int:
        """The shoppers on the platform on day 0: a calibrated platform's own customers, each
        drawn given its history, or `initial_shoppers` drawn from the population."""
        sc, rng = self.scenario, self.rng["acquisition"]
        window = sc.behavior.churn_window_days
        initial = self.channel_index("initial")
        if sc.market.customers is not None:
            customers = read_customers(sc.market.customers)
            count = customers["x"].size
            traits = posterior_traits(sc.behavior, customers, self.rng["traits"])
            # Last seen at its last transaction; first ordered T days before day 0.
            last_seen = np.maximum(-customers["recency"], -window - 1).astype(np.int32)
            new = self._join(0, np.zeros(count), np.full(count, initial, dtype=np.int8), last_seen, traits)
            self.shoppers.first_order_day[new] = -customers["T"].astype(np.int32)
            self.tally.first_order(self.shoppers.satisfaction[new])
            if sc.feedback.neutral_at == "first_day":
                self.tally.set_neutral(feedback.Neutral.of(self.shoppers.satisfaction[new], sc.feedback))
            return count
        count = sc.market.initial_shoppers
        # On the platform before the run: last seen on a day spread over the churn
        # window before day 0, so they do not all lapse on the same day.
        last_seen = -rng.integers(0, window, count)
        self._join(0, np.zeros(count), np.full(count, initial, dtype=np.int8), last_seen)
        return count

    def shop(self, day: int) -> None:
        self.orders_today = self.step.play_day(day, self.today)
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
        for strategy in self.strategies:
            strategy.end_day(day)
        today.update(self.ledger.day_row())
        undeclared = today.keys() - self.daily.keys()
        if undeclared:
            raise UndeclaredCounter(f"day {day}: counters {sorted(undeclared)} are declared by neither the kernel "
                                    "nor a strategy plugin's daily_columns (docs/plugins.md)")
        for name, column in self.daily.items():
            column[day] = today.get(name, 0)
        self.today = {}
        self.policies.review(day, self.daily)
        if self.on_day is not None:
            self.on_day(day)

    # --- helpers -------------------------------------------------------------------

    def _join(self, day: int, times: np.ndarray, channel: np.ndarray, last_seen: np.ndarray | None = None,
              traits: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Shoppers join at `times` of `day`; returns their indices."""
        if not len(times):
            return np.empty(0, dtype=np.int64)
        new = self.shoppers.add(self.scenario, times, channel, self.rng["traits"], traits)
        new = np.arange(new.start, new.stop)
        if last_seen is not None:
            self.shoppers.last_active_day[new] = last_seen
        self.step.joined(new, day, trial=last_seen is None and self.scenario.acquisition.joins_with_order)
        for strategy in self.strategies:
            strategy.joined(day, new)
        return new

    # --- for strategies: simulation/kernel/platform.py says what each does -----------

    def channel_index(self, channel: str) -> int:
        return self.channels.index(channel)

    def satisfaction_change(self, day: int, who: np.ndarray, change) -> None:
        self.experiences.satisfaction_change(day, who, change)

    def redraw_visits(self, who: np.ndarray, day: int) -> None:
        self.step.redraw_visits(who, day)

    def redraw_visits_from(self, who: np.ndarray, time: float) -> None:
        self.step.draw_next_visit(who, time)

    def revive(self, who: np.ndarray) -> None:
        self.shoppers.alive[who] = True
        self.tally.joined(self.shoppers.satisfaction[who])
        self.step.dropout.revived(who)

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
                        sc.economics.gross_margin, self.viral_channels,
                        self.social_channels) | registry().plugin_kpis(self.daily)
        result = RunResult(self.replication, self.daily, kpis, cohort_table(s, sc.horizon_days), growth,
                           self.policies.log)
        if self.record_transactions:
            result.transactions = {f: np.concatenate([getattr(o, f) for o in self.transactions])
                                   for f in ("shopper", "time", "value", "discount")}
            result.shoppers = self.shopper_table()
        return result

    def shopper_table(self) -> dict[str, np.ndarray]:
        s, n = self.shoppers, self.shoppers.n
        return {
            "shopper_id": np.arange(n), "join_day": s.join_day[:n], "join_time": s.join_time[:n],
            "channel": np.asarray(self.channels, dtype=object)[s.channel[:n]],
            "purchase_rate": s.purchase_rate[:n], "dropout_probability": s.dropout_probability[:n],
            "mean_order_value": self.scenario.behavior.spend.p / s.spend_rate[:n].astype(np.float64),
            "alive": s.alive[:n], "orders": s.orders[:n], "spend": s.spend[:n],
            "first_order_day": np.where(s.first_order_day[:n] == NEVER, np.nan, s.first_order_day[:n]), "last_active_day": s.last_active_day[:n],
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
