"""Loading scenario files: extends, --set overrides, and errors that point at the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulation.storage.loading import Problem, ScenarioError, load_scenario, resolved_yaml, scenario_dict
from simulation.kernel.scenario import Scenario

from tests.conftest import problems, write


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    # Paths in messages are the paths as given, so run from tmp_path and give relative ones.
    monkeypatch.chdir(tmp_path)


def only(path: str, overrides=()) -> Problem:
    [problem] = problems(path, overrides)
    return problem


# --- loading and extends -------------------------------------------------------------


def test_a_file_sets_what_it_names_and_defaults_the_rest():
    write("s.yaml", """
        name: fast
        seed: 7
        behavior:
          dropout:
            a: 0.5
    """)
    scenario = load_scenario("s.yaml")
    assert (scenario.name, scenario.seed, scenario.behavior.dropout.a) == ("fast", 7, 0.5)
    assert scenario.behavior.dropout.b == Scenario().behavior.dropout.b


def test_an_empty_file_is_refused_not_run_as_the_defaults():
    """Issue 15, item 5: an empty or comment-only file once ran the defaults, hiding the mistake."""
    write("empty.yaml", "# nothing yet\n")
    with pytest.raises(ScenarioError, match="the file is empty"):
        load_scenario("empty.yaml")


def test_extends_deep_merges_and_the_child_wins():
    write("base.yaml", """
        name: base
        seed: 3
        market:
          size: 5000
          initial_shoppers: 100
    """)
    write("child.yaml", """
        extends: base.yaml
        name: child
        market:
          initial_shoppers: 200
    """)
    scenario = load_scenario("child.yaml")
    assert scenario.name == "child"
    assert scenario.seed == 3
    assert (scenario.market.size, scenario.market.initial_shoppers) == (5000, 200)


def test_extends_chains_with_paths_relative_to_each_file():
    write("scenarios/common/defaults.yaml", """
        horizon_days: 30
        replications: 2
        strategies:
          service_quality:
            agents: 5
            handle_minutes: 6
    """)
    write("scenarios/base.yaml", """
        extends: common/defaults.yaml
        replications: 4
        strategies:
          service_quality:
            agents: 6
    """)
    write("scenarios/sub/child.yaml", """
        extends: ../base.yaml
        strategies:
          service_quality:
            agents: 7
    """)
    scenario = load_scenario("scenarios/sub/child.yaml")
    assert scenario.horizon_days == 30  # grandparent
    assert scenario.replications == 4  # parent over grandparent
    assert scenario.strategies.service_quality.agents == 7  # child over both
    assert scenario.strategies.service_quality.handle_minutes == 6


def test_lists_and_values_replace_rather_than_merge():
    write("base.yaml", """
        tags: [a, b, c]
        section:
          x: 1
    """)
    write("child.yaml", """
        extends: base.yaml
        tags: [d]
        section: off
    """)
    data = scenario_dict("child.yaml")
    assert data == {"tags": ["d"], "section": "off"}
    assert type(data["tags"]) is list  # plain data, not ruamel's commented nodes


# --- --set ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "override, key, expected",
    [
        ("seed=4", "seed", 4),
        ("behavior.dropout.a=0.5", "behavior.dropout.a", 0.5),
        ("behavior.dropout.enabled=false", "behavior.dropout.enabled", False),
        ("strategies.service_quality.patience_minutes=null", "strategies.service_quality.patience_minutes", None),
        ("name=hello world", "name", "hello world"),
        ("name='007'", "name", "007"),
        ("description=why: because", "description", "why: because"),  # not a mapping: the text typed
        ("description=a=b", "description", "a=b"),  # split at the first '='
    ],
)
def test_set_reads_values_as_yaml_scalars(override, key, expected):
    write("s.yaml", "name: s\n")
    value = scenario_dict("s.yaml", [override])
    for part in key.split("."):
        value = value[part]
    assert value == expected and type(value) is type(expected)


def test_set_nested_keys_create_sections_and_win_over_the_file():
    write("s.yaml", """
        seed: 1
        strategies:
          logistics:
            capacity_per_day: 10
    """)
    scenario = load_scenario("s.yaml", ["seed=9", "strategies.service_quality.agents=4", "strategies.logistics.capacity_per_day=20"])
    assert scenario.seed == 9
    assert scenario.strategies.service_quality.agents == 4
    assert scenario.strategies.service_quality.handle_minutes == 8.0  # the rest keep their defaults
    assert scenario.strategies.logistics.capacity_per_day == 20


def test_set_of_an_unknown_key_is_an_error_from_set_with_a_suggestion():
    write("s.yaml", "seed: 1\n")
    problem = only("s.yaml", ["strategies.service_quality.agnets=4"])
    assert (problem.file, problem.line, problem.column) == ("--set", None, None)
    assert problem.key == "strategies.service_quality.agnets"
    assert problem.message == "unknown key 'agnets'; did you mean 'agents'?"
    assert str(problem) == "--set: strategies.service_quality.agnets: unknown key 'agnets'; did you mean 'agents'?"


def test_set_of_an_unknown_section_is_reported_at_the_section():
    write("s.yaml", "seed: 1\n")
    problem = only("s.yaml", ["strategies.servce_quality.agents=4"])
    assert problem.key == "strategies.servce_quality"
    assert "did you mean 'service_quality'?" in problem.message


def test_a_bad_set_value_is_reported_at_set_not_at_the_file():
    write("s.yaml", "seed: 1\n")
    assert str(only("s.yaml", ["seed=-2"])) == "--set: seed: Input should be greater than or equal to 0 (got -2)"


def test_every_set_without_equals_is_reported():
    write("s.yaml", "seed: 1\n")
    found = problems("s.yaml", ["seed", "seed=2", "=3"])
    assert [p.file for p in found] == ["--set", "--set"]
    assert "expected KEY=VALUE" in found[0].message and "'seed'" in found[0].message
    assert "'=3'" in found[1].message


# --- file errors -----------------------------------------------------------------------


def test_missing_file():
    problem = only("nope.yaml")
    assert problem.file == "nope.yaml" and "No such file" in problem.message


def test_a_directory():
    write("scenarios/a.yaml", "seed: 1\n")
    problem = only("scenarios")
    assert problem.file == "scenarios" and "directory" in problem.message.lower()


@pytest.mark.parametrize("content", [b"\x89PNG\r\n\x1a\n\xff\xfe", b"seed: 1\n\x00\x00"])
def test_binary_content(content):
    Path("image.yaml").write_bytes(content)
    problem = only("image.yaml")
    assert problem.file == "image.yaml" and "binary" in problem.message


def test_yaml_syntax_error_gives_its_line():
    write("s.yaml", """
        seed: 1
        market:
          size: 10
            initial_shoppers: 2
    """)
    problem = only("s.yaml")
    assert (problem.file, problem.line) == ("s.yaml", 4)
    assert problem.message.startswith("YAML syntax error: mapping values are not allowed")


def test_a_duplicate_key_is_a_syntax_error_at_the_second_one():
    write("s.yaml", "seed: 1\nname: a\nseed: 2\n")
    problem = only("s.yaml")
    assert (problem.line, problem.column) == (3, 1)
    assert 'duplicate key "seed"' in problem.message


def test_a_control_character_gives_its_line():
    write("s.yaml", "seed: 1\nname: a\x07b\n")
    problem = only("s.yaml")
    assert (problem.line, problem.column) == (2, 8) and "U+0007" in problem.message


@pytest.mark.parametrize("text, kind", [("- seed: 1\n", "list"), ("just words\n", "single value 'just words'")])
def test_top_level_must_be_a_mapping(text, kind):
    write("s.yaml", text)
    problem = only("s.yaml")
    assert problem.file == "s.yaml" and problem.message == f"the top level should be a mapping of keys, got a {kind}"


def test_extends_must_be_a_string():
    write("s.yaml", "seed: 1\nextends: [a.yaml, b.yaml]\n")
    problem = only("s.yaml")
    assert (problem.file, problem.key, problem.line, problem.column) == ("s.yaml", "extends", 2, 1)
    assert problem.message == "should be a file name, got ['a.yaml', 'b.yaml']"


def test_missing_parent_is_reported_at_the_extends_line():
    write("scenarios/child.yaml", "# a child\nextends: ../base.yaml\n")
    problem = only("scenarios/child.yaml")
    assert str(problem) == "scenarios/child.yaml:2:1: extends: file not found: base.yaml"


def test_extends_cycle_names_the_chain():
    write("a.yaml", "extends: b.yaml\n")
    write("b.yaml", "seed: 1\nextends: c.yaml\n")
    write("c.yaml", "extends: a.yaml\n")
    problem = only("a.yaml")
    assert (problem.file, problem.line, problem.key) == ("c.yaml", 1, "extends")
    assert problem.message == "cycle: a.yaml -> b.yaml -> c.yaml -> a.yaml"


def test_a_file_extending_itself_is_a_cycle():
    write("a.yaml", "extends: ./a.yaml\n")
    assert only("a.yaml").message == "cycle: a.yaml -> a.yaml"


def test_errors_in_a_parent_file_name_the_parent():
    write("scenarios/base.yaml", "seed: 1\nmarket: {size: [\n")
    write("scenarios/sub/child.yaml", "extends: ../base.yaml\n")
    problem = only("scenarios/sub/child.yaml")
    assert problem.file == "scenarios/base.yaml" and problem.message.startswith("YAML syntax error")


# --- validation errors ---------------------------------------------------------------


def test_all_validation_errors_are_reported_at_once_with_their_lines():
    write("scenarios/x.yaml", """
        name: x
        seed: -1
        behavior:
          dropout:
            a: -1
            b: 2
        strategies:
          service_quality:
            handle_distribution: gaussian
    """)
    with pytest.raises(ScenarioError) as caught:
        load_scenario("scenarios/x.yaml")
    assert str(caught.value).splitlines() == [
        "scenarios/x.yaml:2:1: seed: Input should be greater than or equal to 0 (got -1)",
        "scenarios/x.yaml:5:5: behavior.dropout.a: Input should be greater than 0 (got -1)",
        "scenarios/x.yaml:9:5: strategies.service_quality.handle_distribution: "
        "Input should be 'exponential', 'lognormal' or 'fixed' (got 'gaussian')",
    ]


def test_a_misspelt_key_suggests_the_closest_valid_one():
    write("s.yaml", """
        behavior:
          dropuot:
            a: 1
    """)
    problem = only("s.yaml")
    assert (problem.key, problem.line, problem.column) == ("behavior.dropuot", 2, 3)
    assert problem.message == "unknown key 'dropuot'; did you mean 'dropout'?"


def test_an_unknown_key_with_no_close_match_lists_the_valid_ones():
    write("s.yaml", "market:\n  zebra: 1\n")
    assert only("s.yaml").message == "unknown key 'zebra'; valid keys: size, initial_shoppers, customers"


def test_a_section_written_as_a_value():
    write("s.yaml", "seed: 1\nmarket: 5\n")
    problem = only("s.yaml")
    assert (problem.key, problem.line) == ("market", 2)
    assert problem.message.endswith("(got 5)")


def test_an_inherited_error_points_at_the_file_and_line_that_wrote_it():
    write("scenarios/base.yaml", """
        seed: 1
        behavior:
          spend:
            q: 0.5
          dropout:
            a: -1
    """)
    write("scenarios/sub/child.yaml", """
        extends: ../base.yaml
        behavior:
          dropout:
            a: -2
          funnel:
            cart: 2
    """)
    found = {p.key: p for p in problems("scenarios/sub/child.yaml")}
    assert set(found) == {"behavior.spend.q", "behavior.dropout.a", "behavior.funnel.cart"}
    assert (found["behavior.spend.q"].file, found["behavior.spend.q"].line) == ("scenarios/base.yaml", 4)
    # The child's value replaced the parent's: it is the one reported.
    assert str(found["behavior.dropout.a"]) == (
        "scenarios/sub/child.yaml:4:5: behavior.dropout.a: Input should be greater than 0 (got -2)"
    )
    assert (found["behavior.funnel.cart"].file, found["behavior.funnel.cart"].line) == ("scenarios/sub/child.yaml", 6)


def test_a_value_fixed_by_the_child_is_not_reported():
    write("base.yaml", "behavior:\n  dropout:\n    a: -1\n")
    write("child.yaml", "extends: base.yaml\nbehavior:\n  dropout:\n    a: 1\n")
    assert load_scenario("child.yaml").behavior.dropout.a == 1


def test_initial_shoppers_beyond_the_market_is_reported_at_initial_shoppers():
    write("base.yaml", "market:\n  size: 1000\n")
    write("child.yaml", "extends: base.yaml\nseed: 2\nmarket:\n  initial_shoppers: 5000\n")
    problem = only("child.yaml")
    assert str(problem) == (
        "child.yaml:4:3: market.initial_shoppers: should be at most market.size (1000) (got 5000)"
    )


# --- saving --------------------------------------------------------------------------


def test_resolved_yaml_loads_back_to_the_same_scenario():
    write("base.yaml", "seed: 5\nbehavior:\n  spend:\n    p: 3.5\n")
    write("child.yaml", "extends: base.yaml\nname: resolved\n")
    scenario = load_scenario("child.yaml", ["strategies.service_quality.patience_minutes=30"])
    text = resolved_yaml(scenario)
    assert "extends" not in text and "patience_minutes: 30" in text
    write("resolved.yaml", text)
    assert load_scenario("resolved.yaml") == scenario
