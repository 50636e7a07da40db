"""Optimisation: the best levers of a scenario under constraints, with honest noise
(docs/optimize.md). One run path for the command line and a screen alike:
`Optimization(request).run()` yields events as trials finish.

The search. Optuna asks for a batch of `jobs` trials (TPE for one objective, NSGA-II
for several; constraints through Trial.set_constraint), each trial's replications
0..R-1 run on the sweep's executors (local processes or Dask) with the scenario's seed,
so every trial sees the same random numbers and trials differ by their levers, not by
luck (common random numbers). A trial whose levers repeat an evaluated one is told the
same KPIs without running again: with the same seeds it would give the same numbers.
The study lives in DIR/study.db (SQLite), so `--resume` continues it; trials.csv is
rewritten (atomically) as each trial finishes.

The confirmation. The search's best trial is the luckiest as much as the best (its
mean is biased upward by the selection), so the best few feasible trials and the
scenario as given are run again, `confirm` replications each, on fresh seeds
(replications numbered from CONFIRM_FIRST_REPLICATION: streams independent of the
search's), paired with one another. The winner is the best on those confirmed means
among those meeting every constraint on its confirmed mean; its 95 % interval and its
paired difference against the scenario as given come from these runs alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Iterator

from simulation.experiments.day_reports import Cancelled
from simulation.experiments.optimize_confirm import conclude, finalists
from simulation.experiments.optimize_events import (BEST, MANIFEST, STUDY, TRIALS, ConfirmationDone, ConfirmationStarted,
                                                    Event, OptimizeError, Pending, RunFinished, SearchStarted,
                                                    levers_key, read_manifest)
from simulation.experiments.optimize_spec import CONFIRM_FIRST_REPLICATION, OptimizeRequest, SpecError
from simulation.experiments.optimize_study import counted, distributions, evaluated, finish_trial, open_study
from simulation.experiments.resources import check_run, work_problems
from simulation.experiments.sweep import DaskExecutor, Executor, InlineExecutor, ProcessExecutor, replication_kpis
from simulation.kernel.limits import LimitError
from simulation.kernel.scenario import Scenario
from simulation.storage.loading import ScenarioError, load_scenario, resolved_yaml
from simulation.storage.outputs import jsonable, write_atomically


class Optimization:
    """One optimisation, from a request: checked when made (levers, limits), run by `run()`."""

    def __init__(self, request: OptimizeRequest) -> None:
        self.request, self.out = request, Path(request.out)
        base = load_scenario(request.scenario, request.overrides)
        self.seed = base.seed if request.seed is None else request.seed
        self.base = base.model_copy(update={"seed": self.seed})
        self.replications = request.replications or base.replications
        if self.replications >= CONFIRM_FIRST_REPLICATION:
            raise SpecError(f"--replications must be below {CONFIRM_FIRST_REPLICATION:,}")
        self._check_levers()
        self.jobs = self._check_limits()
        self.id = self._fingerprint()

    # --- checks before anything runs ----------------------------------------------------

    def _check_levers(self) -> None:
        """Each lever's ends (or choices) must load as `--set` would; a range must sit on a number."""
        numbers = self.base.model_dump(mode="python")
        self.corner_scenarios: list[Scenario] = []
        for lever in self.request.levers:
            where = f"--lever {lever.text()!r}"
            current = _at(numbers, lever.key)
            if lever.kind != "choice" and current is not _MISSING and (
                    isinstance(current, bool) or not isinstance(current, (int, float))):
                raise SpecError(f"{where}: {lever.key} is not a number (it is {current!r}); give choices KEY=a,b,c")
            if lever.key in NOT_LEVERS:
                raise SpecError(f"{where}: {lever.key} {NOT_LEVERS[lever.key]}")
            if not lever.whole and lever.kind != "choice" and isinstance(current, int) and not isinstance(current, bool):
                raise SpecError(f"{where}: {lever.key} takes whole numbers; add :int (KEY=LOW:HIGH:int, or :int:log)")
            for value in lever.corners():
                try:
                    self.corner_scenarios.append(self._scenario({lever.key: value}))
                except ScenarioError as error:
                    raise SpecError(f"{where}: {lever.key}={value}: " + "; ".join(map(str, error.problems))) from None

    def _check_limits(self) -> int:
        """Every lever's ends within the limits (resources.py); returns the processes to use."""
        wanted = max(1, self.request.jobs or os.cpu_count() or 1)
        local = self.request.executor != "dask" or self.request.scheduler is None
        fitting = wanted
        for scenario in [self.base, *self.corner_scenarios]:
            if local:
                fitting = min(fitting, check_run(scenario, 0, fitting))
            elif work := work_problems(scenario):
                raise LimitError("\n".join(work))
        return fitting

    def _fingerprint(self) -> str:
        """What a study in DIR must share to be resumed: scenario, seed, replications, levers,
        objectives and constraints (trials and confirmation may change)."""
        r = self.request
        text = json.dumps([resolved_yaml(self.base), self.replications, [lever.text() for lever in r.levers],
                           [o.text() for o in r.objectives], [c.text() for c in r.constraints]])
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def _scenario(self, levers: dict) -> Scenario:
        by_key = {lever.key: lever for lever in self.request.levers}
        overrides = [by_key[key].override(value) for key, value in levers.items()]
        scenario = load_scenario(self.request.scenario, [*self.request.overrides, *overrides])
        return scenario.model_copy(update={"seed": self.seed})

    def settings(self) -> dict:
        r = self.request
        return {"optimization": self.id, "scenario": str(r.scenario), "name": self.base.name, "set": r.overrides,
                "levers": [lever.text() for lever in r.levers], "objectives": [o.text() for o in r.objectives],
                "constraints": [c.text() for c in r.constraints], "trials": r.trials, "replications": self.replications,
                "confirm": r.confirm, "finalists": r.finalists, "pick": r.picked.kpi, "seed": self.seed,
                "sampler": "TPE" if len(r.objectives) == 1 else "NSGA-II", "currency": self.base.currency}

    # --- the folder -------------------------------------------------------------------

    def prepare(self) -> None:
        """DIR is ours to fill: new, empty, this optimisation's (with --resume), or --force."""
        out, manifest = self.out, self.out / MANIFEST
        if out.exists() and not out.is_dir():
            raise OptimizeError(f"--out {out}: exists and is not a folder; give a folder for the optimisation")
        if out.is_dir() and not manifest.exists() and any(out.iterdir()) and not self.request.force:
            shown = ", ".join(sorted(p.name for p in out.iterdir())[:5])
            raise OptimizeError(f"--out {out}: holds files that are not an optimisation ({shown}); choose another "
                                "--out, or --force to add the optimisation beside them")
        if out.is_dir() and not manifest.exists():   # --force adds beside the files there, replaces none
            taken = [name for name in (TRIALS, STUDY, BEST, "report.html") if (out / name).exists()]
            if taken:
                raise OptimizeError(f"--out {out}: already holds {', '.join(taken)}, which growthsim did not write "
                                    "for this optimisation; choose another --out")
        if manifest.exists():
            found = read_manifest(out)
            if found.get("settings", {}).get("optimization") != self.id:
                raise OptimizeError(f"{out} holds another optimisation ({found.get('settings', {}).get('name')!r}); "
                                    "choose another --out (the scenario, seed, replications, levers, objectives and "
                                    "constraints must be the same to --resume)")
            if not self.request.resume:
                raise OptimizeError(f"{out} holds this optimisation already: add --resume to continue it, or choose "
                                    "another --out")
        elif self.request.resume and (out / STUDY).exists():
            raise OptimizeError(f"{out}: {STUDY} without {MANIFEST}; remove the folder to start again")
        self._write_manifest({"status": "searching", "settings": self.settings()})

    def _write_manifest(self, document: dict) -> None:
        write_atomically(self.out / MANIFEST, lambda h: h.write(json.dumps(jsonable(document), indent=2) + "\n"))

    # --- running ----------------------------------------------------------------------

    def run(self, stop: threading.Event | None = None, executor: Executor | None = None) -> Iterator[Event]:
        """Search, then confirm; yields events as they happen. Setting `stop` abandons the
        run between tasks (Cancelled); the study keeps every finished trial for --resume."""
        self.prepare()
        self.study = open_study(self)
        executor = executor or self._executor()
        try:
            yield from self._search(executor, stop)
            yield from self._confirm(executor, stop)
        finally:
            executor.close()

    def _executor(self) -> Executor:
        if self.request.executor == "dask":
            return DaskExecutor(self.request.scheduler, self.request.jobs)
        return InlineExecutor() if self.jobs == 1 else ProcessExecutor(self.jobs)

    def _search(self, executor: Executor, stop: threading.Event | None) -> Iterator[Event]:
        study, total = self.study, self.request.trials
        done = counted(study)
        yield SearchStarted(done, total, self.replications)
        seen = evaluated(study)   # levers -> KPI means, of complete trials
        while done < total:
            batch = [self._ask() for _ in range(min(self.jobs, total - done))]
            futures = {}
            for pending in batch:
                key = levers_key(pending.levers)
                if key in seen:
                    pending.means = seen[key]
                    continue
                try:
                    scenario = self._scenario(pending.levers)
                    if problems := work_problems(scenario):   # refused like a sweep's point, not run
                        raise LimitError("\n".join(problems))
                except (ScenarioError, LimitError) as error:
                    pending.error = str(error)
                    continue
                pending.kpis = [None] * self.replications
                for replication in range(self.replications):
                    futures[executor.submit(replication_kpis, scenario, replication)] = (pending, replication)
            for pending in batch:   # reused or refused: told at once
                if pending.error or pending.means is not None:
                    done += 1
                    yield finish_trial(self, pending, done, reused=not pending.error)
            left = {id(p): self.replications for p in batch if p.kpis}
            for future in executor.as_completed(list(futures)):
                pending, replication = futures[future]
                if stop is not None and stop.is_set():
                    raise Cancelled()
                try:
                    pending.kpis[replication] = future.result()
                except Exception as error:   # the trial fails; the study goes on
                    pending.error = pending.error or f"{type(error).__name__}: {error}"
                yield RunFinished("search")
                left[id(pending)] -= 1
                if left[id(pending)] == 0:
                    done += 1
                    event = finish_trial(self, pending, done)
                    if event.state == "complete":
                        seen[levers_key(pending.levers)] = event.kpis
                    yield event

    def _ask(self) -> Pending:
        trial = self.study.ask(distributions(self.request.levers))
        return Pending(trial, dict(trial.params))

    def _confirm(self, executor: Executor, stop: threading.Event | None) -> Iterator[Event]:
        chosen = finalists(self)
        count = self.request.confirm
        plans = [{}, *[trial.params for trial in chosen]]   # the scenario as given first
        yield ConfirmationStarted([dict(p) for p in plans[1:]], len(plans) * count)
        scenarios = [self._scenario(levers) for levers in plans]
        futures = {}
        for index, scenario in enumerate(scenarios):
            for k in range(count):
                futures[executor.submit(replication_kpis, scenario, CONFIRM_FIRST_REPLICATION + k)] = (index, k)
        results = [[None] * count for _ in plans]
        for future in executor.as_completed(list(futures)):
            if stop is not None and stop.is_set():
                raise Cancelled()
            index, k = futures[future]
            results[index][k] = future.result()
            yield RunFinished("confirm")
        document = conclude(self, chosen, results)
        best = document.get("best")
        if best is not None:
            self._write_best(best["levers"])
        self._write_manifest(document)
        yield ConfirmationDone(document)

    def _write_best(self, levers: dict) -> None:
        scenario = self._scenario(levers)
        lines = ["# Written by growthsim optimize: the scenario with the best levers found",
                 f"# ({', '.join(f'{k}={v}' for k, v in levers.items())}); see optimize.json for its interval.",
                 f"# From {self.request.scenario}" + (f" with --set {' '.join(self.request.overrides)}"
                                                       if self.request.overrides else "") + "."]
        text = "\n".join(lines) + "\n" + resolved_yaml(scenario)
        write_atomically(self.out / BEST, lambda h: h.write(text))


# --- helpers ---------------------------------------------------------------------------

_MISSING = object()
# Keys of the run rather than of the plan: a lever on them would undo common random numbers
# or the search's own settings.
NOT_LEVERS = {"seed": "is the runs' seed, the same for every trial (set it with --seed)",
              "replications": "is set by --replications and --confirm",
              "horizon_days": "changes what every KPI measures; set it with --set",
              "schema_version": "is the file's format", "name": "is not a number", "title": "is not a number",
              "description": "is not a number"}


def _at(data, key: str):
    for part in key.split("."):
        if not isinstance(data, dict) or part not in data:
            return _MISSING
        data = data[part]
    return data
