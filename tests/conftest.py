import pytest

from simulation.scenario import Scenario


def scenario(**sections) -> Scenario:
    """A Scenario from nested keyword dicts, e.g. scenario(market={"size": 10})."""
    return Scenario.model_validate(sections)


@pytest.fixture
def small_scenario() -> Scenario:
    return scenario(horizon_days=60, replications=3,
                    market={"size": 50_000, "initial_shoppers": 3_000})
