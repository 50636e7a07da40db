"""Sweeps: one scenario over a design of lever values (full factorial or a Latin
hypercube), replications per point, written to disk point by point.

Each point is a list of `--set` overrides, validated like any other before anything
runs. Every point uses the scenario's seed, so points differ only where their levers
do (common random numbers). A task is (scenario, replication) and returns the KPIs,
never big arrays, so it ships to a process pool or a Dask cluster alike, and the same
seed gives the same numbers on either.

A sweep that is stopped (Ctrl+C, a killed process) keeps every point finished so far:
each is its own file, written atomically the moment its replications are done, and
`sweep.csv` is rewritten with what is done when a sweep is interrupted. `--resume` runs
the rest. Local workers ignore Ctrl+C and are ended by the main process.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import traceback
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
from scipy.stats import qmc

from simulation.kernel.engine import simulate
from simulation.experiments.resources import LimitError, check_run, work_problems
from simulation.storage.loading import ScenarioError, load_scenario, resolved_yaml
from simulation.kernel.registry import registry
from simulation.storage.outputs import jsonable, read_json_object, write_atomically, write_rows
from simulation.experiments.replicate import Interval, ignore_interrupts, interrupts_held_back, stop_pool
from simulation.kernel.scenario import Scenario


class SweepError(Exception):
    """A sweep that cannot start as asked (bad design, an output folder of another sweep)."""


def grid_points(grid: dict[str, list[str]]) -> list[list[str]]:
    """Full factorial: every combination of the listed values."""
    keys = list(grid)
    return [[f"{k}={v}" for k, v in zip(keys, combo)] for combo in itertools.product(*grid.values())]


def latin_hypercube_points(ranges: dict[str, tuple[float, float]], points: int, seed: int,
                           integers: Iterable[str] = ()) -> list[list[str]]:
    """A space-filling design: `points` points, each lever's range cut in `points` strata."""
    sample = qmc.LatinHypercube(d=len(ranges), seed=np.random.default_rng(seed)).random(points)
    lows = np.array([low for low, _ in ranges.values()])
    highs = np.array([high for _, high in ranges.values()])
    values = qmc.scale(sample, lows, highs) if len(ranges) else sample
    integers = set(integers)
    return [[f"{k}={int(round(v)) if k in integers else repr(float(v))}" for k, v in zip(ranges, row)]
            for row in values]


def _read_json(path: Path) -> dict:
    """A sweep file as a dict; damaged (edited, cut short) is a SweepError naming it."""
    return read_json_object(path, lambda why: SweepError(
        f"{path}: damaged ({why}); remove it, or the whole folder to start the sweep again"))


def _finished_replications(path: Path, replications: int) -> list[dict]:
    """A finished point's KPIs per replication, checked: as many replications as the sweep's,
    each a mapping of KPI names to numbers (or null)."""
    found = _read_json(path).get("replications")
    if (not isinstance(found, list) or len(found) != replications
            or not all(isinstance(k, dict) and all(v is None or isinstance(v, (int, float)) for v in k.values())
                       for k in found)):
        raise SweepError(f"{path}: damaged (not the {replications} replications' KPIs); remove it to run the point again")
    return found


def replication_kpis(scenario: Scenario, replication: int) -> dict[str, float]:
    """One task: a replication of a point, reduced to its KPIs."""
    return simulate(scenario, replication).kpis


@dataclass
class Point:
    index: int
    overrides: list[str]
    scenario: Scenario
    kpis: list[dict[str, float] | None] = field(default_factory=list)
    error: str | None = None

    @property
    def file(self) -> str:
        return f"point-{self.index:04d}.json"


