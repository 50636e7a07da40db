"""Paired comparisons of two scenarios under common random numbers (docs/model.md, Random numbers).

Replication k of both scenarios uses the same seed streams, so most of the noise
cancels in the difference; the standard error is that of the paired differences.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import stats

from simulation.kernel.engine import RunResult, simulate
from simulation.kernel.scenario import Scenario

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


_runs: dict[tuple[str, int, bool], RunResult] = {}


def run(scenario: Scenario, k: int, transactions: bool = False) -> RunResult:
    """Replication k of `scenario`, simulated once per test session however often it is asked for
    (the engine is deterministic, so a cached run is the run)."""
    key = (scenario.model_dump_json(), k, transactions)
    if key not in _runs:
        _runs[key] = simulate(scenario, k, transactions=transactions)
    return _runs[key]


def paired(base: Scenario, changed: Scenario, measure: Callable[[RunResult], float] | str,
           replications: int = 6) -> PairedDifference:
    """changed - base, replication by replication; `measure` is a KPI name or a function of a run."""
    return paired_many(base, changed, {"measure": measure}, replications)["measure"]


def paired_many(base: Scenario, changed: Scenario, measures: dict[str, Callable[[RunResult], float] | str],
                replications: int = 6) -> dict[str, PairedDifference]:
    """`paired` for several measures of the same pairs of runs."""
    def of(measure):
        return (lambda r: r.kpis[measure]) if isinstance(measure, str) else measure
    pairs = [(run(base, k), run(changed, k)) for k in range(replications)]
    return {name: PairedDifference(np.array([of(measure)(after) - of(measure)(before) for before, after in pairs]))
            for name, measure in measures.items()}


# Measures of a run, for `paired`.

def total(column: str) -> Callable[[RunResult], float]:
    """A daily column summed over the run (days without a value, NaN, left out)."""
    return lambda r: float(np.nansum(r.daily[column]))


def last(column: str) -> Callable[[RunResult], float]:
    return lambda r: float(r.daily[column][-1])


def ratio(numerator: str, denominator: str) -> Callable[[RunResult], float]:
    return lambda r: r.daily[numerator].sum() / r.daily[denominator].sum()


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
