"""Issue 7, item 2, and issue 15, item 5, for the command line: generated arguments
(commands, options with good and bad values, files that are fine, broken, missing or
folders, --out folders of every kind, --force, --json, --repair, sweeps resumed, reports
written elsewhere, calibrations of small generated order exports) and generated scenario
files (policies with odd values, repeated keys, huge or NaN numbers, control characters in
names). `growthsim` ends with 0, 1, 2 or argparse's usage error -- never a crash (exit 3),
never a traceback. Simulations are tiny and run in this process."""

from __future__ import annotations

import os
import shutil
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
# Written anew for each example from what generated_files draws (odd scenarios, order exports).
GENERATED = ["odd.yaml", "orders.csv"]
PATHS = [*FILES, *GENERATED, "missing.yaml", "folder", "folder/", "notes.txt", ".", "-", "tiny.yaml/x",
         "ran", "broken-run", "sweep-tiny"]

# What a shell can pass: no NUL; undecodable bytes arrive as lone surrogates; names too long for the system.
text = (st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=8)
        | st.sampled_from(["caf\udce9.yaml", "x" * 300, "a/" * 200, "~", "*", "-x", "--", "--set="]))
numbers = st.integers(-3, 4).map(str) | st.sampled_from(["", "x", "1e3", "0x10", "-0", " 2", "99999999999999999999"])
settings_ = st.sampled_from(["horizon_days=3", "seed=2", "market.size=-1", "horizon_days=0", "name=x/y",
                             "strategies.service_quality.agnets=2", "behavior.purchase_rate.rate=1e-9",
                             "feedback.strength=.inf", "calendar=[]", "=", "seed"]) | text
outs = st.sampled_from(["out", "out/nested", "folder", "notes.txt", ".", "tiny.yaml", "fresh", "ran", "sweep-tiny",
                        "broken-run", "report.html", "ran/report.html", "/dev/null", "fifo"]) | text
# Not for a file output: opening a FIFO to write waits for a reader, which no test has.
file_outs = outs.filter(lambda out: out != "fifo")
odd_numbers = st.sampled_from(["nan", "-nan", "inf", "-inf", "1e308", "1e400", "-1e308", "99999999999999999999",
                               "0.0000000001", "-0", "1_000", "½", "١٢"])
ids = st.integers(-2, 5).map(str) | text


def option(name: str, values: st.SearchStrategy) -> st.SearchStrategy:
    return st.tuples(st.just(name), values).map(list)


levers = st.sampled_from(["seed", "horizon_days", "strategies.service_quality.agents", "feedback.strength",
                          "market.size", "name", "policies", "x"])
grids = (st.sampled_from(["seed=1,2", "strategies.service_quality.agents=1,x", "seed=", "=1", "horizon_days=0,2",
                          "seed=1,2,3,4,5,6,7,8,9,10,11,12", "name=a,\x1b[31mb", "seed=nan,inf"])
         | st.tuples(levers, st.lists(odd_numbers | numbers, min_size=1, max_size=3))
         .map(lambda t: f"{t[0]}={','.join(t[1])}") | text)
lhs = (st.sampled_from(["seed=1:3", "feedback.strength=0:1", "seed=3:1", "seed=a:b", "seed=nan:inf", "seed=1:1e308"])
       | st.tuples(levers, odd_numbers | numbers, odd_numbers | numbers).map(lambda t: f"{t[0]}={t[1]}:{t[2]}")
       | text)
columns = st.sampled_from(["customer", "date", "amount", "Customer", "", "missing", "客户", "date,amount"]) | text
dates = st.sampled_from(["2025-03-01", "2025-02-30", "1900-01-01", "9999-12-31", "2025-3-1", "x"]) | text
fractions = st.sampled_from(["0", "1", "0.5", "5%", "nan", "inf", "-0.1", "1e-300", "%"]) | odd_numbers | text

