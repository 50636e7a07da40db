"""`schema_version:`: a file written for the version-1 defaults still loads and says once
what changed; the current version loads silently; an unknown version is bad input."""

from __future__ import annotations

import pytest

from growthsim.cli import main
from simulation.kernel.scenario import SCHEMA_VERSION, VERSION_1_DEFAULTS, Scenario
from simulation.storage.loading import ScenarioError, load_scenario

from tests.conftest import write


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def test_a_version_1_file_loads_with_new_defaults_and_a_notice_naming_the_changed_keys():
    write("old.yaml", """
        name: old
        economics:
          gross_margin: 0.3
    """)
    notices = []
    scenario = load_scenario("old.yaml", notices=notices)
    assert scenario.economics.gross_margin == 0.3                          # what the file says it keeps
    assert scenario.behavior.spend.gamma == Scenario().behavior.spend.gamma   # unset: today's default
    [notice] = notices
    assert "old.yaml" in notice and "CNY" in notice and f"schema_version: {SCHEMA_VERSION}" in notice
    for key in ("economics.gross_margin 0.3 -> 0.15", "behavior.spend.gamma 15.44 -> 43.84",
                "strategies.membership.paid.fee 99 -> 198", "strategies.service_quality.agent_cost_per_day 480 -> 1008"):
        assert key in notice
    assert all(key in notice for key in VERSION_1_DEFAULTS)


def test_a_version_2_file_loads_silently_and_so_does_one_extending_it():
    write("new.yaml", f"schema_version: {SCHEMA_VERSION}\nname: new\n")
    write("child.yaml", f"schema_version: {SCHEMA_VERSION}\nextends: new.yaml\nname: child\n")
    notices = []
    assert load_scenario("new.yaml", notices=notices).schema_version == SCHEMA_VERSION
    load_scenario("child.yaml", notices=notices)
    assert notices == []


def test_a_version_1_file_in_an_extends_chain_is_named():
    write("old_base.yaml", "name: base\n")
    write("child.yaml", f"schema_version: {SCHEMA_VERSION}\nextends: old_base.yaml\nname: child\n")
    notices = []
    load_scenario("child.yaml", notices=notices)
    assert len(notices) == 1 and notices[0].startswith("old_base.yaml:")


@pytest.mark.parametrize("value", ["99", "0", "two", "2.5", "true"])
def test_an_unknown_version_is_an_error_at_the_key(value):
    write("future.yaml", f"name: future\nschema_version: {value}\n")
    with pytest.raises(ScenarioError) as error:
        load_scenario("future.yaml")
    [problem] = error.value.problems
    assert (problem.key, problem.line) == ("schema_version", 2)


def test_the_cli_prints_the_notice_once_on_stderr_and_exits_2_on_an_unknown_version(capsys):
    write("a.yaml", "name: a\n")
    write("b.yaml", "name: b\n")
    assert main(["validate", "a.yaml", "b.yaml"]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("no schema_version") == 1 and "no schema_version" not in captured.out
    write("c.yaml", f"schema_version: {SCHEMA_VERSION}\nname: c\n")
    assert main(["validate", "c.yaml"]) == 0
    assert "schema_version" not in capsys.readouterr().err
    write("future.yaml", "name: future\nschema_version: 99\n")
    assert main(["validate", "future.yaml"]) == 2
    err = capsys.readouterr().err
    assert "future.yaml:2:1: schema_version: unknown version 99" in err.replace("\n", " ")


def test_a_version_1_file_with_errors_gets_the_errors_alone(capsys):
    write("bad.yaml", "name: bad\nseed: -1\n")
    assert main(["validate", "bad.yaml"]) == 2
    err = capsys.readouterr().err
    assert "seed" in err and "no schema_version" not in err
