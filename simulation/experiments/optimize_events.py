"""What an optimisation tells its caller (the command line, a screen): the events its run
yields, its error, its files' names, and the small pieces its modules share."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from simulation.kernel.registry import registry
from simulation.storage.outputs import read_json_object

MANIFEST, TRIALS, STUDY, BEST = "optimize.json", "trials.csv", "study.db", "best.yaml"
STUDY_NAME = "growthsim"


class OptimizeError(Exception):
    """An optimisation that cannot start or conclude (its folder, a constant objective...)."""


@dataclass(frozen=True)
class SearchStarted:
    trials_done: int            # kept from an earlier run (--resume)
    trials: int
    runs_per_trial: int


@dataclass(frozen=True)
class RunFinished:
    phase: str                  # "search" or "confirm"


@dataclass(frozen=True)
class TrialFinished:
    number: int
    state: str                  # "complete" or "failed"
    levers: dict
    kpis: dict[str, float]      # means over the search's replications
    feasible: bool | None       # every constraint met on the search's means
    reused: bool = False        # the same levers as an earlier trial: not run again
    error: str | None = None
    finished: int = 0           # trials finished so far, of
    trials: int = 0


@dataclass(frozen=True)
class ConfirmationStarted:
    finalists: list[dict]       # levers of each trial re-evaluated
    runs: int


@dataclass(frozen=True)
class ConfirmationDone:
    result: dict                # optimize.json's contents


Event = SearchStarted | RunFinished | TrialFinished | ConfirmationStarted | ConfirmationDone


@dataclass
class Pending:
    """A trial asked of the study and being evaluated."""

    trial: object               # optuna.trial.Trial
    levers: dict
    kpis: list = field(default_factory=list)    # per replication, as they arrive
    means: dict | None = None   # given at once for levers already evaluated
    error: str | None = None


def levers_key(levers: dict) -> str:
    """Levers as a key: equal levers, equal KPIs (the same seeds run them)."""
    return json.dumps(levers, sort_keys=True)


def read_manifest(folder: Path) -> dict:
    path = Path(folder) / MANIFEST
    return read_json_object(path, lambda why: OptimizeError(f"{path}: damaged ({why}); remove the folder to start again"))


def mean_kpis(replications: list[dict]) -> dict[str, float]:
    """Each KPI's mean over replications (NaN where it is undefined in every one)."""
    means = {}
    for name in registry().kpi_names:
        values = np.array([r.get(name, math.nan) for r in replications], dtype=float)
        values = values[np.isfinite(values)]
        means[name] = float(values.mean()) if values.size else math.nan
    return means

