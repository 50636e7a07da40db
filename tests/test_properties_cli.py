"""Issue 7, item 2, for the command line: generated arguments (commands, options with
good and bad values, files that are fine, broken, missing or folders, --out folders of
every kind). `growthsim` ends with 0, 1, 2 or argparse's usage error -- never a crash
(exit 3), never a traceback. Simulations are tiny and run in this process."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from growthsim import sweep_command
from growthsim.arguments import EXIT_OK
from growthsim.cli import main
from tui import commands as app_command
from simulation.experiments import replicate
from simulation.experiments.sweep import InlineExecutor

TINY = "name: tiny\nhorizon_days: 4\nreplications: 2\nmarket:\n  size: 300\n  initial_shoppers: 30\n"
FILES = {"tiny.yaml": TINY, "other.yaml": "extends: tiny.yaml\nname: other\nseed: 3\n",
         "bad.yaml": "market:\n  size: lots\n", "torn.yaml": "market: {size: [\n", "empty.yaml": ""}
PATHS = [*FILES, "missing.yaml", "folder", "folder/", "notes.txt", ".", "-", "tiny.yaml/x"]

# What a shell can pass: no NUL; undecodable bytes arrive as lone surrogates; names too long for the system.
text = (st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=8)
        | st.sampled_from(["caf\udce9.yaml", "x" * 300, "a/" * 200, "~", "*", "-x", "--", "--set="]))
numbers = st.integers(-3, 4).map(str) | st.sampled_from(["", "x", "1e3", "0x10", "-0", " 2", "99999999999999999999"])
settings_ = st.sampled_from(["horizon_days=3", "seed=2", "market.size=-1", "horizon_days=0", "name=x/y",
                             "strategies.service_quality.agnets=2", "behavior.purchase_rate.rate=1e-9",
                             "feedback.strength=.inf", "calendar=[]", "=", "seed"]) | text
outs = st.sampled_from(["out", "out/nested", "folder", "notes.txt", ".", "tiny.yaml", "fresh"]) | text
ids = st.integers(-2, 5).map(str) | text


def option(name: str, values: st.SearchStrategy) -> st.SearchStrategy:
    return st.tuples(st.just(name), values).map(list)


OPTIONS = {
    "run": [option("--set", settings_), option("--replications", numbers), option("--seed", numbers),
            option("--jobs", numbers), option("--out", outs), st.just(["--transactions"]), st.just(["--json"])],
    "compare": [option("--set", settings_), option("--replications", numbers), option("--seed", numbers),
                option("--jobs", numbers), option("--out", outs), st.just(["--json"])],
    "sweep": [option("--grid", st.sampled_from(["seed=1,2", "strategies.service_quality.agents=1,x", "seed=", "=1",
                                                "horizon_days=0,2"]) | text),
              option("--lhs", st.sampled_from(["seed=1:3", "feedback.strength=0:1", "seed=3:1", "seed=a:b"]) | text),
              option("--points", numbers), option("--set", settings_), option("--replications", numbers),
              option("--jobs", numbers), option("--out", outs), st.just(["--resume"]),
              option("--executor", st.sampled_from(["processes", "dask", "threads"]))],
    "validate": [], "schema": [], "history": [option("--limit", numbers)], "report": [option("--out", outs)],
}
POSITIONAL = {"run": 1, "compare": 2, "sweep": 1, "validate": 2, "schema": 0, "history": 0, "report": 1}


@st.composite
def command_lines(draw) -> list[str]:
    """Mostly well-formed (a command, its files, its options with values good or bad), some chaos."""
    well_formed = draw(st.integers(0, 3)) > 0
    command = draw(st.sampled_from(list(OPTIONS)) if well_formed else st.sampled_from(list(OPTIONS)) | text)
    argv = [command]
    files = st.sampled_from(["tiny.yaml", "other.yaml"]) if well_formed and draw(st.booleans()) else \
        st.sampled_from(PATHS) | (ids if command in ("history", "report") else text)
    count = POSITIONAL.get(command, 1)
    for _ in range(count if well_formed else draw(st.integers(0, count + 1))):
        argv.append(draw(files))
    choices = OPTIONS.get(command, [])
    for _ in range(draw(st.integers(0, 4))):
        argv += draw(draw(st.sampled_from(choices))) if choices and (well_formed or draw(st.booleans())) \
            else [draw(text)]
    if draw(st.integers(0, 30)) == 0:
        argv.append("--help")
    return argv


@pytest.fixture
def workplace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name, content in FILES.items():
        Path(name).write_text(content)
    Path("folder").mkdir()
    (Path("folder") / "x.yaml").write_text(TINY)
    Path("notes.txt").write_text("mine\n")
    # Everything in this process, whatever --jobs says: processes and Dask prove nothing here.
    original = replicate._run
    monkeypatch.setattr(replicate, "_run", lambda sc, reps, jobs, tx, progress: original(sc, reps, 1, tx, progress))
    monkeypatch.setattr(sweep_command, "ProcessExecutor", lambda jobs=None: InlineExecutor())
    monkeypatch.setattr(sweep_command, "DaskExecutor", lambda scheduler=None, jobs=None: InlineExecutor())
    # A command line that names an existing folder (or `.`, or nothing) opens the app,
    # which would take over the terminal and wait for keys: stand in for it.
    monkeypatch.setattr(app_command, "command_app", lambda args: EXIT_OK)
    monkeypatch.setattr(app_command, "command_serve", lambda args: EXIT_OK)
    return tmp_path


# As many examples as the Hypothesis profile says (tests/conftest.py: a fixed set, or
# thousands of new ones with --hypothesis-profile=explore).
@settings(deadline=None, suppress_health_check=list(HealthCheck))
@given(argv=command_lines())
# Found by the explore profile: a seed beyond 64 bits crashed (exit 3) when the history
# recorded it (tests/test_cli.py::test_a_seed_beyond_64_bits_runs_and_is_recorded_exactly).
@example(argv=["compare", "tiny.yaml", "other.yaml", "--seed", "99999999999999999999"])
@example(argv=["run", "tiny.yaml", "--set", "seed=99999999999999999999"])
# Found by the explore profile: numbers beyond SQLite's 64 bits as a history limit or id
# (tests/test_history.py::test_a_limit_or_an_id_beyond_64_bits_is_not_a_crash).
@example(argv=["history", "--limit", "99999999999999999999"])
@example(argv=["history", "99999999999999999999"])
@example(argv=["run", "tiny.yaml", "--out", "caf\udce9.yaml"])   # tests/test_history.py: not UTF-8
@example(argv=[""])   # once the app on the current folder (Path("") is "."), waiting for keys
def test_no_command_line_crashes_or_prints_a_traceback(argv, workplace, capsys):
    try:
        code = main(argv)
    except SystemExit as exit:   # argparse: --help (0) or a usage error (2)
        code = exit.code
        assert code in (0, 2)
    captured = capsys.readouterr()
    event(f"{argv[0] if argv[0] in OPTIONS else '?'}: exit {code}")
    assert "Traceback" not in captured.err + captured.out
    assert code in (0, 1, 2), (argv, captured.err)
    assert "growthsim failed" not in captured.err
