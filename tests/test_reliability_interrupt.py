"""Issue 7, item 4: Ctrl+C stops a run, a sweep or a check cleanly: exit code 130, no
traceback, no worker process left, a sweep's finished points stay on disk for --resume,
and a check writes no golden or JUnit file, whole or in part.

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
# serial: real runs of two worker processes each, interrupted while they go.
pytestmark = [pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals"), pytest.mark.serial]


def start(tmp_path: Path, *args: str) -> subprocess.Popen:
    env = dict(os.environ, GROWTHSIM_HISTORY=str(tmp_path / "history.sqlite"))
    return subprocess.Popen([sys.executable, "-m", "growthsim", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, preexec_fn=_as_from_a_shell)


def _as_from_a_shell() -> None:
    """SIGINT as a shell gives it: pytest-xdist's workers ignore it, and an ignored signal
    stays ignored in their children, where Python would then never see a Ctrl+C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def workers(process: subprocess.Popen, count: int, timeout: float = 60) -> list[psutil.Process]:
    """Wait until `count` multiprocessing workers of `process` are running; return every descendant."""
    parent, deadline = psutil.Process(process.pid), time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = parent.children(recursive=True)
        if sum("spawn_main" in " ".join(child.cmdline()) for child in children if child.is_running()) >= count:
            return children
        time.sleep(0.05)
    raise AssertionError(f"{count} workers never started")


def wait_until(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not after {timeout:.0f} s")
        time.sleep(0.02)


def catches_ctrl_c(process: subprocess.Popen) -> bool:
    """Whether the main process handles SIGINT now, rather than holding it back while it
    starts its workers (simulation/experiments/replicate.py: interrupts_held_back, where a
    Ctrl+C is lost). Linux's /proc says; elsewhere, assume so a moment after asking."""
    try:
        status = Path(f"/proc/{process.pid}/status").read_text()
    except FileNotFoundError:
        time.sleep(0.5)
        return True
    fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    return bool(int(fields["SigCgt"], 16) & (1 << (signal.SIGINT - 1)))


def simulating(children: list[psutil.Process], seconds: float = 1.0) -> bool:
    """Whether every worker has used `seconds` of CPU: past its imports, into the run."""
    busy = [c for c in children if "spawn_main" in " ".join(c.cmdline())]
    return all(sum(c.cpu_times()[:2]) >= seconds for c in busy)


def interrupt(process: subprocess.Popen, children: list[psutil.Process], *, whole_group: bool, at_once: bool) -> None:
    """SIGINT to the main process or its whole group: at once (the workers may still be
    importing), or once the workers are simulating. Either way once the main process
    handles Ctrl+C again, so the signal is not lost in the moment it starts its workers."""
    if not at_once:
        wait_until(lambda: simulating(children), "the workers simulating")
    wait_until(lambda: catches_ctrl_c(process), "the main process handling Ctrl+C")
    if whole_group:
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGINT)


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
    # Long enough (seconds of simulating per worker) to be interrupted while it goes.
    process = start(tmp_path, "run", str(BASELINE), "--set", "market.initial_shoppers=200000",
                    "--replications", "8", "--jobs", "2", "--out", str(tmp_path / "out"))
    children = workers(process, 2)
    interrupt(process, children, whole_group=whole_group, at_once=whole_group)   # the group: while workers import
    assert "interrupted" in stopped(process, children)
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".out*"))   # nothing half-written


def test_ctrl_c_stops_a_sweep_that_resume_then_finishes_keeping_its_points(tmp_path):
    out = tmp_path / "sweep"
    args = ["sweep", str(BASELINE), "--grid", "strategies.service_quality.agents=1,2,3,4",
            "--set", "horizon_days=30", "--set", "market.initial_shoppers=30000", "--replications", "1",
            "--jobs", "2", "--out", str(out)]
    process = start(tmp_path, *args)
    children = workers(process, 2)
    wait_until(lambda: list((out / "points").glob("point-*.json")), "a finished point")
    wait_until(lambda: catches_ctrl_c(process), "the main process handling Ctrl+C")
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


# --- growthsim check -------------------------------------------------------------------------

