"""Calendar events move the days they are on; policies change levers and log it."""

import numpy as np
import pytest
from pydantic import ValidationError

from simulation.kernel.engine import simulate
from simulation.kernel.scenario import Scenario
from tests.conftest import scenario
from tests.paired import paired

SMALL = dict(horizon_days=60, market={"size": 100_000, "initial_shoppers": 10_000})
SALE = {"name": "11.11", "kind": "festival_sale", "start_day": 30, "days": 3, "traffic": 3.0, "discount": 0.2,
        "conversion": 1.2, "marketing_cost_per_day": 500.0}


def test_a_festival_sale_lifts_orders_on_its_days_and_gives_its_discount():
    base, sale = scenario(**SMALL), scenario(**SMALL, calendar=[SALE])
    on_days = slice(30, 33)
    lift = paired(base, sale, lambda run: run.daily["orders"][on_days].sum(), replications=4)
    assert lift.clearly_positive(), lift
    run = simulate(sale, 0)
    discounts = run.daily["discounts"]
    assert np.all(discounts[on_days] > 0) and discounts[:30].sum() == 0 and discounts[33:].sum() == 0
    assert np.allclose(discounts[on_days], 0.2 * run.daily["gmv"][on_days])
    assert np.all(run.daily["cost_calendar"][on_days] == 500.0) and run.daily["cost_calendar"].sum() == 1500.0
    assert run.daily["events_on"][on_days].tolist() == [1, 1, 1]


def test_a_yearly_event_repeats():
    event = Scenario.model_validate({"calendar": [dict(SALE, every_days=365)]}).calendar[0]
    assert [event.is_on(d) for d in (29, 30, 32, 33, 395, 397, 398)] == [False, True, True, False, True, True, False]


def test_a_price_rise_raises_order_values_and_lowers_conversion():
    rise = {"name": "price +10%", "kind": "price_change", "start_day": 0, "days": 10_000, "price": 1.1}
    base, dearer = scenario(**SMALL), scenario(**SMALL, calendar=[rise])
    value = paired(base, dearer, lambda r: r.daily["gmv"].sum() / r.daily["orders"].sum(), replications=8)
    conversion = paired(base, dearer, lambda r: r.daily["orders"].sum() / r.daily["visits"].sum(), replications=8)
    assert value.clearly_positive(), value
    assert conversion.clearly_negative(), conversion


POLICY = {"name": "staff up", "metric": "service_wait_mean_min", "window_days": 7, "above": 5.0,
          "set": "strategies.service_quality.agents", "add": 1, "cooldown_days": 10, "max_times": 3}


def test_a_policy_adds_agents_when_waits_run_long_and_logs_each_change():
    loaded = dict(SMALL, strategies={"service_quality": {"agents": 1, "handle_minutes": 30, "tickets_per_order": 0.5}})
    run = simulate(scenario(**loaded, policies=[POLICY]), 0)
    log = run.policy_log
    assert 1 <= len(log) <= 3
    assert [entry["new"] for entry in log] == list(range(2, 2 + len(log)))
    assert all(entry["value"] > 5.0 for entry in log)
    assert all(b["day"] - a["day"] >= 10 for a, b in zip(log, log[1:]))
    # the agents really joined: the desk's daily cost steps up on the day after each change
    cost = run.daily["cost_service_quality"]
    assert cost[log[0]["day"] + 1] == 2 * cost[0]
    without = simulate(scenario(**loaded), 0)
    assert run.kpis["service_wait_mean_min"] < without.kpis["service_wait_mean_min"]


def test_replications_do_not_share_a_policy_change():
    sc = scenario(**SMALL, strategies={"service_quality": {"agents": 1, "handle_minutes": 30, "tickets_per_order": 0.5}},
                  policies=[POLICY])
    simulate(sc, 0)
    assert sc.strategies.service_quality.agents == 1


@pytest.mark.parametrize("policy, message", [
    (dict(POLICY, set="strategies.service_quality.agnets"), "no scenario key"),
    (dict(POLICY, metric="happiness"), "not a running metric"),
    (dict(POLICY, below=1.0), "exactly one of 'above' or 'below'"),
    (dict(POLICY, multiply_by=2.0), "exactly one of 'multiply_by', 'add' or 'to'"),
])
def test_a_policy_that_cannot_work_is_refused_when_loaded(policy, message):
    with pytest.raises(ValidationError, match=message):
        scenario(policies=[policy])


def test_sale_traffic_applies_to_the_whole_day_and_ends_with_it():
    """Visits already scheduled when the sale starts are redrawn at its rate (memorylessness).
    About 3,000 visits a day: Poisson noise on a day's ratio is about 2.5 %, so +-10 % is 4 SE."""
    run = simulate(scenario(**SMALL, calendar=[dict(SALE, conversion=1.0)]), 0)
    visits = run.daily["visits"]
    before = visits[25:30].mean()
    assert np.all(np.abs(visits[30:33] / before - 3.0) < 0.3), visits[25:36]
    assert abs(visits[33] / before - 1.0) < 0.1, visits[25:36]