OPTIONS = {
    "run": [option("--set", settings_), option("--replications", numbers), option("--seed", numbers | odd_numbers),
            option("--jobs", numbers), option("--out", outs), st.just(["--transactions"]), st.just(["--json"])],
    "compare": [option("--set", settings_), option("--replications", numbers), option("--seed", numbers),
                option("--jobs", numbers), option("--out", outs), st.just(["--json"])],
    "sweep": [option("--grid", grids), option("--lhs", lhs), option("--points", numbers | odd_numbers),
              option("--set", settings_), option("--replications", numbers),
              option("--jobs", numbers), option("--out", outs), st.just(["--resume"]), st.just(["--force"]),
              option("--executor", st.sampled_from(["processes", "dask", "threads"]))],
    "validate": [], "schema": [],
    "history": [option("--limit", numbers), st.just(["--json"]), st.just(["--repair"])],
    "report": [option("--out", file_outs), st.just(["--force"])],
    "calibrate": [option("--out", outs), option("--out", st.just("twin")), option("--customer", columns),
                  option("--date", columns), option("--amount", columns),
                  option("--date-format", st.sampled_from(["%Y-%m-%d", "%d/%m/%Y", "%", "%Q", ""]) | text),
                  option("--timezone", st.sampled_from(["UTC", "Asia/Shanghai", "Mars/Olympus", "", "../etc"]) | text),
                  option("--encoding", st.sampled_from(["utf-8", "gb18030", "utf-16", "rot13", "base64", ""]) | text),
                  option("--calibration-end", dates), option("--discount-rate", fractions),
                  option("--acquisition", st.sampled_from(["auto", "none", "constant", "bass", "x"])),
                  option("--model", st.sampled_from(["auto", "bgnbd", "pareto_nbd", "x"])),
                  option("--max-bad-fraction", fractions), option("--replications", st.sampled_from(["1", "2"])),
                  st.just(["--json"])],
}
POSITIONAL = {"run": 1, "compare": 2, "sweep": 1, "validate": 2, "schema": 0, "history": 0, "report": 1, "calibrate": 1}
# The files a well-formed command line names (the rest may name any path).
GOOD_FILES = {"calibrate": ["orders.csv"], "report": ["ran", "broken-run", "sweep-tiny", "1", "2"]}


@st.composite
def command_lines(draw) -> list[str]:
    """Mostly well-formed (a command, its files, its options with values good or bad), some chaos."""
    well_formed = draw(st.integers(0, 3)) > 0
    command = draw(st.sampled_from(list(OPTIONS)) if well_formed else st.sampled_from(list(OPTIONS)) | text)
    argv = [command]
    good = GOOD_FILES.get(command, ["tiny.yaml", "other.yaml", "odd.yaml"])
    files = st.sampled_from(good) if well_formed and draw(st.booleans()) else \
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


# Scenario text a person or a script might write: policies with odd values, a key given twice,
# numbers too big or not numbers, names with control characters (terminal escapes among them).
odd_values = st.sampled_from([".nan", ".inf", "-.inf", "1e308", "1e400", "-1e308", "99999999999999999999", "true",
                              "lots", "[]", "{}", "null", "~", "0", "-1", "0.5", "'1'", "2024-01-01"])
odd_names = (st.sampled_from(["\x1b[31mred\x1b[0m", "tab\there", "bell\x07", "nul\x00", "line\nbreak", "\x9b2J",
                              "\u202eevil", "a" * 500, "", " "]) | st.text(max_size=6))
policy_keys = st.sampled_from(["name", "metric", "window_days", "above", "below", "set", "multiply_by", "add", "to",
                               "cooldown_days", "max_times", "horizon_days", "market.size"])


def quoted(text: str) -> str:
    """A YAML double-quoted scalar that holds any text, control characters included."""
    return '"' + "".join(ch if ch.isprintable() and ch not in '"\\' else f"\\u{ord(ch):04x}" if ord(ch) < 0x10000
                         else f"\\U{ord(ch):08x}" for ch in text) + '"'


levers_set = st.sampled_from(["strategies.service_quality.agents", "strategies.service_quality.handle_minutes",
                              "strategies.service_quality.shifts", "strategies.logistics.capacity_per_day",
                              "behavior.purchase_rate.rate", "feedback.strength", "strategies.content.budget_per_day",
                              "strategies.service_quality.patience_minutes", "acquisition.p"])
lever_values = st.sampled_from(["10000000000000000000", "9223372036854775807", "99999999999", "1e-300", "-0.0",
                                "[{start_hour: 0, end_hour: 24, agents: 99999999999}]", "[]", "'3'"])


