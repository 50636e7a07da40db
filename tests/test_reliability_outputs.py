"""Issue 7, item 3: a run killed at any moment leaves either the previous files or the
new ones, never a torn file or a mix of two runs, and the history stays readable.

Two kinds of test: a writer that dies after exactly k files (and in the middle of
file k), for every k, on both ways of putting a folder in place; and real `growthsim
run` processes killed with SIGKILL at random moments, mostly while they write."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from growthsim.cli import main
from simulation.storage import outputs
from simulation.storage.history import History
from simulation.storage.loading import resolved_yaml
from simulation.storage.outputs import OUTPUT_FILES, check_output_folder, read_csv, write_run
from simulation.experiments.replicate import run_replications
from tests.conftest import scenario

BASELINE = Path(__file__).parent.parent / "scenarios" / "baseline.yaml"
needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="dies in a forked child")


def check_run_folder(folder: Path) -> str:
    """Every file parses and all belong to one run; returns that run's name."""
    names = {p.name for p in folder.iterdir()}
    assert names <= OUTPUT_FILES and {"summary.json", "timeseries.csv", "scenario.yaml"} <= names, names
    summary = json.loads((folder / "summary.json").read_text())
    resolved = YAML(typ="safe").load((folder / "scenario.yaml").read_text())
    assert (resolved["name"], resolved["seed"]) == (summary["scenario"], summary["seed"])
    days = read_csv(folder / "timeseries.csv")
    assert len(days) == summary["replications"] * summary["horizon_days"]
    orders = sum(float(day["orders"]) for day in days)
    assert orders == pytest.approx(summary["kpis"]["orders"]["mean"] * summary["replications"])
    read_csv(folder / "cohorts.csv")
    read_csv(folder / "growth_accounting.csv")
    if "transactions.csv" in names:
        assert len(read_csv(folder / "transactions.csv")) == round(orders)
        shoppers = read_csv(folder / "shoppers.csv")
        assert sum(int(s["orders"]) for s in shoppers) == round(orders)
    return summary["scenario"]


# --- a writer that dies after k files ---------------------------------------------------------


@pytest.fixture(scope="module")
def two_results():
    small = scenario(horizon_days=12, market={"size": 3000, "initial_shoppers": 300})
    return [run_replications(small.model_copy(update={"name": name, "seed": seed}), replications=2, jobs=1,
                             transactions=True)
            for name, seed in (("old", 1), ("new", 2))]


def die_writing(result, out: Path, files_before_death: int, exchange: bool) -> int:
    """In a forked child: write `result` to `out` and die (os._exit) in the middle of file
    number `files_before_death`; returns the child's exit status."""
    pid = os.fork()
    if pid == 0:   # the child: no cleanup, no flush, as SIGKILL would
        try:
            written = [0]
            original = outputs.write_atomically

            def dying(path, text_writer):
                if written[0] == files_before_death:
                    def half(handle):
                        handle.write("replication,day\n0,")
                        handle.flush()
                        os._exit(9)
                    return original(path, half)
                written[0] += 1
                return original(path, text_writer)

            outputs.write_atomically = dying
            if not exchange:
                outputs._exchange = lambda a, b: False
            write_run(result, out, scenario_yaml=resolved_yaml(result.scenario))
            os._exit(0)
        except BaseException:
            os._exit(3)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


@needs_fork
@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_a_writer_dying_after_any_number_of_files_leaves_the_old_run_whole(tmp_path, two_results, exchange):
    old, new = two_results
    out = tmp_path / "out"
    write_run(old, out, scenario_yaml=resolved_yaml(old.scenario))
    files = len(list(out.iterdir()))
    for k in range(files + 1):
        status = die_writing(new, out, k, exchange)
        if k < files:
            assert status == 9
            assert check_run_folder(out) == "old", f"after dying in file {k}"
        else:
            assert status == 0 and check_run_folder(out) == "new"
            write_run(old, out, scenario_yaml=resolved_yaml(old.scenario))
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "out"]
    assert all(name.startswith(".out.growthsim-new-") for name in leftovers)   # hidden, and cleaned up later


@needs_fork
def test_dying_between_the_two_renames_is_undone_by_the_next_write(tmp_path, two_results):
    """Without renameat2 the old folder is renamed aside, then the new one into place:
    a death in between leaves no `out` for a moment, and the next write puts it back."""
    old, new = two_results
    out = tmp_path / "out"
    write_run(old, out, scenario_yaml=resolved_yaml(old.scenario))
    pid = os.fork()
    if pid == 0:
        try:
            outputs._exchange = lambda a, b: False
            renames = []
            real_rename = os.rename

            def rename(source, target):
                renames.append(target)
                if len(renames) == 2:
                    os._exit(9)
                real_rename(source, target)

            outputs.os.rename = rename
            write_run(new, out, scenario_yaml=resolved_yaml(new.scenario))
        finally:
            os._exit(3)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 9
    assert not out.exists()
    outputs._recover(out)   # what the next write to `out` does first
    assert check_run_folder(out) == "old"
    write_run(new, out, scenario_yaml=resolved_yaml(new.scenario))
    assert check_run_folder(out) == "new"
    # What the killed writer had written is left hidden (removed by a later write after an hour).
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".out.growthsim-new-")] == ["out"]


