"""Run history: every run and compare is recorded whole, and can be listed and shown."""

import json
import sqlite3
from pathlib import Path

import pytest

from growthsim.cli import main
from simulation.storage.history import History, database_path

BASELINE = Path(__file__).parent.parent / "scenarios" / "baseline.yaml"
SMALL = ["--set", "horizon_days=20", "--set", "market.size=20000", "--set", "market.initial_shoppers=2000",
         "--replications", "2", "--jobs", "1"]


def test_the_location_can_be_overridden(tmp_path, monkeypatch):
    monkeypatch.setenv("GROWTHSIM_HISTORY", str(tmp_path / "mine.sqlite"))
    assert database_path() == tmp_path / "mine.sqlite"
    monkeypatch.delenv("GROWTHSIM_HISTORY")
    assert database_path().name == "history.sqlite" and "growthsim" in str(database_path())


def test_run_and_compare_are_recorded_and_shown(capsys):
    assert main(["run", str(BASELINE), *SMALL]) == 0
    assert main(["compare", str(BASELINE), str(BASELINE), *SMALL]) == 0
    records = History().list()
    assert [r.kind for r in records] == ["compare", "run"]
    run = records[1]
    assert run.name == "baseline" and run.seed == 1 and run.replications == 2
    assert "horizon_days: 20" in run.scenarios[0]["yaml"]
    assert run.results["kpis"]["orders"]["mean"] > 0 and run.versions["numpy"]
    capsys.readouterr()
    assert main(["history"]) == 0
    listing = capsys.readouterr().out
    assert "compare" in listing and "run" in listing and "baseline" in listing
    assert main(["history", str(run.id)]) == 0
    shown = capsys.readouterr().out
    assert "orders" in shown and "numpy" in shown
    assert main(["history", "999"]) == 2


def test_a_failed_record_leaves_nothing_behind(tmp_path):
    history = History(tmp_path / "h.sqlite")
    history.record("run", "ok", [], {"kpis": {}})
    with pytest.raises(sqlite3.IntegrityError):
        history.record("not-a-kind", "bad", [], {})      # the CHECK constraint fails inside the transaction
    assert [r.name for r in history.list()] == ["ok"]


def test_bad_input_is_not_recorded(capsys):
    assert main(["run", str(BASELINE), "--set", "horizon_days=0"]) == 2
    assert History().list() == []


def test_nan_kpis_are_stored_as_null(tmp_path):
    history = History(tmp_path / "h.sqlite")
    history.record("run", "x", [], {"kpis": {"clv_365": {"mean": float("nan")}}})
    raw = sqlite3.connect(tmp_path / "h.sqlite").execute("SELECT results FROM records").fetchone()[0]
    assert json.loads(raw) == {"kpis": {"clv_365": {"mean": None}}}


def test_a_limit_or_an_id_beyond_64_bits_is_not_a_crash(capsys):
    """SQLite's integers have 64 bits; larger numbers once crashed `history` (exit 3)."""
    assert main(["run", str(BASELINE), *SMALL]) == 0
    capsys.readouterr()
    assert main(["history", "--limit", str(2**64)]) == 0          # every record, as a large limit gives
    assert "baseline" in capsys.readouterr().out
    assert main(["history", str(2**64)]) == 2
    assert f"no record {2**64}" in capsys.readouterr().err


def test_an_out_folder_whose_name_is_not_utf8_is_recorded_exactly(tmp_path, capsys):
    """Python holds such a name with surrogate escapes, which SQLite's text refuses: the run
    was written, then recording it crashed (exit 3; found by the explore profile)."""
    out = tmp_path / "caf\udce9"   # the bytes caf\xe9, as Python passes them
    assert main(["run", str(BASELINE), *SMALL, "--out", str(out)]) == 0, capsys.readouterr().err
    [record] = History().list()
    assert record.out_dir == str(out.resolve())
    assert main(["report", str(record.id)]) == 0        # the report finds the folder by its recorded name
    assert (out / "report.html").exists()


def _broken(path: Path) -> None:
    path.write_bytes(b"this is not a database " * 100)


@pytest.mark.parametrize("command", [["run", str(BASELINE), *SMALL], ["compare", str(BASELINE), str(BASELINE), *SMALL],
                                     ["sweep", str(BASELINE), "--grid", "seed=1,2", *SMALL]],
                         ids=["run", "compare", "sweep"])
def test_a_broken_history_costs_no_results_only_a_warning(command, tmp_path, monkeypatch, capsys):
    """Issue 15, item 4: the results are written and shown, the exit code says the work
    succeeded, and the warning names the file and the fix."""
    history = tmp_path / "history.sqlite"
    monkeypatch.setenv("GROWTHSIM_HISTORY", str(history))
    _broken(history)
    out = tmp_path / "out"
    assert main([*command, "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "not recorded in the history" in err and str(history) in err and "history --repair" in err
    assert any(out.iterdir())


def test_a_locked_history_is_waited_for_briefly_then_skipped(tmp_path, monkeypatch, capsys):
    from simulation.storage import history as history_module
    path = tmp_path / "history.sqlite"
    monkeypatch.setenv("GROWTHSIM_HISTORY", str(path))
    monkeypatch.setattr(history_module, "LOCK_WAIT_SECONDS", 0.2)
    History().list()   # creates it
    History(path).record("run", "x", [], {})
    holder = sqlite3.connect(path)
    holder.execute("BEGIN EXCLUSIVE")   # another process stuck in a write
    try:
        assert main(["run", str(BASELINE), *SMALL, "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["kpis"]["orders"]["mean"] > 0
    finally:
        holder.close()
    assert [r.name for r in History().list()] == ["x"]


def test_history_repair_sets_a_broken_database_aside_and_starts_anew(tmp_path, monkeypatch, capsys):
    path = tmp_path / "history.sqlite"
    monkeypatch.setenv("GROWTHSIM_HISTORY", str(path))
    _broken(path)
    assert main(["history"]) == 2
    assert "history --repair" in capsys.readouterr().err
    assert main(["history", "--repair"]) == 0
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("history.sqlite.broken-")]
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not a database")
    assert main(["run", str(BASELINE), *SMALL]) == 0 and len(History().list()) == 1
    assert main(["history", "--repair"]) == 0 and "sound" in capsys.readouterr().out


def test_overrides_are_recorded_and_shown_and_the_written_scenario_says_the_replications_run(tmp_path, capsys):
    """Issue 15, item 7: a run made with --set says so in the history; its scenario.yaml
    names the replications that ran, not the scenario's default."""
    out = tmp_path / "run"
    assert main(["run", str(BASELINE), *SMALL, "--out", str(out)]) == 0
    record = History().list()[0]
    assert record.scenarios[0]["overrides"] == ["horizon_days=20", "market.size=20000", "market.initial_shoppers=2000"]
    capsys.readouterr()
    assert main(["history", str(record.id)]) == 0
    assert "with --set horizon_days=20 --set market.size=20000" in capsys.readouterr().out
    assert "replications: 2\n" in (out / "scenario.yaml").read_text()