@st.composite
def odd_scenarios(draw) -> str:
    lines = ["extends: tiny.yaml"] if draw(st.booleans()) else TINY.splitlines()
    if draw(st.booleans()):
        lines.append("strategies: {service_quality: {enabled: true}}")
    if draw(st.booleans()):
        lines.append(f"name: {quoted(draw(odd_names))}")
    if draw(st.booleans()):
        lines.append(f"description: {quoted(draw(odd_names))}")
    for key in draw(st.lists(st.sampled_from(["horizon_days", "seed", "replications", "name"]), max_size=2)):
        lines.append(f"{key}: {draw(odd_values | numbers.filter(bool))}")   # repeated keys, too, now and then
    if draw(st.booleans()):
        lines.append("policies:")
        for _ in range(draw(st.integers(1, 2))):
            # Mostly a policy that loads and acts on day 1, with an odd value for its lever.
            policy = {"name": quoted(draw(odd_names)), "metric": "orders", "window_days": "1",
                      draw(st.sampled_from(["above", "below"])): draw(st.sampled_from(["-1", "1e9", ".nan"])),
                      "set": draw(levers_set),
                      draw(st.sampled_from(["multiply_by", "add", "to"])): draw(odd_values | lever_values)}
            for key in draw(st.lists(policy_keys, max_size=3)):
                policy[key] = draw(odd_values | st.sampled_from(["horizon_days", "market.size", "seed", "name",
                                                                 "strategies.service_quality.agents"]))
            lines.append("  - " + "\n    ".join(f"{key}: {value}" for key, value in policy.items()))
            if draw(st.integers(0, 3)) == 0:   # a key of the policy given twice
                lines.append(f"    {draw(policy_keys)}: {draw(odd_values)}")
    return "\n".join(lines) + "\n"


@st.composite
def order_exports(draw) -> bytes:
    """A small order export: a header (guessable or not) and rows of customers, dates and amounts,
    some of them odd; enough repeat buyers now and then for the fit to run."""
    header = draw(st.sampled_from(["customer,date,amount", "买家会员名,订单创建时间,买家实际支付金额",
                                   "id;when;paid", "customer,date", ""]))
    separator = ";" if ";" in header else ","
    rows = [header]
    customers = draw(st.integers(0, 60))
    for customer in range(customers):
        for _ in range(draw(st.integers(1, 4))):
            day = draw(st.integers(0, 180))
            date = f"2025-{1 + day // 30:02d}-{1 + day % 28:02d}"
            amount = draw(st.sampled_from(["12.5", "0", "-3", "1e308", "nan", "¥9", "", "99999999999999999999"])
                          if draw(st.integers(0, 9)) == 0 else st.integers(1, 900).map(str))
            if draw(st.integers(0, 19)) == 0:
                date = draw(st.sampled_from(["", "2025-02-30", "yesterday", "9999-12-31", "1970-01-01"]))
            rows.append(separator.join((f"c{customer}", date, amount)))
    text = "\n".join(rows) + "\n"
    return text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"])))


PLAIN = {"odd.yaml": TINY.encode(), "orders.csv": b"customer,date,amount\nc1,2025-01-02,3\n"}
# Thirty customers who come back: enough for the fits to run (calibrate ends with exit 0).
REPEATING = "customer,date,amount\n" + "".join(f"c{c},2025-{1 + (c * k) % 6:02d}-{10 + k * 4},{20 + c * k}\n"
                                               for c in range(30) for k in range(1, 4))
ODD = (b'name: "\\e[31mred\\a"\nhorizon_days: 4\nhorizon_days: 5\nreplications: 2\n'
       b'market: {size: 300, initial_shoppers: 30}\npolicies:\n'
       b'  - {name: a, metric: orders, window_days: 1, above: 0, set: horizon_days, multiply_by: .nan}\n')
POLICY = (b"extends: tiny.yaml\npolicies:\n  - {name: p, metric: orders, window_days: 1, below: 1e9, "
          b"set: strategies.service_quality.agents, %s}\n")
generated_files = st.fixed_dictionaries({"odd.yaml": odd_scenarios().map(str.encode), "orders.csv": order_exports()})


