"""Paired comparisons of two scenarios under common random numbers (DESIGN.md §4).

Replication k of both scenarios uses the same seed streams, so most of the noise
cancels in the difference; the standard error is that of the paired differences.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import stats

from simulation.engine import RunResult, simulate
from simulation.scenario import Scenario

# One-sided 1-in-10,000 false alarm for "the lever moved the metric this way".
Z_ONE_SIDED = stats.norm.ppf(1 - 0.0001)   # 3.72


@dataclass
class PairedDifference:
    differences: np.ndarray

    @property
    def mean(self) -> float:
        return float(self.differences.mean())

    @property
    def se(self) -> float:
        return float(self.differences.std(ddof=1) / np.sqrt(len(self.differences)))

    def t_quantile(self) -> float:
        return float(stats.t.ppf(1 - 0.0001, len(self.differences) - 1))

    def clearly_positive(self) -> bool:
        """Above zero by more than the one-sided 1-in-10,000 Student-t quantile of SEs."""
        return self.mean > self.t_quantile() * self.se

    def clearly_negative(self) -> bool:
        return self.mean < -self.t_quantile() * self.se

    def __repr__(self) -> str:
        return f"PairedDifference(mean={self.mean:.6g}, se={self.se:.3g}, n={len(self.differences)})"


def paired(base: Scenario, changed: Scenario, measure: Callable[[RunResult], float] | str,
           replications: int = 6) -> PairedDifference:
    """changed - base, replication by replication; `measure` is a KPI name or a function of a run."""
    if isinstance(measure, str):
        name = measure
        measure = lambda run: run.kpis[name]  # noqa: E731
    return PairedDifference(np.array([measure(simulate(changed, k)) - measure(simulate(base, k))
                                      for k in range(replications)]))


def with_changes(scenario: Scenario, **dotted: object) -> Scenario:
    """A copy with dotted keys changed: with_changes(sc, **{"strategies.service_quality.agents": 4})."""
    data = scenario.model_dump()
    for key, value in dotted.items():
        *path, last = key.split(".")
        node = data
        for part in path:
            node = node[part]
        node[last] = value
    return Scenario.model_validate(data)
