"""The Optuna study of an optimisation: opening (or resuming) it in DIR/study.db, telling
it each trial's result, and trials.csv, the study as a table (docs/optimize.md)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState

from simulation.experiments.optimize_events import STUDY, STUDY_NAME, TRIALS, Pending, TrialFinished, levers_key, mean_kpis
from simulation.experiments.optimize_spec import Lever
from simulation.kernel.registry import registry
from simulation.storage.outputs import jsonable, write_rows

if TYPE_CHECKING:
    from simulation.experiments.optimize import Optimization

optuna.logging.set_verbosity(optuna.logging.WARNING)   # our own progress, not a log line per trial

INTERRUPTED = "interrupted"   # user attribute of a trial that was running when the process died
RESULT = "result"             # user attribute: {kpis, constraints, reused, error}, one write per trial


def distributions(levers: list[Lever]) -> dict:
    found = {}
    for lever in levers:
        if lever.kind == "choice":
            found[lever.key] = CategoricalDistribution(list(lever.choices))
        elif lever.whole:
            found[lever.key] = IntDistribution(int(lever.low), int(lever.high), log=lever.kind == "int_log")
        else:
            found[lever.key] = FloatDistribution(lever.low, lever.high, log=lever.kind == "log")
    return found


def startup_trials(trials: int) -> int:
    """Random trials before TPE models the results: Optuna's 10, fewer for a small budget
    (a third of it, at least 3), so that a study of a dozen trials is not all random."""
    return min(10, max(3, trials // 3))


# Candidates TPE weighs for each proposal (Optuna's default 24): a trial costs replications
# of a simulation, a candidate microseconds, so each proposal is the best of more. On the
# service desk of tests/test_optimize.py it found the optimum from 38 of 40 sampler seeds
# against 30 of 40 with 24 (measured in a study of 24 trials).
EI_CANDIDATES = 100


def open_study(optimization: "Optimization") -> optuna.Study:
    request = optimization.request
    storage = f"sqlite:///{(optimization.out / STUDY).resolve()}"
    existing = _trial_count(storage)
    # Seeded, and moved on by the trials already there: a resumed study does not replay
    # the random draws that made its first trials.
    seed = (optimization.seed + existing) % 2**32   # numpy's legacy generator, inside Optuna, takes 32 bits
    # Constraints reach the sampler through Trial.set_constraint (finish_trial).
    if len(request.objectives) == 1:
        sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup_trials(request.trials),
                                             n_ei_candidates=EI_CANDIDATES)
    else:
        sampler = optuna.samplers.NSGAIISampler(seed=seed, population_size=max(4, min(50, request.trials // 4)))
    study = optuna.create_study(storage=storage, sampler=sampler, study_name=STUDY_NAME, load_if_exists=True,
                                directions=["maximize" if o.direction == "max" else "minimize"
                                            for o in request.objectives])
    _retry_interrupted(study)
    return study


def _trial_count(storage: str) -> int:
    try:
        return len(optuna.load_study(study_name=STUDY_NAME, storage=storage).trials)
    except KeyError:   # no study yet
        return 0


def _retry_interrupted(study: optuna.Study) -> None:
    """Trials left running by a process that died are failed, marked, and asked again."""
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        study._storage.set_trial_user_attr(trial._trial_id, INTERRUPTED, True)
        study.tell(trial.number, state=TrialState.FAIL)
        study.enqueue_trial(trial.params, skip_if_exists=False)


def counted(study: optuna.Study) -> int:
    """Trials that count toward --trials: finished, complete or failed, not interrupted."""
    return sum(1 for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.FAIL))
               if not t.user_attrs.get(INTERRUPTED))


def evaluated(study: optuna.Study) -> dict[str, dict]:
    """Levers of complete trials -> their KPI means (JSON null read back as NaN)."""
    return {levers_key(t.params): kpis_of(t) for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))}


def result_of(trial) -> dict:
    return trial.user_attrs.get(RESULT, {})


def kpis_of(trial) -> dict[str, float]:
    """A trial's KPI means over the search's replications (JSON null read back as NaN)."""
    return {k: math.nan if v is None else float(v) for k, v in (result_of(trial).get("kpis") or {}).items()}


def violations_of(trial) -> list[float]:
    """Each constraint's violation (at most 0: met) on the search's means."""
    return result_of(trial).get("constraints", [])


def finish_trial(optimization: "Optimization", pending: Pending, finished: int, reused: bool = False
                 ) -> TrialFinished:
    request, study, trial = optimization.request, optimization.study, pending.trial
    means = pending.means if pending.means is not None else ({} if pending.error else mean_kpis(pending.kpis))
    error = pending.error
    undefined = [o.kpi for o in request.objectives if not math.isfinite(means.get(o.kpi, math.nan))]
    if not error and undefined:
        error = f"{', '.join(undefined)} undefined (NaN) in every replication"
    violations = [c.violation(means.get(c.kpi, math.nan)) for c in request.constraints]
    for index, violation in enumerate(violations):
        trial.set_constraint(f"constraint{index}", violation)
    trial.set_user_attr(RESULT, {"kpis": None if error else jsonable(means), "constraints": violations,
                                 "reused": reused, "error": error[-500:] if error else None})
    if error:
        study.tell(trial, state=TrialState.FAIL)
        feasible = None
    else:
        study.tell(trial, [means[o.kpi] for o in request.objectives])
        feasible = all(v <= 0 for v in violations)
    write_trials(optimization)
    return TrialFinished(trial.number, "failed" if error else "complete", dict(pending.levers), means, feasible,
                         reused=reused, error=error, finished=finished, trials=request.trials)


def trial_rows(study: optuna.Study, levers: list[Lever], first: list[str]) -> list[dict]:
    """One row per trial: number, state, feasibility, levers, the asked KPIs first, then every KPI."""
    names = [*first, *(name for name in registry().kpi_names if name not in first)]
    rows = []
    for t in study.get_trials(deepcopy=False):
        kpis = kpis_of(t)
        result = result_of(t)
        state = INTERRUPTED if t.user_attrs.get(INTERRUPTED) else t.state.name.lower()
        row = {"trial": t.number, "state": state,
               "feasible": all(v <= 0 for v in violations_of(t)) if kpis else None,
               "reused": bool(result.get("reused", False)),
               **{lever.key: t.params.get(lever.key) for lever in levers},
               **{name: kpis.get(name) for name in names}, "error": result.get("error")}
        rows.append(jsonable(row))
    return rows


def write_trials(optimization: "Optimization") -> None:
    request = optimization.request
    first = list(dict.fromkeys([*(o.kpi for o in request.objectives), *(c.kpi for c in request.constraints)]))
    write_rows(optimization.out / TRIALS, trial_rows(optimization.study, request.levers, first))
