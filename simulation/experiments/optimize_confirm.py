"""The confirmation of an optimisation (docs/optimize.md, "Noise"): which trials are
re-evaluated, and the verdict on the confirmed runs alone.

Constraints are judged on the confirmed means. One whose mean holds but whose 95 %
interval crosses the limit "holds only within noise": more replications could show
it broken, and the report says so rather than calling it met.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from optuna.trial import FrozenTrial, TrialState

from simulation.experiments.optimize_events import OptimizeError, levers_key
from simulation.experiments.optimize_spec import (CONFIRM_FIRST_REPLICATION, HOLDS, UNDEFINED, VIOLATED, WITHIN_NOISE,
                                                  Constraint, Objective)
from simulation.experiments.optimize_study import INTERRUPTED, kpis_of, result_of, violations_of
from simulation.experiments.replicate import Interval
from simulation.kernel.registry import registry

if TYPE_CHECKING:
    from simulation.experiments.optimize import Optimization



def _violations(trial: FrozenTrial) -> list[float]:
    return violations_of(trial)


def _feasible(trial: FrozenTrial) -> bool:
    return all(v <= 0 for v in _violations(trial))


def finalists(optimization: "Optimization") -> list[FrozenTrial]:
    """The best few trials of the search, different levers each: the best feasible ones on
    the first objective, or on --pick among the Pareto front of several. If no trial met
    the constraints, the nearest to meeting them."""
    request, study = optimization.request, optimization.study
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not complete:
        raise OptimizeError(f"no trial of the search finished; see the error column of {optimization.out}/trials.csv")
    distinct = {levers_key(t.params) for t in complete}   # repeated levers tell nothing of constancy
    for index, objective in enumerate(request.objectives):
        values = {t.values[index] for t in complete}
        if len(distinct) >= 2 and len(values) == 1:
            raise OptimizeError(f"--objective {objective.text()}: {objective.kpi} is {values.pop():g} in all "
                                f"{len(complete)} trials ({len(distinct)} different plans); the levers do not move it (check the lever keys, or the "
                                f"strategy they belong to is enabled), so there is nothing to optimise")
    pool = [t for t in complete if _feasible(t)] or sorted(
        complete, key=lambda t: sum(max(0.0, v) for v in _violations(t)))[:max(1, request.finalists)]
    if len(request.objectives) > 1:
        pool = pareto_front(pool, request.objectives)
    pick = request.objectives.index(request.picked)
    sign = -1.0 if request.picked.direction == "max" else 1.0
    chosen, keys = [], set()
    for trial in sorted(pool, key=lambda t: sign * t.values[pick]):
        key = levers_key(trial.params)
        if key not in keys:
            keys.add(key)
            chosen.append(trial)
    return chosen[:request.finalists]


def pareto_front(trials: list[FrozenTrial], objectives: list[Objective]) -> list[FrozenTrial]:
    """Trials no other trial beats on every objective (at least as good on all, better on one)."""
    signs = np.array([1.0 if o.direction == "max" else -1.0 for o in objectives])
    values = np.array([t.values for t in trials]) * signs
    front = []
    for i, row in enumerate(values):
        beaten = np.any(np.all(values >= row, axis=1) & np.any(values > row, axis=1))
        if not beaten:
            front.append(trials[i])
    return front


def verdict(constraint: Constraint, interval: Interval) -> str:
    if not math.isfinite(interval.mean):
        return UNDEFINED
    if not constraint.holds(interval.mean):
        return VIOLATED
    far_end = interval.ci_high if constraint.operator == "<=" else interval.ci_low
    return HOLDS if math.isfinite(far_end) and constraint.holds(far_end) else WITHIN_NOISE


def _values(runs: list[dict], kpi: str) -> np.ndarray:
    return np.array([run.get(kpi, math.nan) for run in runs], dtype=float)


def _interval(interval: Interval) -> dict:
    return {"mean": interval.mean, "ci_low": interval.ci_low, "ci_high": interval.ci_high}


def _plan(optimization: "Optimization", trial: FrozenTrial, runs: list[dict], base: list[dict]) -> dict:
    request, picked = optimization.request, optimization.request.picked
    kpis = {name: Interval.of(_values(runs, name)) for name in registry().kpi_names}
    constraints = [{"constraint": c.text(), **_interval(kpis[c.kpi]), "verdict": verdict(c, kpis[c.kpi])}
                   for c in request.constraints]
    difference = Interval.of(_values(runs, picked.kpi) - _values(base, picked.kpi))   # paired by replication
    return {"trial": trial.number, "levers": dict(trial.params),
            "objective": {"kpi": picked.kpi, "direction": picked.direction, **_interval(kpis[picked.kpi])},
            "search_mean": kpis_of(trial).get(picked.kpi),
            "feasible": all(c["verdict"] in (HOLDS, WITHIN_NOISE) for c in constraints),
            "constraints": constraints,
            "vs_scenario": {"difference": difference.mean, "ci_low": difference.ci_low, "ci_high": difference.ci_high},
            "kpis": {name: _interval(interval) for name, interval in kpis.items()}}


def conclude(optimization: "Optimization", chosen: list[FrozenTrial], results: list[list[dict]]) -> dict:
    """optimize.json: the settings, the search in numbers, each finalist confirmed, and the best."""
    request, study, picked = optimization.request, optimization.study, optimization.request.picked
    base, confirmed = results[0], results[1:]
    plans = [_plan(optimization, trial, runs, base) for trial, runs in zip(chosen, confirmed)]
    feasible = [plan for plan in plans if plan["feasible"]]
    ranked = sorted(feasible or plans, key=lambda p: -p["objective"]["mean"] if picked.direction == "max"
                    else p["objective"]["mean"])
    best = ranked[0] if ranked else None
    trials = study.get_trials(deepcopy=False)
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    ran = [t for t in trials if result_of(t).get("kpis") is not None and not result_of(t).get("reused")]
    document = {
        "status": "done",
        "settings": optimization.settings(),
        "search": {"trials": sum(1 for t in trials if not t.user_attrs.get(INTERRUPTED)),
                   "complete": len(complete), "failed": sum(1 for t in trials if t.state == TrialState.FAIL),
                   "feasible": sum(1 for t in complete if _feasible(t)),
                   "runs": len(ran) * optimization.replications},
        "confirmation": {"replications": request.confirm, "first_replication": CONFIRM_FIRST_REPLICATION,
                         "finalists": len(chosen), "runs": len(results) * request.confirm},
        "scenario_as_given": {"objective": {"kpi": picked.kpi, **_interval(Interval.of(_values(base, picked.kpi)))},
                              "constraints": [{"constraint": c.text(),
                                               **_interval(Interval.of(_values(base, c.kpi)))}
                                              for c in request.constraints]},
        "best": best,
        "finalists": plans,
    }
    if not feasible:
        document["note"] = ("no finalist meets every constraint on its confirmed mean; 'best' is the best of them "
                            "on the objective, shown for what it is: loosen a constraint, widen a lever's range, or "
                            "run more --trials")
    if len(request.objectives) > 1:
        pool = [t for t in complete if _feasible(t)] or complete
        confirmed_trials = {plan["trial"] for plan in plans}
        document["front"] = [{"trial": t.number, "levers": dict(t.params),
                              "objectives": {o.kpi: v for o, v in zip(request.objectives, t.values)},
                              "confirmed": t.number in confirmed_trials}
                             for t in pareto_front(pool, request.objectives)]
    return document
