"""Issue 7, item 4: Ctrl+C stops a run or a sweep cleanly: exit code 130, no traceback,
no worker process left, and a sweep's finished points stay on disk for --resume.

Real `growthsim` processes: SIGINT to the main process alone (as `kill -INT` does), and
to the whole process group (as a terminal's Ctrl+C does, workers included)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

BASELINE = Path(__file__).parent.parent / "scenarios" / "baseline.yaml"
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def start(tmp_path: Path, *args: str) -> subprocess.Popen:
    env = dict(os.environ, GROWTHSIM_HISTORY=str(tmp_path / "history.sqlite"))
    return subprocess.Popen([sys.executable, "-m", "growthsim", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def workers(process: subprocess.Popen, count: int, timeout: float = 60) -> list[psutil.Process]:
    """Wait until `count` multiprocessing workers of `process` are running; return every descendant."""
    parent, deadline = psutil.Process(process.pid), time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = parent.children(recursive=True)
        if sum("spawn_main" in " ".join(child.cmdline()) for child in children if child.is_running()) >= count:
            return children
        time.sleep(0.05)
    raise AssertionError(f"{count} workers never started")


def stopped(process: subprocess.Popen, children: list[psutil.Process]) -> str:
    """Wait for the end; check the exit code, the message and that no worker is left."""
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, [p.cmdline() for p in alive]
    return err


@pytest.mark.parametrize("whole_group", [False, True], ids=["main-process", "process-group"])
def test_ctrl_c_stops_a_parallel_run_and_its_workers(tmp_path, whole_group):
    process = start(tmp_path, "run", str(BASELINE), "--set", "market.initial_shoppers=100000",
                    "--replications", "4", "--jobs", "2", "--out", str(tmp_path / "out"))
    children = workers(process, 2)
    time.sleep(0.5 if whole_group else 1.5)   # the group case: while workers may still be importing
    if whole_group:
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGINT)
    assert "interrupted" in stopped(process, children)
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".out*"))   # nothing half-written


def test_ctrl_c_stops_a_sweep_that_resume_then_finishes_keeping_its_points(tmp_path):
    out = tmp_path / "sweep"
    args = ["sweep", str(BASELINE), "--grid", "strategies.service_quality.agents=1,2,3,4",
            "--set", "horizon_days=30", "--set", "market.initial_shoppers=30000", "--replications", "1",
            "--jobs", "2", "--out", str(out)]
    process = start(tmp_path, *args)
    children = workers(process, 2)
    deadline = time.monotonic() + 60
    while not list((out / "points").glob("point-*.json")) and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGINT)
    err = stopped(process, children)
    assert "--resume" in err
    kept = {p.name: p.stat().st_mtime_ns for p in (out / "points").glob("point-*.json")}
    assert 1 <= len(kept) < 4
    assert "not run" in (out / "sweep.csv").read_text()   # what is done, and what is not

    again = start(tmp_path, *args, "--resume")
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    done = {p.name: p.stat().st_mtime_ns for p in (out / "points").glob("point-*.json")}
    assert len(done) == 4 and all(done[name] == kept[name] for name in kept)   # finished points were not rerun
    assert "not run" not in (out / "sweep.csv").read_text()