def fingerprint(scenario: Scenario, replications: int) -> str:
    text = resolved_yaml(scenario) + f"\nreplications={replications}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Sweep:
    def __init__(self, path: Path, design: list[list[str]], base_overrides: list[str], replications: int | None,
                 out: Path) -> None:
        if not design:
            raise SweepError("the design has no points: give --grid KEY=V1,V2 or --lhs KEY=LOW:HIGH with --points")
        self.path, self.out = Path(path), Path(out)
        base = load_scenario(path, base_overrides)
        self.replications = replications or base.replications
        problems = []
        self.points: list[Point] = []
        for index, overrides in enumerate(design):
            try:
                self.points.append(Point(index, overrides, load_scenario(path, [*base_overrides, *overrides])))
            except ScenarioError as error:
                problems.extend(error.problems)
        if problems:
            raise ScenarioError(problems)
        self.base = base
        self.id = fingerprint(base, self.replications) + "-" + hashlib.sha256(json.dumps(design).encode()).hexdigest()[:8]

    def check_limits(self, jobs: int | None, local: bool = True) -> int:
        """Refuse points that would never end or (run on this machine) not fit in memory;
        returns the local processes to use. Every point is checked before any runs."""
        jobs = max(1, min(jobs or os.cpu_count() or 1, len(self.points) * self.replications))
        problems, fitting = [], jobs
        for point in self.points:
            try:
                if local:   # a task returns KPIs only: the main process keeps no replication's arrays
                    fitting = min(fitting, check_run(point.scenario, 0, fitting))
                elif work := work_problems(point.scenario):
                    raise LimitError("\n".join(work))
            except LimitError as error:
                problems.append(f"point {point.index} ({' '.join(point.overrides)}): {error}")
        if problems:
            raise LimitError("\n".join(problems))
        return fitting

    # --- files --------------------------------------------------------------------

    def manifest(self) -> dict:
        return {"sweep": self.id, "scenario": str(self.path), "name": self.base.name, "seed": self.base.seed,
                "replications": self.replications, "currency": self.base.currency,
                "points": [p.overrides for p in self.points]}

    def prepare(self, resume: bool, force: bool = False) -> list[Point]:
        """Write the manifest; on resume, load finished points and return those still to run.
        A file, or a folder of other things, at --out is not ours to fill (unless `force`)."""
        manifest = self.out / "sweep.json"
        if self.out.exists() and not self.out.is_dir():
            raise SweepError(f"--out {self.out}: exists and is not a folder; give a folder for the sweep")
        if self.out.is_dir() and not manifest.exists() and any(self.out.iterdir()) and not force:
            shown = ", ".join(sorted(p.name for p in self.out.iterdir())[:5])
            raise SweepError(f"--out {self.out}: holds files that are not a sweep ({shown}); choose another --out, "
                             "or --force to add the sweep beside them")
        if manifest.exists():
            found = _read_json(manifest)
            if found.get("sweep") != self.id:
                raise SweepError(f"{self.out} holds another sweep ({found.get('name')!r}, id {found.get('sweep')}); "
                                 "choose another --out")
            if not resume:
                raise SweepError(f"{self.out} holds this sweep already: add --resume to finish it, or choose another --out")
        write_atomically(manifest, lambda h: h.write(json.dumps(self.manifest(), indent=2) + "\n"))
        todo = []
        for point in self.points:
            done = self.out / "points" / point.file
            if resume and done.exists():
                point.kpis = [{k: math.nan if v is None else v for k, v in kpis.items()}   # JSON wrote NaN as null
                              for kpis in _finished_replications(done, self.replications)]
            else:
                todo.append(point)
        return todo

    def save_point(self, point: Point) -> None:
        document = {"index": point.index, "overrides": point.overrides, "error": point.error,
                    "replications": point.kpis}
        name = point.file if point.error is None else point.file.replace(".json", ".error.json")
        write_atomically(self.out / "points" / name, lambda h: h.write(json.dumps(jsonable(document), indent=1) + "\n"))

    def rows(self) -> list[dict]:
        """One row per point: its levers, then each KPI's mean and 95 % interval."""
        rows = []
        for point in self.points:
            row = {"point": point.index, **dict(o.split("=", 1) for o in point.overrides),
                   "status": "failed" if point.error else ("done" if point.kpis else "not run")}
            for kpi in registry().kpi_names:
                interval = Interval.of(np.array([k[kpi] if k and k[kpi] is not None else np.nan
                                                 for k in point.kpis], dtype=float)) if point.kpis else None
                for part in ("mean", "ci_low", "ci_high"):
                    value = getattr(interval, part) if interval else math.nan
                    row[f"{kpi}_{part}"] = value if math.isfinite(value) else None
            rows.append(row)
        return rows

    def write_summary(self) -> None:
        write_rows(self.out / "sweep.csv", self.rows())

    # --- running ------------------------------------------------------------------

    def run(self, executor: "Executor", resume: bool = False,
            on_task: Callable[[], None] | None = None, on_point: Callable[[Point], None] | None = None,
            force: bool = False) -> list[Point]:
        todo = self.prepare(resume, force)
        pending: dict[Future, tuple[Point, int]] = {}
        remaining = {point.index: self.replications for point in todo}

        def collect(future: Future) -> None:
            point, replication = pending.pop(future)
            try:
                point.kpis[replication] = future.result()
            except Exception:   # the point failed; the sweep goes on without it
                point.error = point.error or traceback.format_exc(limit=3)
            remaining[point.index] -= 1
            if on_task:
                on_task()
            if remaining[point.index] == 0:
                self.save_point(point)   # on disk the moment it is done: what --resume keeps
                if on_point:
                    on_point(point)

        try:
            for point in todo:
                point.kpis = [None] * self.replications
                for replication in range(self.replications):
                    future = executor.submit(replication_kpis, point.scenario, replication)
                    pending[future] = (point, replication)
                    if isinstance(executor, InlineExecutor):   # it ran already: save points as they finish
                        collect(future)
            for future in executor.as_completed(list(pending)):
                collect(future)
        except BaseException:   # interrupted: sweep.csv shows the points done, the rest "not run"
            for point in todo:
                if remaining[point.index]:
                    point.kpis, point.error = [], None
            self.write_summary()
            raise
        self.write_summary()
        return self.points

    def finished(self) -> int:
        return sum(1 for point in self.points if point.kpis and point.error is None
                   and all(k is not None for k in point.kpis))


