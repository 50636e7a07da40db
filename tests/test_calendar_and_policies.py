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


@pytest.mark.parametrize("action, message", [
    ({"to": 99_999_999_999}, "99,999,999,999 service agents on duty, more than 1,000,000"),
    ({"to": 10**19}, "beyond 64 bits"),
    ({"add": 2**63 - 1}, "beyond 64 bits"),
])
def test_a_policy_that_sets_agents_beyond_memory_or_64_bits_is_bad_input(action, message, tmp_path, capsys):
    """Found by tests/test_properties_cli.py (issue 15, item 5): a policy raising the agents
    while running filled memory (MemoryError, exit 3), or overflowed the engine's int64
    arrays (OverflowError, exit 3). Both now stop the run with exit 2 and say why."""
    import json

    from growthsim.cli import main
    policy = {"name": "hire", "metric": "orders", "window_days": 1, "below": 1e9,
              "set": "strategies.service_quality.agents", **action}
    path = tmp_path / "hire.yaml"
    path.write_text(json.dumps({"schema_version": 2, "horizon_days": 4, "replications": 1,
                                "market": {"size": 300, "initial_shoppers": 30},
                                "strategies": {"service_quality": {"enabled": True}}, "policies": [policy]}))
    assert main(["run", str(path), "--jobs", "1"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert message in err and "hire" in err and "Traceback" not in err
