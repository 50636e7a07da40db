"""`growthsim check`: expectations, goldens and the drift rule, exit codes, JUnit and JSON (docs/check.md)."""

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from growthsim.cli import main
from simulation.experiments.check import find_scenarios

# Small: 40 days of a 20,000-prospect market, 3 replications, about a second per check.
BASE = """\
name: base
horizon_days: 40
replications: 3
market: {size: 20000, initial_shoppers: 2000}
"""
BOUNDS = "expect:\n  kpis:\n    shoppers_total: {min: 1000, max: 50000}\n"
# Ten times the baseline's outside reach: some 650 more shoppers in 40 days.
REACH = """\
extends: base.yaml
name: reach
acquisition: {innovation: 0.001}
expect:
  relations:
    - {kpi: shoppers_total, compare_to: base.yaml, at_least: AT_LEAST}
"""


def check(*args) -> int:
    return main(["check", *map(str, args), "--jobs", "1"])


def library(folder: Path, at_least: float = 100, base_expect: str = BOUNDS) -> Path:
    (folder / "base.yaml").write_text(BASE + base_expect)
    (folder / "reach.yaml").write_text(REACH.replace("AT_LEAST", str(at_least)))
    return folder


def junit(path: Path) -> ET.Element:
    return ET.parse(path).getroot()


def failed_cases(root: ET.Element, suite: str = "") -> dict[str, ET.Element]:
    """The failures of the testsuite whose name ends with `suite`, by testcase name."""
    return {case.get("name"): case.find("failure") for element in root.iter("testsuite")
            if element.get("name").endswith(suite) for case in element.iter("testcase")
            if case.find("failure") is not None}


def test_a_library_that_holds_passes_and_update_writes_readable_goldens(tmp_path, capsys):
    library(tmp_path)
    assert check("--update", tmp_path) == 0
    golden = (tmp_path / "base.golden.json").read_text()
    assert re.search(r'^    "shoppers_total": \{"mean": [\d.]+, "ci_low": [\d.]+, "ci_high": [\d.]+, "se": [\d.]+, '
                     r'"replications": 3\},$', golden, re.MULTILINE)     # one KPI a line: readable diffs
    recorded = json.loads(golden)
    assert recorded["seed"] == 1 and recorded["replications"] == 3 and "numpy" in recorded["versions"]
    assert (tmp_path / "reach.golden.json").is_file()
    capsys.readouterr()

    assert check(tmp_path, "--junit", tmp_path / "junit.xml") == 0
    out = capsys.readouterr().out
    assert "PASS" in out and "FAIL" not in out and "base.yaml" in out and "reach.yaml" in out
    root = junit(tmp_path / "junit.xml")
    assert root.get("failures") == "0" and {s.get("name") for s in root.iter("testsuite")} == {
        str(tmp_path / "base.yaml"), str(tmp_path / "reach.yaml")}
    names = {case.get("name") for case in root.iter("testcase")}
    assert {"1,000 <= shoppers_total <= 50,000", "shoppers_total - base.yaml >= 100", "golden: orders"} <= names

    # Rerunning --update on unchanged code rewrites nothing: no diff to review.
    assert check("--update", tmp_path) == 0
    assert (tmp_path / "base.golden.json").read_text() == golden
    assert "0 written, 2 unchanged" in capsys.readouterr().out


def test_one_bound_that_fails_exits_1_and_says_why(tmp_path, capsys):
    (tmp_path / "base.yaml").write_text(BASE + "expect:\n  golden: false\n  kpis:\n"
                                        "    shoppers_total: {min: 1000}\n    orders: {min: 1000000}\n")
    assert check(tmp_path / "base.yaml", "--junit", tmp_path / "junit.xml") == 1
    out = capsys.readouterr().out
    assert re.search(r"FAIL .*base\.yaml \(bound\): orders should be at least 1,000,000: its [\d.,]+ "
                     r"\(95 % CI [\d.,]+ \.\. [\d.,]+\) is below it", out)
    assert "shoppers_total should" not in out
    root = junit(tmp_path / "junit.xml")
    assert root.get("tests") == "2" and root.get("failures") == "1"
    failure = failed_cases(root)["orders >= 1,000,000"]
    assert failure.get("type") == "bound" and "at least 1,000,000" in failure.get("message")