SLOW = "name: {name}\nseed: {seed}\nhorizon_days: 365\nreplications: 3\nmarket:\n  size: 2000000\n  initial_shoppers: 100000\n"
QUICK = "name: {name}\nseed: {seed}\nhorizon_days: 30\nreplications: 2\nmarket:\n  size: 20000\n  initial_shoppers: 2000\n"


def scenarios(folder: Path, text: str) -> Path:
    """Two scenarios with seeds of their own (so six runs, not three shared), for `check`."""
    folder.mkdir(exist_ok=True)
    for name, seed in (("a", 1), ("b", 2)):
        (folder / f"{name}.yaml").write_text(text.format(name=name, seed=seed))
    return folder


def files(folder: Path) -> dict[str, bytes]:
    """Every file in the folder, hidden ones (write_atomically's temporaries) included."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize("whole_group", [False, True], ids=["main-process", "process-group"])
def test_ctrl_c_stops_a_check_writing_no_golden_and_no_junit(tmp_path, whole_group):
    folder = scenarios(tmp_path / "scenarios", SLOW)
    junit = tmp_path / "reports" / "check.xml"
    process = start(tmp_path, "check", str(folder), "--update", "--junit", str(junit), "--jobs", "2")
    children = workers(process, 2)
    # The group case at once: while the workers import (a worker that did not ignore
    # Ctrl+C from its first instruction printed a traceback then).
    interrupt(process, children, whole_group=whole_group, at_once=whole_group)
    assert "interrupted" in stopped(process, children)
    assert sorted(files(folder)) == ["a.yaml", "b.yaml"]           # no golden, whole or in part
    assert not junit.exists() and not (junit.parent.exists() and list(junit.parent.iterdir()))


def test_ctrl_c_during_check_update_leaves_the_old_goldens_and_junit_as_they_were(tmp_path):
    folder = scenarios(tmp_path / "scenarios", QUICK)
    junit = tmp_path / "check.xml"
    first = start(tmp_path, "check", str(folder), "--update", "--junit", str(junit), "--jobs", "1")
    _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    before, junit_before = files(folder), junit.read_bytes()
    assert {"a.golden.json", "b.golden.json"} <= set(before)

    scenarios(folder, SLOW)                  # the scenarios change: --update would rewrite both goldens
    before = files(folder)
    process = start(tmp_path, "check", str(folder), "--update", "--junit", str(junit), "--jobs", "2")
    children = workers(process, 2)
    interrupt(process, children, whole_group=True, at_once=False)   # Ctrl+C in a terminal: the whole group
    assert "interrupted" in stopped(process, children)
    assert files(folder) == before           # the old goldens, byte for byte, and no temporary beside them
    assert junit.read_bytes() == junit_before and [p.name for p in tmp_path.glob(".check.xml*")] == []


SWEEP = ["sweep", str(BASELINE), "--grid", "strategies.service_quality.agents=1,2,3,4,5,6", "--set", "horizon_days=300",
         "--replications", "2", "--jobs", "2"]
RUN = ["run", str(BASELINE), "--set", "horizon_days=300", "--replications", "6", "--jobs", "2"]


@pytest.mark.parametrize("command, signal_number, at_once", [
    (SWEEP, signal.SIGKILL, False), (SWEEP, signal.SIGTERM, False), (SWEEP, signal.SIGHUP, False),
    (RUN, signal.SIGKILL, False), (RUN, signal.SIGKILL, True),
], ids=["sweep-KILL", "sweep-TERM", "sweep-HUP", "run-KILL", "run-KILL-while-workers-import"])
def test_workers_end_within_seconds_when_their_parent_is_killed(tmp_path, command, signal_number, at_once):
    """Issue 15, item 3: a killed parent leaves no worker behind, idle or busy, or still
    importing its modules when the parent dies (each watches the pid its parent gave it:
    simulation/experiments/replicate.py, watch_parent)."""
    out = ["--out", str(tmp_path / "out")] if command[0] == "sweep" else []
    process = start(tmp_path, *command, *out)
    children = workers(process, 2)
    if not at_once:
        wait_until(lambda: simulating(children), "the workers simulating")
    os.kill(process.pid, signal_number)
    process.communicate(timeout=30)
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, [p.cmdline() for p in alive]
