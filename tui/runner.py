"""Running scenarios for the app: replication by replication in the calling thread,
reporting each simulated day with the day's curves, and stoppable at any day.

No Textual here: the screens call these from a thread worker and turn the callbacks
into messages.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from simulation.experiments.compare import Comparison
from simulation.kernel.engine import Replication, RunResult
from simulation.storage.loading import load_scenario
from simulation.experiments.replicate import Replications
from simulation.kernel.scenario import Scenario
from tui.kpis import LIVE_SERIES


class Cancelled(Exception):
    """The person stopped the run."""


@dataclass
class Progress:
    """Where a run is, and the curves so far; each one complete, so that a newer one
    can replace an older one that was not shown yet."""

    label: str                  # scenario (or "baseline of ...") being run
    stage: int                  # 0-based index of the scenario being run (compare), else 0
    stages: int
    replication: int            # 0-based
    replications: int
    day: int                    # last day simulated, 0-based
    horizon: int
    current: dict[str, np.ndarray]                          # this replication, days 0..day
    finished: list[dict[str, np.ndarray]] = field(default_factory=list)   # earlier replications, whole

    @property
    def fraction(self) -> float:
        per_stage = self.replications * self.horizon
        done = self.stage * per_stage + self.replication * self.horizon + self.day + 1
        return done / (self.stages * per_stage)


Report = Callable[[Progress], None]


class Stopper:
    """A flag the screen sets and the run checks every simulated day."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def stop(self) -> None:
        self._event.set()

    @property
    def stopped(self) -> bool:
        return self._event.is_set()


def run_scenario(scenario: Scenario, *, replications: int | None = None, report: Report | None = None,
                 stopper: Stopper | None = None, stage: int = 0, stages: int = 1,
                 label: str | None = None, run_baseline: bool = True, every: int = 1) -> Replications:
    """Replications 0..n-1 of `scenario`, one after another in this thread, as
    `run_replications` with one job computes them (same numbers). When the scenario
    names a `baseline`, that runs too, with the same seeds, for ROI."""
    count = replications or scenario.replications
    finished: list[dict[str, np.ndarray]] = []
    runs: list[RunResult] = []
    label = label or scenario.name
    for k in range(count):
        replication = Replication(scenario, k)

        def on_day(day: int, replication=replication, k=k) -> None:
            if stopper is not None and stopper.stopped:
                raise Cancelled()
            if report is not None and (day % every == 0 or day == scenario.horizon_days - 1):
                current = {name: replication.daily[name][: day + 1].copy() for name in LIVE_SERIES}
                report(Progress(label, stage, stages, k, count, day, scenario.horizon_days, current, list(finished)))

        replication.on_day = on_day
        run = replication.run()
        runs.append(run)
        finished.append({name: run.daily[name] for name in LIVE_SERIES})
    result = Replications(scenario, runs)
    if run_baseline and scenario.baseline is not None:
        base = load_scenario(scenario.baseline).model_copy(
            update={"seed": scenario.seed, "horizon_days": scenario.horizon_days, "baseline": None})
        result.baseline = run_scenario(base, replications=count, report=report, stopper=stopper, stage=stage,
                                       stages=stages, label=f"baseline of {scenario.name}", run_baseline=False,
                                       every=every)
    return result


def run_comparison(scenarios: list[Scenario], *, replications: int | None = None, report: Report | None = None,
                   stopper: Stopper | None = None, every: int = 1) -> Comparison:
    """As `simulation.experiments.compare.compare` with one job: every scenario with the first's seed
    and replications (common random numbers)."""
    first = scenarios[0]
    count = replications or first.replications
    results = []
    for index, scenario in enumerate(scenarios):
        same_streams = scenario.model_copy(update={"seed": first.seed, "baseline": None})
        results.append(run_scenario(same_streams, replications=count, report=report, stopper=stopper,
                                    stage=index, stages=len(scenarios), every=every))
    return Comparison(results)