def test_a_relation_that_fails_is_judged_on_paired_replications(tmp_path, capsys):
    library(tmp_path, at_least=5000)
    assert check("--update", tmp_path, "--json") == 1     # goldens are written; the relation still fails
    document = json.loads(capsys.readouterr().out)
    reach = next(s for s in document["scenarios"] if s["name"] == "reach")
    [relation] = [c for c in reach["checks"] if c["kind"] == "relation"]
    assert not relation["passed"] and relation["compare_to"] == "base.yaml" and relation["at_least"] == 5000
    assert relation["replications"] == 3 and 300 < relation["ci_low"] <= relation["mean"] <= relation["ci_high"] < 1500
    assert relation["message"].startswith("shoppers_total - base.yaml should be at least +5,000: its +")
    # The base's bounds are its own: reach extends it but does not inherit them.
    assert not [c for c in reach["checks"] if c["kind"] == "bound"]
    assert (tmp_path / "reach.golden.json").is_file()


def test_drift_from_the_golden_names_the_kpi_from_to_and_standard_errors(tmp_path, capsys):
    library(tmp_path)
    assert check("--update", tmp_path) == 0
    base = tmp_path / "base.yaml"
    base.write_text(base.read_text().replace("initial_shoppers: 2000", "initial_shoppers: 3000"))
    capsys.readouterr()
    assert check(tmp_path, "--junit", tmp_path / "junit.xml") == 1
    out = capsys.readouterr().out
    moved = re.search(r"FAIL .*base\.yaml \(golden\): shoppers_total moved from ([\d,]+) \(95 % CI [\d,]+ \.\. [\d,]+\) "
                      r"to ([\d,]+) \(95 % CI [\d,]+ \.\. [\d,]+\): \+([\d,]+) \(\+[\d.]+ %\), ([\d.]+) standard errors; "
                      r"the 95 % intervals no longer overlap", out)
    assert moved, out
    old, new, delta, shift = (float(g.replace(",", "")) for g in moved.groups())
    assert 2000 < old < 2300 and 3000 < new < 3300 and abs(new - old - delta) <= 1 and shift > 10
    root = junit(tmp_path / "junit.xml")
    failures = failed_cases(root, "base.yaml")
    assert failures["golden: shoppers_total"].get("type") == "drift"
    assert "moved from" in failures["golden: shoppers_total"].get("message")
    # reach extends base, so it moved too; every failure is one testcase and one FAIL line.
    assert int(root.get("failures")) == len(re.findall(r"^FAIL ", out, re.MULTILINE)) > len(failures)


def test_a_scenario_without_golden_fails_until_update(tmp_path, capsys):
    (tmp_path / "base.yaml").write_text(BASE)
    assert check(tmp_path) == 1
    assert "no golden file" in capsys.readouterr().out and not (tmp_path / "base.golden.json").exists()


def test_package_versions_that_differ_are_reported_not_failed(tmp_path, capsys):
    (tmp_path / "base.yaml").write_text(BASE)
    assert check("--update", tmp_path) == 0
    golden = tmp_path / "base.golden.json"
    golden.write_text(re.sub(r'"numpy": "[^"]+"', '"numpy": "0.0.1"', golden.read_text()))
    capsys.readouterr()
    assert check(tmp_path, "--junit", tmp_path / "junit.xml") == 0
    out = capsys.readouterr().out
    assert "versions differ" in out and re.search(r"numpy 0\.0\.1 -> \d", out)
    root = junit(tmp_path / "junit.xml")
    assert root.get("failures") == "0" and root.get("skipped") == "1"
    skipped = next(case for case in root.iter("testcase") if case.find("skipped") is not None)
    assert "numpy 0.0.1" in skipped.find("skipped").get("message")


