"""Replications of one scenario, in parallel processes, and their confidence intervals.

Replication `k` always uses seed stream `k` (simulation.kernel.random_streams), so the numbers
do not depend on how many processes ran them or in which order they finished.

Before anything starts, `simulation.experiments.resources.check_run` refuses a run that would not fit
in memory or would never end, and lowers the number of processes to what fits. Worker
processes ignore Ctrl+C (they are started with SIGINT ignored, which survives their
start); the main process takes it, and `worker_pool` then ends every worker at once, so
an interrupted run leaves no process behind (docs/reliability.md).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import queue
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
from scipy import stats

from simulation.kernel.engine import RunResult, simulate
from simulation.experiments.resources import check_run
from simulation.kernel.registry import registry
from simulation.kernel.scenario import Scenario

Progress = Callable[[int, int], None]   # (replication, day just simulated)


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


_progress_queue = None


def _init_worker(progress_queue) -> None:
    global _progress_queue
    _progress_queue = progress_queue
    ignore_interrupts()


def _run_one(scenario: Scenario, replication: int, transactions: bool) -> RunResult:
    report = None
    if _progress_queue is not None:
        report = lambda day: _progress_queue.put((replication, day))  # noqa: E731
    return simulate(scenario, replication, transactions=transactions, on_day=report)


def run_replications(scenario: Scenario, *, replications: int | None = None, jobs: int | None = None,
                     transactions: bool = False, progress: Progress | None = None) -> Replications:
    """Run replications 0..n-1 of `scenario`; in `jobs` processes when more than one.
    When the scenario names a `baseline`, that is run too, with the same seeds."""
    result = _run(scenario, replications, jobs, transactions, progress)
    if scenario.baseline is not None:
        from simulation.storage.loading import load_scenario   # loading imports the schema, not the engine
        base = load_scenario(scenario.baseline).model_copy(
            update={"seed": scenario.seed, "horizon_days": scenario.horizon_days, "baseline": None})
        result.baseline = _run(base, len(result.runs), jobs, False, None)
    return result


def _run(scenario: Scenario, replications: int | None, jobs: int | None, transactions: bool,
         progress: Progress | None) -> Replications:
    count = replications or scenario.replications
    jobs = max(1, min(jobs or os.cpu_count() or 1, count))
    jobs = check_run(scenario, count, jobs, transactions=transactions)   # LimitError if it cannot run at all
    if jobs == 1:
        runs = []
        for k in range(count):
            report = (lambda day, k=k: progress(k, day)) if progress else None
            runs.append(simulate(scenario, k, transactions=transactions, on_day=report))
        return Replications(scenario, runs)
    context = multiprocessing.get_context("spawn")   # same behaviour on every platform
    progress_queue = context.Queue() if progress else None
    drain = _ProgressDrain(progress_queue, progress) if progress else None
    try:
        with worker_pool(jobs, initializer=_init_worker, initargs=(progress_queue,)) as pool:
            with interrupts_held_back():   # the workers start now, and inherit "ignore Ctrl+C"
                futures = [pool.submit(_run_one, scenario, k, transactions) for k in range(count)]
            runs = [future.result() for future in futures]
    finally:
        if drain:
            drain.stop()
    return Replications(scenario, runs)


# --- worker processes that end with the run, whatever ends it ------------------------------


def ignore_interrupts() -> None:
    """In a worker: Ctrl+C is the main process's to handle (it ends the workers)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


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
    waited for, when the block is left by an exception (Ctrl+C, a failed task)."""
    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=initializer, initargs=initargs)
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


class _ProgressDrain(threading.Thread):
    """Forwards workers' (replication, day) reports to the caller's callback."""

    def __init__(self, source, callback: Progress) -> None:
        super().__init__(daemon=True)
        self.source, self.callback, self._stopping = source, callback, threading.Event()
        self.start()

    def run(self) -> None:
        while True:
            try:
                self.callback(*self.source.get(timeout=0.1))
            except queue.Empty:
                if self._stopping.is_set():
                    return

    def stop(self) -> None:
        self._stopping.set()
        self.join()