# --- executors: the same submit() on local processes or a Dask cluster ----------------

class Executor:
    def submit(self, function, *args): ...
    def as_completed(self, futures: list): ...
    def close(self) -> None: ...


class InlineExecutor(Executor):
    """Runs each task when submitted, in this process (tests, debugging, --jobs 1)."""

    def submit(self, function, *args) -> Future:
        future: Future = Future()
        try:
            future.set_result(function(*args))
        except Exception as error:
            future.set_exception(error)
        return future

    def as_completed(self, futures: list):
        return iter(futures)

    def close(self) -> None:
        pass


class ProcessExecutor(Executor):
    """Local processes. They ignore Ctrl+C; `close` ends them at once if tasks are left."""

    def __init__(self, jobs: int | None = None) -> None:
        import multiprocessing
        self.pool = ProcessPoolExecutor(jobs or os.cpu_count(), mp_context=multiprocessing.get_context("spawn"),
                                        initializer=ignore_interrupts, initargs=(os.getpid(),))
        self.futures: list[Future] = []

    def submit(self, function, *args) -> Future:
        with interrupts_held_back():   # a worker started now inherits "ignore Ctrl+C"
            future = self.pool.submit(function, *args)
        self.futures.append(future)
        return future

    def as_completed(self, futures: list):
        return as_completed(futures)

    def close(self) -> None:
        if all(future.done() for future in self.futures):
            self.pool.shutdown(wait=True)
        else:   # interrupted or failed: do not wait for the running tasks
            stop_pool(self.pool)


class DaskExecutor(Executor):
    """Dask distributed: an existing scheduler's address, or a local cluster of processes."""

    def __init__(self, scheduler: str | None = None, jobs: int | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise SweepError("--executor dask needs Dask: pip install 'growthsim[dask]'") from None
        self.cluster = None
        if scheduler is None:
            with interrupts_held_back():   # its worker processes leave Ctrl+C to this one
                self.cluster = LocalCluster(n_workers=jobs or os.cpu_count(), threads_per_worker=1,
                                            processes=True, dashboard_address=None)
            scheduler = self.cluster.scheduler_address
        self.client = Client(scheduler)

    def submit(self, function, *args) -> Future:
        # pure=False: equal arguments must still run (two points may share a scenario).
        return self.client.submit(function, *args, pure=False)

    def as_completed(self, futures: list):
        from distributed import as_completed as dask_as_completed
        return dask_as_completed(futures)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
