"""The runner the app shares with the CLI (simulation/experiments/replicate.py): the
days each replication reports, with their values, from worker processes; a stop that
ends the workers; no worker outliving its parent."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

from simulation.experiments.day_reports import MAX_BATCH_DAYS, DaysSimulated
from simulation.experiments.replicate import Cancelled, run_replications
from simulation.kernel.scenario import Scenario
from tests.tui.processes import alive, children, wait_for

WATCHED = ("cumulative_shoppers", "active_shoppers", "orders", "revenue")
READS_PROC = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
PIPE_BUF = 4096   # what a pipe writes at once on Linux (the least POSIX allows is 512)


def small(**changes) -> Scenario:
    return Scenario.model_validate({"horizon_days": 40, "replications": 3, "seed": 5,
                                    "market": {"size": 20_000, "initial_shoppers": 2_000}, **changes})


def collect(reports: list[DaysSimulated], horizon: int) -> dict[tuple[int, str], np.ndarray]:
    curves: dict[tuple[int, str], np.ndarray] = {}
    for report in reports:
        for name, values in report.values.items():
            curve = curves.setdefault((report.replication, name), np.full(horizon, np.nan))
            curve[report.first_day:report.last_day + 1] = values
    return curves


@pytest.mark.parametrize("jobs", [1, 2])
def test_each_day_is_reported_once_with_the_values_the_run_ends_with(jobs):
    scenario = small()
    days, reports = [], []
    result = run_replications(scenario, jobs=jobs, progress=lambda k, day: days.append((k, day)),
                              watch=WATCHED, on_days=reports.append)
    assert sorted(days) == [(k, day) for k in range(3) for day in range(40)]
    curves = collect(reports, 40)
    for run in result.runs:
        for name in WATCHED:
            np.testing.assert_array_equal(curves[(run.replication, name)], run.daily[name])
    assert all(r.last_day - r.first_day + 1 <= MAX_BATCH_DAYS for r in reports)


def test_a_report_fits_in_one_write_to_a_pipe():
    """So that a worker ended while it sends leaves no half report in the queue."""
    report = DaysSimulated(99, 1000, 1000 + MAX_BATCH_DAYS - 1,
                           {name: np.random.default_rng(0).random(MAX_BATCH_DAYS) for name in WATCHED}, True)
    assert len(pickle.dumps(report)) < PIPE_BUF


def test_the_baseline_reports_its_days_marked_and_progress_counts_only_the_scenario(tmp_path):
    (tmp_path / "base.yaml").write_text("name: base\nhorizon_days: 40\nmarket: {size: 20000, initial_shoppers: 2000}\n")
    scenario = small(baseline=str(tmp_path / "base.yaml"), replications=2)
    days, reports = [], []
    result = run_replications(scenario, jobs=1, progress=lambda k, day: days.append((k, day)),
                              watch=("orders",), on_days=reports.append)
    assert len(days) == 2 * 40
    baseline = [r for r in reports if r.baseline]
    curves = collect(baseline, 40)
    for run in result.baseline.runs:
        np.testing.assert_array_equal(curves[(run.replication, "orders")], run.daily["orders"])


@READS_PROC
@pytest.mark.parametrize("jobs", [1, 2])
def test_stop_abandons_the_run_and_ends_its_workers(jobs):
    scenario = small(horizon_days=3650, replications=4)
    stop, started = threading.Event(), threading.Event()

    def on_days(report: DaysSimulated) -> None:
        started.set()

    def press_stop() -> None:
        started.wait()
        stop.set()

    threading.Thread(target=press_stop, daemon=True).start()
    with pytest.raises(Cancelled):
        run_replications(scenario, jobs=jobs, on_days=on_days, stop=stop)
    assert started.is_set()
    assert children() == []


@READS_PROC
def test_workers_end_when_their_parent_is_killed(tmp_path):
    """A parent killed outright (SIGKILL: no chance to end its workers) leaves none behind."""
    pids_file = tmp_path / "workers"
    script = textwrap.dedent(f"""
        import multiprocessing, pathlib
        from simulation.experiments.replicate import run_replications
        from simulation.kernel.scenario import Scenario

        def on_days(report):
            if report.replication == 1:   # both workers are running
                pids = [p.pid for p in multiprocessing.active_children()]
                pathlib.Path({str(pids_file)!r}).write_text(" ".join(map(str, pids)))

        if __name__ == "__main__":
            scenario = Scenario.model_validate({{"horizon_days": 3650, "replications": 2,
                                                "market": {{"size": 20000, "initial_shoppers": 2000}}}})
            run_replications(scenario, jobs=2, on_days=on_days)
    """)
    (tmp_path / "parent.py").write_text(script)
    parent = subprocess.Popen([sys.executable, str(tmp_path / "parent.py")], cwd=os.getcwd())
    try:
        def started() -> bool:
            assert parent.poll() is None, "the parent ended before its workers started"
            return pids_file.exists() and bool(pids_file.read_text().strip())

        wait_for(started, "the workers to start")
        workers = [int(pid) for pid in pids_file.read_text().split()]
        assert workers
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        wait_for(lambda: not any(alive(pid) for pid in workers), "the orphaned workers to end")
    finally:
        if parent.poll() is None:
            parent.kill()
