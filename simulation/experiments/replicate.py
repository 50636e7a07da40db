"""Replications of one scenario, in parallel processes, and their confidence intervals.

Replication `k` always uses seed stream `k` (simulation.kernel.random_streams), so the numbers
do not depend on how many processes ran them or in which order they finished.

Before anything starts, `simulation.experiments.resources.check_run` refuses a run that would not fit
in memory or would never end, and lowers the number of processes to what fits. Worker
processes ignore Ctrl+C (they are started with SIGINT ignored, which survives their
start); the main process takes it, and `worker_pool` then ends every worker at once, so
an interrupted run leaves no process behind (docs/reliability.md). A caller in another
thread (the app) stops a run the same way, through its `stop` event.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

import numpy as np
from scipy import stats

from simulation.experiments.day_reports import Cancelled, DayReporter, DaysSimulated, Deliver, ReportDrain
from simulation.experiments.resources import check_run
from simulation.kernel.engine import Replication, RunResult
from simulation.kernel.registry import registry
from simulation.kernel.scenario import Scenario

Progress = Callable[[int, int], None]   # (replication, day just simulated)
STOP_POLL_SECONDS = 0.1                 # how often a run with a `stop` event looks at it


@dataclass(frozen=True)
class Interval:
    """Mean over replications with a 95 % Student-t confidence interval."""

    mean: float
    ci_low: float
    ci_high: float
    replications: int     # replications in which the KPI was defined

    @classmethod
    def of(cls, values: np.ndarray, level: float = 0.95) -> "Interval":
        values = np.asarray(values, dtype=float)
        values = values[np.isfinite(values)]
        n = values.size
        if n == 0:
            return cls(math.nan, math.nan, math.nan, 0)
        mean = float(values.mean())
        if n == 1:
            return cls(mean, math.nan, math.nan, 1)
        half = stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / math.sqrt(n)
        return cls(mean, mean - half, mean + half, n)


@dataclass
class Replications:
    scenario: Scenario
    runs: list[RunResult]
    baseline: "Replications | None" = None   # same seeds: common random numbers, for ROI

    def kpi_values(self, name: str) -> np.ndarray:
        if name == "roi" and self.baseline is not None:
            return return_on_investment(self.runs, self.baseline.runs)
        return np.array([run.kpis[name] for run in self.runs])

    def kpis(self) -> dict[str, Interval]:
        return {name: Interval.of(self.kpi_values(name)) for name in registry().kpi_names}


def strategy_cost(run: RunResult) -> float:
    """What a plan spends: marketing, operations and the discounts it gives."""
    return run.kpis["marketing_cost"] + run.kpis["operations_cost"] + float(run.daily["discounts"].sum())


def return_on_investment(runs: list[RunResult], baseline_runs: list[RunResult]) -> np.ndarray:
    """Per paired replication: incremental contribution over incremental cost."""
    roi = []
    for run, base in zip(runs, baseline_runs):
        extra_cost = strategy_cost(run) - strategy_cost(base)
        extra_contribution = run.kpis["contribution"] - base.kpis["contribution"]
        roi.append(extra_contribution / extra_cost if extra_cost else math.nan)
    return np.array(roi)


_reports = None        # in a worker process: the queue its replications report their days to
_parent_pid = None     # in a worker process: the process that started it


def _init_worker(parent: int, reports) -> None:
    global _reports, _parent_pid
    _reports, _parent_pid = reports, parent
    ignore_interrupts(parent)


def _run_one(scenario: Scenario, replication: int, transactions: bool, watch: Sequence[str] = (),
             baseline: bool = False) -> RunResult:
    deliver = _reports.put if _reports is not None else None
    return _simulate(scenario, replication, transactions, watch, baseline, deliver, parent_pid=_parent_pid)


def _simulate(scenario: Scenario, replication: int, transactions: bool, watch: Sequence[str], baseline: bool,
              deliver: Deliver | None, stop: threading.Event | None = None, parent_pid: int | None = None) -> RunResult:
    """`simulate`, reporting its days (DayReporter)."""
    run = Replication(scenario, replication, transactions)
    run.on_day = DayReporter(run, watch, baseline, deliver, stop, parent_pid)
    return run.run()


def run_replications(scenario: Scenario, *, replications: int | None = None, jobs: int | None = None,
                     transactions: bool = False, progress: Progress | None = None,
                     watch: Sequence[str] = (), on_days: Deliver | None = None,
                     stop: threading.Event | None = None) -> Replications:
    """Run replications 0..n-1 of `scenario`; in `jobs` processes when more than one.
    When the scenario names a `baseline`, that is run too, with the same seeds.

    `progress` is called with each day each replication simulates (not the baseline's);
    `on_days` with each DaysSimulated report, the values of the daily series named in
    `watch` included (the baseline's too, marked). Both are called from a thread of
    this process. Setting `stop` abandons the run: its workers are ended and Cancelled
    is raised."""
    control = _Control(progress, on_days, watch, stop)
    result = _run(scenario, replications, jobs, transactions, control)
    if scenario.baseline is not None:
        from simulation.storage.loading import load_scenario   # loading imports the schema, not the engine
        base = load_scenario(scenario.baseline).model_copy(
            update={"seed": scenario.seed, "horizon_days": scenario.horizon_days, "baseline": None})
        result.baseline = _run(base, len(result.runs), jobs, False, control.for_baseline())
    return result


@dataclass(frozen=True)
class _Control:
    """Who wants a run's days reported, what of them, and the event that stops it."""

    progress: Progress | None
    on_days: Deliver | None
    watch: Sequence[str]
    stop: threading.Event | None
    baseline: bool = False

    @property
    def wanted(self) -> bool:
        return self.progress is not None or self.on_days is not None

    def for_baseline(self) -> "_Control":
        return _Control(None, self.on_days, self.watch, self.stop, baseline=True)

    def deliver(self, report: DaysSimulated) -> None:
        if self.progress is not None:
            for day in range(report.first_day, report.last_day + 1):
                self.progress(report.replication, day)
        if self.on_days is not None:
            self.on_days(report)


def _run(scenario: Scenario, replications: int | None, jobs: int | None, transactions: bool,
         control: _Control) -> Replications:
    count = replications or scenario.replications
    jobs = max(1, min(jobs or os.cpu_count() or 1, count))
    jobs = check_run(scenario, count, jobs, transactions=transactions)   # LimitError if it cannot run at all
    watch, baseline, stop = control.watch, control.baseline, control.stop
    if jobs == 1:
        deliver = control.deliver if control.wanted else None
        return Replications(scenario, [_simulate(scenario, k, transactions, watch, baseline, deliver, stop)
                                       for k in range(count)])
    context = multiprocessing.get_context("spawn")   # same behaviour on every platform
    reports = context.Queue() if control.wanted else None
    drain = ReportDrain(reports, control.deliver) if reports is not None else None
    try:
        with worker_pool(jobs, initializer=_init_worker, initargs=(reports,)) as pool:
            with interrupts_held_back():   # the workers start now, and inherit "ignore Ctrl+C"
                futures = [pool.submit(_run_one, scenario, k, transactions, watch, baseline) for k in range(count)]
            runs = _results(futures, stop)
    finally:
        if drain:
            drain.stop()
    return Replications(scenario, runs)


def _results(futures: list[Future], stop: threading.Event | None) -> list[RunResult]:
    """The futures' results in order; Cancelled as soon as `stop` is set."""
    pending = futures
    while stop is not None and pending:
        done, pending = wait(pending, timeout=STOP_POLL_SECONDS, return_when=FIRST_EXCEPTION)
        if stop.is_set():
            raise Cancelled()
        if any(future.exception() is not None for future in done):
            break
    return [future.result() for future in futures]


# --- worker processes that end with the run, whatever ends it ------------------------------


def ignore_interrupts(parent: int) -> None:
    """In a worker: Ctrl+C is the main process's to handle (it ends the workers); and the
    worker ends itself if that process, pid `parent`, dies (watch_parent)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch_parent(parent)


PARENT_POLL_SECONDS = 0.5


def watch_parent(parent: int) -> None:
    """In a worker: a thread that ends the process within PARENT_POLL_SECONDS of the death of
    its parent, pid `parent` (SIGKILL gives the parent no chance to end it): an idle worker
    waiting for a task would wait forever. Polling the parent's pid works on every platform
    and for processes started from any thread (Linux's parent-death signal follows the
    starting thread). The parent passes its pid: a worker asking os.getppid() itself, after
    its imports, would take init for its parent if the parent died during them, and wait forever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="growthsim-parent-watch", daemon=True).start()


@contextmanager
def interrupts_held_back() -> Iterator[None]:
    """Processes started in here ignore SIGINT from their first instruction: an ignored
    signal stays ignored across exec, and Python keeps it so. (A handler would not
    survive exec, and a worker importing its modules when the terminal's Ctrl+C reaches
    its process group would print a traceback.) Start workers in here, briefly: a Ctrl+C
    in this moment is lost, and the next one stops the run."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def worker_pool(jobs: int, initializer=ignore_interrupts, initargs: tuple = ()) -> Iterator[ProcessPoolExecutor]:
    """A process pool (spawn: the same on every platform) whose workers are ended, not
    waited for, when the block is left by an exception (Ctrl+C, a failed task). The
    initializer's first argument is this process's pid (ignore_interrupts)."""
    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=initializer, initargs=(os.getpid(), *initargs))
    try:
        yield pool
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def stop_pool(pool: ProcessPoolExecutor, grace: float = 5.0) -> None:
    """End a pool now: queued tasks cancelled, running ones' processes terminated."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(grace)
        if process.is_alive():
            process.kill()
            process.join()
