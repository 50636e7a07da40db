import os
import textwrap
from pathlib import Path

import pytest
from hypothesis import settings

from simulation.storage.loading import Problem, ScenarioError, load_scenario
from simulation.kernel.scenario import Scenario

# In CI the property tests try the same examples on every run, so a verdict does not
# depend on the draw; locally they explore anew each time and remember what failed.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


def scenario(**sections) -> Scenario:
    """A Scenario from nested keyword dicts, e.g. scenario(market={"size": 10})."""
    return Scenario.model_validate(sections)


def write(path: str, text: str) -> str:
    """A scenario file from indented text (dedented), its folders made; returns the path."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def problems(path: str, overrides=()) -> list[Problem]:
    """The problems loading `path` reports (it must fail)."""
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, overrides)
    return caught.value.problems


@pytest.fixture(autouse=True)
def private_history(tmp_path, monkeypatch):
    """Tests record their runs in a database of their own, never the user's."""
    monkeypatch.setenv("GROWTHSIM_HISTORY", str(tmp_path / "history.sqlite"))


@pytest.fixture
def small_scenario() -> Scenario:
    return scenario(horizon_days=60, replications=3,
                    market={"size": 50_000, "initial_shoppers": 3_000})