@pytest.mark.parametrize("content, message", [
    (BASE + "expect:\n  kpis:\n    retnetion_d90: {min: 0.1}\n", "did you mean 'retention_d90'"),
    (BASE + "expect:\n  relations:\n    - {kpi: nps, compare_to: nowhere.yaml, at_least: 0}\n",
     "base.yaml:7:30: expect.relations.0.compare_to: file not found"),
    (BASE + "expect:\n  kpis:\n    nps: {min: 50, max: 10}\n", "min (50.0) is above max (10.0)"),
    (BASE.replace("replications: 3", "replications: 1"), "needs at least 2"),
])
def test_bad_input_exits_2_names_the_problem_and_writes_nothing(tmp_path, capsys, content, message):
    (tmp_path / "base.yaml").write_text(content)
    assert check(tmp_path, "--junit", tmp_path / "junit.xml") == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error
    assert not (tmp_path / "junit.xml").exists()


def test_a_missing_path_or_a_damaged_golden_is_bad_input(tmp_path, capsys):
    assert check(tmp_path / "nowhere") == 2
    assert "no such file or folder" in capsys.readouterr().err
    (tmp_path / "base.yaml").write_text(BASE)
    (tmp_path / "base.golden.json").write_text('{"kpis": [1, 2]}\n')
    assert check(tmp_path) == 2
    assert "base.golden.json" in capsys.readouterr().err
    (tmp_path / "base.golden.json").write_text("<<<<<<< HEAD\n")
    assert check(tmp_path) == 2
    assert "base.golden.json:1:1: not JSON" in capsys.readouterr().err


def test_folders_are_walked_skipping_goldens_and_hidden_folders(tmp_path):
    (tmp_path / "a.yaml").write_text(BASE)
    (tmp_path / "a.golden.json").write_text("")
    (tmp_path / "gone.golden.json").write_text("")
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "b.yml").write_text(BASE)
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "ci.yaml").write_text("on: push\n")
    found, notes = find_scenarios([tmp_path])
    assert found == [tmp_path / "a.yaml", tmp_path / "more" / "b.yml"]
    assert len(notes) == 1 and "gone.golden.json" in notes[0]


def verdicts(root: ET.Element) -> list[tuple]:
    """Every testcase with its message: the numbers, not the timings."""
    return [(suite.get("name"), case.get("name"), (case.find("failure") if case.find("failure") is not None
             else case.find("system-out")).text) for suite in root.iter("testsuite") for case in suite.iter("testcase")]


@pytest.mark.serial   # a real `growthsim check --jobs 2`
def test_same_verdicts_whatever_the_number_of_processes_and_headless(tmp_path):
    """As CI runs it: a real process, no terminal, CI=true, NO_COLOR; two processes against one."""
    library(tmp_path)
    assert check("--update", tmp_path) == 0
    base = tmp_path / "base.yaml"
    base.write_text(base.read_text().replace("initial_shoppers: 2000", "initial_shoppers: 3000"))
    assert check(tmp_path, "--junit", tmp_path / "one.xml") == 1
    env = {**os.environ, "CI": "true", "NO_COLOR": "1", "TERM": "dumb"}
    done = subprocess.run([sys.executable, "-m", "growthsim", "check", str(tmp_path), "--jobs", "2",
                           "--junit", str(tmp_path / "two.xml")],
                          capture_output=True, text=True, timeout=120, env=env, stdin=subprocess.DEVNULL)
    assert done.returncode == 1, done.stderr
    assert "FAIL" in done.stdout and "moved from" in done.stdout and "\x1b[" not in done.stdout + done.stderr
    assert verdicts(junit(tmp_path / "one.xml")) == verdicts(junit(tmp_path / "two.xml"))
