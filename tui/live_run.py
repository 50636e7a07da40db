"""What the Run and Compare screens show while the runner works: gathered on its
reporting thread (simulation/experiments/replicate.py calls `on_days` and `progress`
from there) and handed to the screen as complete snapshots, at most one per interval
and always the last, so a newer snapshot can replace one not shown yet.

No Textual here: the screens turn `publish` into messages.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from simulation.experiments.day_reports import DaysSimulated
from simulation.kernel.scenario import Scenario
from tui.kpis import LIVE_SERIES


class Throttle:
    """Says when to publish: at most once per `interval` seconds, and always at the end."""

    def __init__(self, interval: float) -> None:
        self.interval, self.last = interval, -math.inf

    def due(self, final: bool) -> bool:
        now = time.monotonic()
        if final or now - self.last >= self.interval:
            self.last = now
            return True
        return False


@dataclass(frozen=True, eq=False)
class RunSnapshot:
    """A run as far as it has got, in the part being simulated (the scenario, or then its baseline)."""

    label: str                                   # the scenario's name, or "baseline of ..."
    replications: int
    horizon: int
    days: dict[int, int]                         # replication -> days simulated so far
    curves: dict[int, dict[str, np.ndarray]]     # replication -> each live series, days so far
    fraction: float                              # of the whole run, its baseline included

    @property
    def finished(self) -> list[int]:
        return sorted(k for k, days in self.days.items() if days == self.horizon)

    @property
    def running(self) -> list[int]:
        return sorted(k for k, days in self.days.items() if days < self.horizon)


class LiveRun:
    """Gathers a run's day reports (from any thread) into RunSnapshots for `publish`."""

    def __init__(self, scenario: Scenario, replications: int, publish: Callable[[RunSnapshot], None],
                 interval: float) -> None:
        self.name, self.horizon, self.replications = scenario.name, scenario.horizon_days, replications
        self.total_days = (2 if scenario.baseline else 1) * replications * self.horizon
        self.publish, self.throttle = publish, Throttle(interval)
        self.curves: dict[bool, dict[int, dict[str, np.ndarray]]] = {False: {}, True: {}}   # by "baseline?"
        self.days: dict[bool, dict[int, int]] = {False: {}, True: {}}
        self.days_done = 0
        self.lock = threading.Lock()

    def add(self, report: DaysSimulated) -> None:
        with self.lock:
            curves = self.curves[report.baseline].setdefault(
                report.replication, {name: np.zeros(self.horizon) for name in LIVE_SERIES})
            for name, values in report.values.items():
                curves[name][report.first_day:report.last_day + 1] = values
            self.days[report.baseline][report.replication] = report.last_day + 1
            self.days_done += report.last_day - report.first_day + 1
            if not self.throttle.due(final=self.days_done == self.total_days):
                return
            snapshot = self.snapshot(report.baseline)
        self.publish(snapshot)

    def snapshot(self, baseline: bool) -> RunSnapshot:
        days = dict(self.days[baseline])
        curves = {k: {name: values[:days[k]].copy() for name, values in series.items()}
                  for k, series in self.curves[baseline].items()}
        label = f"baseline of {self.name}" if baseline else self.name
        return RunSnapshot(label, self.replications, self.horizon, days, curves, self.days_done / self.total_days)


@dataclass(frozen=True, eq=False)
class CompareSnapshot:
    label: str          # the scenario being run
    stage: int          # its index among the scenarios compared
    stages: int
    fraction: float     # of the whole comparison


class LiveComparison:
    """Counts a comparison's simulated days (the `progress` of `compare`, from any
    thread) into CompareSnapshots for `publish`."""

    def __init__(self, scenarios: list[Scenario], replications: int, publish: Callable[[CompareSnapshot], None],
                 interval: float) -> None:
        self.names, self.replications = [s.name for s in scenarios], replications
        self.total_days = replications * sum(s.horizon_days for s in scenarios)
        self.publish, self.throttle = publish, Throttle(interval)
        self.days_done = 0
        self.lock = threading.Lock()

    def day(self, replication: int, day: int) -> None:
        """`replication` counts on across the scenarios (see `compare`)."""
        with self.lock:
            self.days_done += 1
            if not self.throttle.due(final=self.days_done == self.total_days):
                return
            stage = replication // self.replications
            snapshot = CompareSnapshot(self.names[stage], stage, len(self.names), self.days_done / self.total_days)
        self.publish(snapshot)