@pytest.fixture
def workplace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name, content in FILES.items():
        Path(name).write_text(content)
    Path("folder").mkdir()
    (Path("folder") / "x.yaml").write_text(TINY)
    Path("notes.txt").write_text("mine\n")
    os.mkfifo("fifo")
    # A run's folder, a damaged one, and a sweep's, for report and --resume to find.
    assert main(["run", "tiny.yaml", "--out", "ran"]) == EXIT_OK
    assert main(["sweep", "tiny.yaml", "--grid", "seed=1,2", "--out", "sweep-tiny"]) == EXIT_OK
    shutil.copytree("ran", "broken-run")
    Path("broken-run/summary.json").write_text('{"kpis": [')
    (Path("sweep-tiny") / "points").mkdir(exist_ok=True)
    next(Path("sweep-tiny/points").iterdir()).write_text("{torn")
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
@given(argv=command_lines(), generated=generated_files)
# Found by the explore profile: a seed beyond 64 bits crashed (exit 3) when the history
# recorded it (tests/test_cli.py::test_a_seed_beyond_64_bits_runs_and_is_recorded_exactly).
@example(argv=["compare", "tiny.yaml", "other.yaml", "--seed", "99999999999999999999"], generated=PLAIN)
@example(argv=["run", "tiny.yaml", "--set", "seed=99999999999999999999"], generated=PLAIN)
# Found by the explore profile: numbers beyond SQLite's 64 bits as a history limit or id
# (tests/test_history.py::test_a_limit_or_an_id_beyond_64_bits_is_not_a_crash).
@example(argv=["history", "--limit", "99999999999999999999"], generated=PLAIN)
@example(argv=["history", "99999999999999999999"], generated=PLAIN)
@example(argv=["run", "tiny.yaml", "--out", "caf\udce9.yaml"], generated=PLAIN)   # tests/test_history.py: not UTF-8
@example(argv=[""], generated=PLAIN)
# Found by the explore profile: a torn summary.json crashed `report`
# (tests/test_report.py::test_a_run_folder_with_a_torn_summary_is_bad_input).
@example(argv=["report", "broken-run"], generated=PLAIN)
# The newer flags and inputs, tried on every run (issue 15, item 5).
@example(argv=["sweep", "tiny.yaml", "--grid", "seed=1,2", "--out", "sweep-tiny", "--resume"], generated=PLAIN)
@example(argv=["sweep", "tiny.yaml", "--grid", "seed=1", "--grid", "seed=2", "--out", "s2"], generated=PLAIN)
@example(argv=["sweep", "tiny.yaml", "--lhs", "seed=nan:inf", "--points", "2"], generated=PLAIN)
@example(argv=["sweep", "tiny.yaml", "--grid", "seed=1", "--out", "folder", "--force"], generated=PLAIN)
@example(argv=["sweep", "tiny.yaml", "--grid", "seed=1", "--out", "fifo"], generated=PLAIN)
@example(argv=["history", "--json"], generated=PLAIN)
@example(argv=["history", "--repair"], generated=PLAIN)
@example(argv=["compare", "tiny.yaml", "odd.yaml", "--json", "--replications", "2"], generated=PLAIN)
@example(argv=["report", "ran", "--out", "notes.txt"], generated=PLAIN)
@example(argv=["report", "ran", "--out", "/dev/null", "--force"], generated=PLAIN)
@example(argv=["run", "odd.yaml", "--json"], generated={"odd.yaml": ODD, "orders.csv": b""})
# Found by the generated policies: a policy that set the agents beyond memory or beyond 64 bits
# crashed (exit 3) (tests/test_calendar_and_policies.py::test_a_policy_that_sets_agents_beyond_...).
@example(argv=["run", "odd.yaml"], generated={"odd.yaml": POLICY % b"to: 99999999999", "orders.csv": b""})
@example(argv=["run", "odd.yaml"], generated={"odd.yaml": POLICY % b"to: 10000000000000000000", "orders.csv": b""})
@example(argv=["calibrate", "orders.csv", "--out", "twin", "--replications", "1", "--calibration-end", "2025-05-01",
               "--discount-rate", "5%", "--acquisition", "bass", "--model", "pareto_nbd", "--timezone", "UTC"],
         generated={"odd.yaml": b"", "orders.csv": REPEATING.encode()})
@example(argv=["calibrate", "orders.csv", "--out", "notes.txt", "--customer", "customer", "--date", "date",
               "--amount", "amount", "--date-format", "%Q", "--encoding", "rot13", "--max-bad-fraction", "nan"],
         generated={"odd.yaml": b"", "orders.csv": REPEATING.encode("utf-16")})   # once the app on the current folder (Path("") is "."), waiting for keys
def test_no_command_line_crashes_or_prints_a_traceback(argv, generated, workplace, capsys):
    for name, content in generated.items():
        Path(name).write_bytes(content)
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
