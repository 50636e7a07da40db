"""The command-line contract of README.md (Commands): outputs, determinism, bad input."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from growthsim.cli import main
from simulation.storage.history import History
from simulation.storage.outputs import read_csv
from simulation.kernel.metrics import KPI_NAMES

SMALL = ["--set", "horizon_days=40", "--set", "market.size=20000", "--set", "market.initial_shoppers=2000"]
BASELINE = Path(__file__).parent.parent / "scenarios" / "baseline.yaml"


def run(*args: str) -> int:
    return main([str(a) for a in args])


def test_run_writes_the_files_of_the_contract(tmp_path, capsys):
    out = tmp_path / "out"
    assert run("run", BASELINE, *SMALL, "--replications", 3, "--jobs", 1, "--out", out, "--transactions") == 0
    assert {p.name for p in out.iterdir()} == {"summary.json", "timeseries.csv", "cohorts.csv",
                                               "growth_accounting.csv", "scenario.yaml",
                                               "transactions.csv", "shoppers.csv"}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"] == "baseline" and summary["replications"] == 3 and summary["seed"] == 1
    assert set(KPI_NAMES) <= set(summary["kpis"])
    orders = summary["kpis"]["orders"]
    assert orders["ci_low"] < orders["mean"] < orders["ci_high"]
    days = read_csv(out / "timeseries.csv")
    header = list(days[0])
    for column in ("replication", "day", "new_shoppers", "cumulative_shoppers", "active_shoppers", "orders",
                   "gmv", "revenue", "churned", "tickets", "service_wait_mean_min", "on_time_rate", "nps"):
        assert column in header
    assert len(days) == 3 * 40
    tx = read_csv(out / "transactions.csv")
    assert list(tx[0]) == ["replication", "shopper_id", "day", "value"]
    assert len(tx) == round(3 * orders["mean"])
    assert list(read_csv(out / "shoppers.csv")[0])[:3] == ["replication", "shopper_id", "join_day"]
    assert "orders" in capsys.readouterr().out


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.serial   # two worker processes
def test_same_seed_same_bytes_whatever_the_number_of_processes(tmp_path):
    args = ("run", BASELINE, *SMALL, "--replications", 3, "--transactions")
    assert run(*args, "--jobs", 1, "--out", tmp_path / "a") == 0
    assert run(*args, "--jobs", 2, "--out", tmp_path / "b") == 0
    assert run(*args, "--jobs", 1, "--seed", 2, "--out", tmp_path / "c") == 0
    assert outputs(tmp_path / "a") == outputs(tmp_path / "b")
    assert outputs(tmp_path / "a")["timeseries.csv"] != outputs(tmp_path / "c")["timeseries.csv"]


def test_extends_and_set_reach_the_simulation(tmp_path):
    child = tmp_path / "more_agents.yaml"
    child.write_text(f"extends: {BASELINE}\nname: more_agents\nstrategies:\n  service_quality:\n    agents: 7\n")
    out = tmp_path / "out"
    assert run("run", child, *SMALL, "--set", "seed=5", "--replications", 2, "--jobs", 1, "--out", out) == 0
    resolved = (out / "scenario.yaml").read_text()
    assert "agents: 7" in resolved and "seed: 5" in resolved and "horizon_days: 40" in resolved
    assert json.loads((out / "summary.json").read_text())["scenario"] == "more_agents"


@pytest.mark.parametrize("bad, where", [
    (["--set", "behavior.dropout.a=-1"], "behavior.dropout.a"),
    (["--set", "strategies.service_quality.agnets=3"], "did you mean 'agents'"),
    (["--set", "horizon_days=0"], "horizon_days"),
])
def test_bad_input_exits_2_names_the_key_and_writes_nothing(tmp_path, capsys, bad, where):
    out = tmp_path / "out"
    assert run("run", BASELINE, *bad, "--out", out) == 2
    error = capsys.readouterr().err
    assert where in error and "--set" in error and "Traceback" not in error
    assert not out.exists()


def test_a_bad_file_is_named_with_its_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: ../nowhere.yaml\n")
    assert run("run", bad) == 2
    assert "bad.yaml:1" in capsys.readouterr().err
    bad.write_text("market:\n  size: lots\n")
    assert run("validate", BASELINE, bad) == 2
    captured = capsys.readouterr()
    assert "baseline.yaml: ok" in captured.out and "bad.yaml:2:3: market.size" in captured.err


def test_bad_arguments_exit_2():
    with pytest.raises(SystemExit) as stop:
        main(["run", str(BASELINE), "--replications", "0"])
    assert stop.value.code == 2


# ASCII ids: pytest-xdist sends test ids to its workers as UTF-8, which a lone surrogate is not.
@pytest.mark.parametrize("name, shown", [
    ("caf\udce9.yaml", "caf\\udce9.yaml"),   # how Python passes a name whose bytes are not UTF-8
    ("x" * 300, "x" * 60),                     # longer than any file system takes
], ids=["not-utf8", "too-long"])
def test_file_names_no_file_system_or_terminal_takes_are_bad_input(name, shown, tmp_path, capsys):
    assert run("run", name, "--out", tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {shown}") and "Traceback" not in err
    assert not (tmp_path / "out").exists()
    try:                                          # `growthsim NAME`: an unknown command or the app's folder
        code = run(name)
    except SystemExit as usage_error:
        code = usage_error.code
    err = capsys.readouterr().err
    assert code == 2 and shown in err and "Traceback" not in err


def test_validate_accepts_the_bundled_scenarios():
    scenarios = sorted((Path(__file__).parent.parent / "scenarios").glob("*.yaml"))
    assert scenarios and run("validate", *scenarios) == 0


def test_schema_is_json_schema_of_the_scenario(capsys):
    assert run("schema") == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["additionalProperties"] is False
    assert {"horizon_days", "market", "behavior", "strategies"} <= set(schema["properties"])


def test_the_console_command_runs_headless(tmp_path):
    """As CI calls it: a real process, no terminal."""
    done = subprocess.run([sys.executable, "-m", "growthsim", "run", str(BASELINE), *SMALL,
                           "--replications", "2", "--json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["replications"] == 2


# --- seeds of any size ------------------------------------------------------------------------
# A seed is any whole number >= 0, as the scenario's `seed:` key says and numpy's SeedSequence
# takes; one beyond 64 bits once crashed (exit 3) when the run was recorded in the history.

BIG_SEED = 2**64


@pytest.mark.parametrize("command", [
    ["run", "--seed", str(BIG_SEED)],
    ["run", "--set", f"seed={BIG_SEED}"],
    ["compare", "SECOND", "--seed", str(BIG_SEED)],
    ["sweep", "--grid", f"seed={BIG_SEED},1"],
], ids=["run-seed", "run-set-seed", "compare-seed", "sweep-grid-seed"])
def test_a_seed_beyond_64_bits_runs_and_is_recorded_exactly(command, tmp_path, capsys):
    name, *options = command
    options = [str(BASELINE) if option == "SECOND" else option for option in options]
    tiny = ["--set", "horizon_days=5", "--set", "market.size=2000", "--set", "market.initial_shoppers=200",
            "--replications", "2", "--jobs", "1"]
    extra = ["--out", tmp_path / "sweep"] if name == "sweep" else []
    assert run(name, BASELINE, *options, *tiny, *extra) == 0, capsys.readouterr().err
    [record] = History().list()
    assert record.seed == (1 if name == "sweep" else BIG_SEED)   # a sweep records its base scenario's
    assert str(BIG_SEED) in capsys.readouterr().out


def test_a_seed_beyond_64_bits_in_a_scenario_file_gives_its_own_numbers(tmp_path, capsys):
    (tmp_path / "big.yaml").write_text(f"extends: {BASELINE}\nseed: {BIG_SEED}\n")
    tiny = ["--set", "horizon_days=5", "--set", "market.size=2000", "--set", "market.initial_shoppers=200",
            "--replications", "2", "--jobs", "1", "--json"]
    assert run("run", tmp_path / "big.yaml", *tiny) == 0
    big = json.loads(capsys.readouterr().out)
    assert run("run", tmp_path / "big.yaml", *tiny, "--seed", 0) == 0
    zero = json.loads(capsys.readouterr().out)
    assert big["seed"] == BIG_SEED and zero["seed"] == 0 and big["kpis"] != zero["kpis"]
    assert [r.seed for r in History().list()] == [0, BIG_SEED]


def test_a_crash_report_goes_where_growthsim_crash_reports_says(tmp_path, monkeypatch, capsys):
    from growthsim import cli

    def broken(args):
        raise RuntimeError("a bug")
    monkeypatch.setitem(cli.COMMANDS, "schema", broken)
    monkeypatch.setenv("GROWTHSIM_CRASH_REPORTS", str(tmp_path / "reports"))
    assert run("schema") == 3
    err = capsys.readouterr().err
    [report] = (tmp_path / "reports").glob("growthsim-crash-*.txt")
    assert "RuntimeError: a bug" in err and report.name in err.replace("\n", "")
    assert "RuntimeError: a bug" in report.read_text() and "Traceback" not in err


def test_the_app_without_a_terminal_is_refused_not_opened(capsys, monkeypatch):
    """In a script or a test, the full-screen app would wait for keys that never come."""
    monkeypatch.delenv("TEXTUAL_DRIVER", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    for argv in (["app"], [], [str(BASELINE.parent)]):
        assert run(*argv) == 2
        assert "the app needs a terminal" in capsys.readouterr().err


def test_an_empty_argument_is_no_folder_of_scenarios(capsys):
    with pytest.raises(SystemExit) as stop:   # not the app on the current folder, which Path("") is
        run("")
    assert stop.value.code == 2 and "invalid choice: ''" in capsys.readouterr().err


def test_piped_tables_are_tab_separated_not_wrapped_or_cut(capsys):
    """Issue 15, item 10: standard output that is not a terminal gets a header line and a
    tab-separated row per KPI, whole (no box drawing, no cell cut at 80 columns)."""
    assert main(["run", str(BASELINE), "--set", "horizon_days=10", "--replications", "2", "--jobs", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("# baseline") and lines[1] == "KPI\tmean\t95 % CI"
    rows = [line.split("\t") for line in lines[2:]]
    assert all(len(row) == 3 for row in rows) and "orders" in [row[0] for row in rows]
    assert not any(ch in "".join(lines) for ch in "│┃━")


def test_history_json_and_a_closed_pipe(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GROWTHSIM_HISTORY", str(tmp_path / "h.sqlite"))
    assert main(["run", str(BASELINE), "--set", "horizon_days=10", "--replications", "2", "--jobs", "1"]) == 0
    capsys.readouterr()
    assert main(["history", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert records[0]["kind"] == "run" and records[0]["results"]["kpis"]["orders"]["mean"] > 0
    # `growthsim history --json | head -1`: the reader leaving early (more than a pipe's 64 KiB
    # still to write) is no crash.
    for _ in range(3):
        History(tmp_path / "h.sqlite").record("run", "big", [{"path": "p", "yaml": "x" * 100_000}], {})
    shell = subprocess.run(f"{sys.executable} -m growthsim history --json | head -1", shell=True, capture_output=True,
                           text=True, env={**os.environ, "GROWTHSIM_HISTORY": str(tmp_path / "h.sqlite")})
    assert shell.stdout == "[\n" and "Traceback" not in shell.stderr and "failed" not in shell.stderr