def test_a_folder_growthsim_did_not_write_is_refused_before_the_run(tmp_path, capsys, monkeypatch):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.md").write_text("my notes\n")
    small = ["--set", "horizon_days=5", "--set", "market.size=1000", "--set", "market.initial_shoppers=100"]
    assert main(["run", str(BASELINE), *small, "--replications", "1", "--out", str(mine)]) == 2
    assert "notes.md" in capsys.readouterr().err
    assert [p.name for p in mine.iterdir()] == ["notes.md"]
    assert History().list() == []   # refused before it ran
    (tmp_path / "file").write_text("x")
    with pytest.raises(outputs.OutputError, match="not a folder"):
        check_output_folder(tmp_path / "file")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(outputs.OutputError, match="current folder"):
        check_output_folder(Path("."))


def test_a_failed_write_keeps_the_old_files_and_still_shows_and_records_the_run(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    small = ["--set", "horizon_days=5", "--set", "market.size=1000", "--set", "market.initial_shoppers=100",
             "--replications", "1"]
    assert main(["run", str(BASELINE), *small, "--set", "name=first", "--out", str(out)]) == 0
    original = outputs.write_atomically

    def disk_full(path, writer):
        if path.name == "cohorts.csv":
            raise OSError(28, "No space left on device")
        original(path, writer)

    monkeypatch.setattr(outputs, "write_atomically", disk_full)
    capsys.readouterr()
    assert main(["run", str(BASELINE), *small, "--set", "name=second", "--out", str(out)]) == 3
    captured = capsys.readouterr()
    assert "No space left on device" in captured.err and "unchanged" in captured.err
    assert "Traceback" not in captured.err and "orders" in captured.out   # the KPIs are shown all the same
    assert check_run_folder(out) == "first"
    assert [r.name for r in History().list()] == ["second", "first"]


# --- history -----------------------------------------------------------------------------------


@needs_fork
def test_history_survives_a_process_dying_inside_its_transaction(tmp_path):
    history = History(tmp_path / "h.sqlite")
    history.record("run", "kept", [], {"kpis": {}})
    pid = os.fork()
    if pid == 0:
        connection = history._connect()
        connection.execute("BEGIN")
        connection.execute("INSERT INTO records (kind, created, name, scenarios, versions, results)"
                           " VALUES ('run', 'now', 'torn', '[', '{', '{')")
        os._exit(9)   # dies before COMMIT
    os.waitpid(pid, 0)
    assert [r.name for r in history.list()] == ["kept"]
    with sqlite3.connect(history.path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    history.record("run", "after", [], {"kpis": {}})
    assert [r.name for r in history.list()] == ["after", "kept"]


# --- real processes, killed at random moments ----------------------------------------------------


@pytest.mark.serial   # real runs, killed with SIGKILL at moments drawn from a seeded random.Random
def test_runs_killed_at_random_moments_leave_one_whole_run_and_a_readable_history(tmp_path):
    out, database = tmp_path / "out", tmp_path / "history.sqlite"
    env = dict(os.environ, GROWTHSIM_HISTORY=str(database))
    # Writing takes a good part of the run: every shopper and order goes to a CSV.
    args = [sys.executable, "-m", "growthsim", "run", str(BASELINE), "--set", "horizon_days=20",
            "--set", "market.size=60000", "--set", "market.initial_shoppers=60000", "--replications", "2",
            "--jobs", "1", "--transactions", "--out", str(out), "--json"]
    done = subprocess.run([*args, "--set", "name=run0"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert check_run_folder(out) == "run0"
    rng = random.Random(7)
    finished = {"run0"}
    for attempt in range(1, 5):
        process = subprocess.Popen([*args, "--set", f"name=run{attempt}", "--seed", str(attempt)], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # Half the kills while the files are written (a new hidden folder exists), half anywhere.
        started = time.monotonic()
        if attempt % 2:
            while not list(tmp_path.glob(".out.growthsim-new-*")) and process.poll() is None \
                    and time.monotonic() - started < 60:
                time.sleep(0.002)
            time.sleep(rng.uniform(0, 0.4))
        else:
            time.sleep(rng.uniform(0.5, 3.0))
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        process.stderr.close()
        if process.returncode == 0:
            finished.add(f"run{attempt}")
        assert check_run_folder(out) in finished   # the previous run whole, or the one just finished
        records = History(database).list()
        assert {r.name for r in records} <= finished
        for record in records:
            assert "orders" in record.results["kpis"]
        with sqlite3.connect(database) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
