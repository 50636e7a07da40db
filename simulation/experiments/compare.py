"""Comparing scenarios under common random numbers (docs/comparing.md).

Every scenario runs replications 0..n-1 with the same seed, so replication k of each
shares its random streams and differs only where the scenarios differ. The difference
of a KPI is taken replication by replication; its interval is the Student-t interval
of those paired differences, far narrower than comparing two independent intervals.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from simulation.kernel.registry import registry
from simulation.experiments.replicate import Interval, Progress, Replications, return_on_investment, run_replications
from simulation.kernel.scenario import Scenario


@dataclass(frozen=True)
class Difference:
    """A KPI of one scenario minus the first's, paired by replication."""

    interval: Interval

    @property
    def significant(self) -> bool:
        """The 95 % interval excludes zero."""
        i = self.interval
        return i.replications >= 2 and (i.ci_low > 0 or i.ci_high < 0)


@dataclass
class Comparison:
    results: list[Replications]        # the first is the reference

    @property
    def names(self) -> list[str]:
        return [result.scenario.name for result in self.results]

    def interval(self, scenario: int, kpi: str) -> Interval:
        return Interval.of(self.results[scenario].kpi_values(kpi))

    def difference(self, scenario: int, kpi: str) -> Difference:
        paired = self.results[scenario].kpi_values(kpi) - self.results[0].kpi_values(kpi)
        return Difference(Interval.of(paired))

    def roi(self, scenario: int) -> Interval:
        """Incremental contribution over incremental cost against the first scenario."""
        return Interval.of(return_on_investment(self.results[scenario].runs, self.results[0].runs))

    def rows(self) -> list[dict]:
        """One row per KPI and scenario: the long table of compare.csv."""
        rows = []
        for kpi in (*(name for name in registry().kpi_names if name != "roi"), "roi_vs_first"):
            for k, name in enumerate(self.names):
                if kpi == "roi_vs_first":
                    value, diff = (self.roi(k) if k else None), None
                else:
                    value, diff = self.interval(k, kpi), (self.difference(k, kpi) if k else None)
                rows.append({
                    "kpi": kpi, "scenario": name,
                    **_fields("", value), **_fields("diff_", diff.interval if diff else None),
                    "significant": bool(diff.significant) if diff else None,
                })
        return rows


def _fields(prefix: str, interval: Interval | None) -> dict:
    keys = ("mean", "ci_low", "ci_high")
    if interval is None:
        return {prefix + key: None for key in keys}
    return {prefix + key: (v if math.isfinite(v) else None)
            for key, v in zip(keys, (interval.mean, interval.ci_low, interval.ci_high))}


def compare(scenarios: list[Scenario], *, replications: int | None = None, seed: int | None = None,
            jobs: int | None = None, progress: Progress | None = None,
            stop: threading.Event | None = None) -> Comparison:
    """Run every scenario with the same seed and replications as the first (common random numbers).
    `progress` counts replications across the scenarios: scenario i's replication k is
    i * replications + k. Setting `stop` abandons the comparison (Cancelled)."""
    first = scenarios[0]
    seed = first.seed if seed is None else seed
    replications = replications or first.replications
    results = []
    for index, scenario in enumerate(scenarios):
        same_streams = scenario.model_copy(update={"seed": seed, "baseline": None})
        report = (lambda rep, day, i=index: progress(i * replications + rep, day)) if progress else None
        results.append(run_replications(same_streams, replications=replications, jobs=jobs, progress=report,
                                        stop=stop))
    return Comparison(results)
