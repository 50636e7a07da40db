"""Saving from the editor: a minimal `extends` diff, comments kept, nothing invalid."""


import pytest

from simulation.storage.loading import load_scenario
from tui.scenario_files import (SaveError, differences, duplicate, find_scenarios, raw_scenario, save_as_child,
                                save_in_place)


def test_differences_are_nested_and_minimal():
    assert differences({"a": 1, "s": {"x": 1, "y": 2}, "l": [1]}, {"a": 1, "s": {"x": 1, "y": 3}, "l": [1]}) == \
        {"s": {"y": 2}}


def test_save_in_place_keeps_comments_and_only_what_differs(library):
    path = library / "more_agents.yaml"
    scenario = raw_scenario(path)
    scenario.strategies.service_quality.agents = 5
    scenario.strategies.logistics.capacity_per_day = 777
    save_in_place(path, scenario)
    text = path.read_text()
    assert "extends: base.yaml" in text
    assert "# What if we hire two more agents?" in text
    assert "agents: 5   # the lever" in text
    assert "capacity_per_day: 777" in text
    assert "market" not in text and "horizon_days" not in text       # inherited, not repeated
    assert load_scenario(path).strategies.service_quality.agents == 5


def test_a_value_set_back_to_the_parents_leaves_the_file(library):
    path = library / "more_agents.yaml"
    scenario = raw_scenario(path)
    scenario.strategies.service_quality.agents = 1        # as in base.yaml
    save_in_place(path, scenario)
    assert "service_quality" not in path.read_text()
    assert load_scenario(path).strategies.service_quality.agents == 1


def test_a_root_file_keeps_its_keys_and_comments(library):
    path = library / "base.yaml"
    scenario = raw_scenario(path)
    scenario.horizon_days = 50
    save_in_place(path, scenario)
    text = path.read_text()
    assert "horizon_days: 50   # a month and a half" in text
    assert "# A small platform for quick runs." in text
    assert "initial_shoppers: 2000" in text


def test_save_as_child_extends_the_parent(library):
    parent = library / "base.yaml"
    scenario = raw_scenario(parent).model_copy(update={"name": "longer", "horizon_days": 60})
    save_as_child(parent, library / "longer.yaml", scenario)
    text = (library / "longer.yaml").read_text()
    assert "extends: base.yaml" in text and "horizon_days: 60" in text and "market" not in text
    assert load_scenario(library / "longer.yaml").horizon_days == 60
    with pytest.raises(SaveError):
        save_as_child(parent, library / "longer.yaml", scenario)      # never overwrites


def test_a_file_that_would_not_read_back_is_put_back(library, monkeypatch):
    path = library / "more_agents.yaml"
    before = path.read_text()
    scenario = raw_scenario(path)
    scenario.strategies.service_quality.agents = 4
    import tui.scenario_files as files
    monkeypatch.setattr(files, "_text", lambda doc: "extends: base.yaml\nstrategies: {service_quality: {agnets: 4}}\n")
    with pytest.raises(SaveError):
        save_in_place(path, scenario)
    assert path.read_text() == before


def test_library_finds_scenarios_problems_and_duplicates(library):
    (library / "broken.yaml").write_text("market:\n  size: -1\n")
    entries = {e.path.name: e for e in find_scenarios([library])}
    assert set(entries) == {"base.yaml", "more_agents.yaml", "broken.yaml"}
    assert entries["more_agents.yaml"].extends == "base.yaml"
    assert entries["base.yaml"].description.startswith("A small platform")
    assert "market.size" in entries["broken.yaml"].error
    copy = duplicate(library / "more_agents.yaml")
    assert copy.name == "more_agents-copy.yaml"
    assert load_scenario(copy).name == "more_agents-copy"
    assert "# the lever" in copy.read_text()
