"""Live-stream commerce with a KOL (strategies/livestream.py): each lever moves what it
should, beyond noise, under common random numbers (tests/paired.py), and the money is
booked exactly: the slot fee per session plus the commission on the session's GMV."""

import numpy as np
import pytest

from simulation.kernel.api import OrderBatch
from simulation.kernel.engine import Replication, simulate
from strategies.livestream import LivestreamStrategy
from tests.conftest import scenario
from tests.paired import paired, paired_many, total, with_changes

REPLICATIONS = 8
MARKET = {"size": 100_000, "initial_shoppers": 10_000}
NO_SESSIONS = {"enabled": True, "every_days": 0, "days": []}


def small(horizon_days: int = 60, **livestream) -> object:
    return scenario(horizon_days=horizon_days, market=MARKET,
                    strategies={"livestream": {"enabled": True, "every_days": 7, **livestream}})


def test_enabled_without_sessions_changes_nothing():
    off = simulate(scenario(horizon_days=30, market=MARKET), 0)
    on = simulate(scenario(horizon_days=30, market=MARKET, strategies={"livestream": NO_SESSIONS}), 0)
    for name, values in off.daily.items():
        assert np.array_equal(values, on.daily[name], equal_nan=True), name


def test_sessions_bring_shoppers_orders_and_gmv():
    base = scenario(horizon_days=60, market=MARKET, strategies={"livestream": NO_SESSIONS})
    changes = paired_many(base, small(), {"orders": total("orders"), "gmv": total("gmv"),
                                          "new": total("new_shoppers_livestream")}, REPLICATIONS)
    for name, change in changes.items():
        assert change.clearly_positive(), (name, change)


def test_the_session_lift_raises_the_sessions_orders():
    base = small(conversion_lift=1.0, new_shoppers_per_session=0.0)
    change = paired(base, with_changes(base, **{"strategies.livestream.conversion_lift": 3.0}),
                    total("livestream_orders"), REPLICATIONS)
    assert change.clearly_positive(), change


def test_impulse_buys_in_the_session_are_returned_more_often():
    # A larger audience than the default, so that the return rate moves beyond its noise.
    base = small(return_factor=1.0, audience_share=0.3)
    change = paired(base, with_changes(base, **{"strategies.livestream.return_factor": 4.0}),
                    lambda run: run.kpis["return_rate"], REPLICATIONS)
    assert change.clearly_positive(), change


def test_followers_come_back_more_often():
    base = small(follow_probability=0.5, new_shoppers_per_session=0.0, conversion_lift=1.0)
    change = paired(base, with_changes(base, **{"strategies.livestream.follower_visit_factor": 1.5}),
                    total("visits"), REPLICATIONS)
    assert change.clearly_positive(), change


def test_fee_and_commission_are_booked_exactly_as_acquisition_marketing():
    run = simulate(small(horizon_days=30, slot_fee=1500.0, commission_rate=0.25), 0)
    d = run.daily
    assert d["livestream_sessions"].sum() == 5                          # days 1, 8, 15, 22, 29
    expected = 1500.0 * d["livestream_sessions"] + 0.25 * d["livestream_gmv"]
    assert np.allclose(d["cost_livestream"], expected, rtol=0, atol=1e-6)
    assert np.allclose(d["acquisition_cost"], expected, rtol=0, atol=1e-6)
    assert d["livestream_gmv"].sum() > 0
    assert run.kpis["livestream_roi"] == pytest.approx(d["livestream_gmv"].sum() / expected.sum())


def test_commission_and_returns_only_on_viewers_orders_during_the_session():
    """By hand: four orders on a session day, one by a viewer in the session."""
    replication = Replication(small(horizon_days=10, commission_rate=0.2, return_factor=3.0, slot_fee=100.0))
    live = next(s for s in replication.strategies if isinstance(s, LivestreamStrategy))
    live.start_day(1)                                            # a session day (every 7 from day 1)
    s = replication.shoppers
    s.add(replication.scenario, np.full(3, 1.0), np.zeros(3, np.int8), replication.rng["traits"])
    live.viewer_day[[0, 1]] = 1                                  # shoppers 0 and 1 watch; 2 does not
    start, end = live.window(1)
    orders = OrderBatch(shopper=np.array([0, 1, 2, 0]), time=np.array([start + 0.01, start - 0.01, start + 0.01, end]),
                        value=np.array([100.0, 50.0, 70.0, 30.0]), discount=np.zeros(4),
                        return_probability=np.full(4, 0.1), ships_free=np.zeros(4, bool))
    live.orders_placed(1, orders)
    # Only the viewer's order within the session: commission 0.2 x 100, its return chance x 3.
    assert replication.ledger.costs["livestream"] == pytest.approx(100.0 + 20.0)
    assert np.allclose(orders.return_probability, [0.3, 0.1, 0.1, 0.1])
    assert live.counts["livestream_orders"] == 1 and live.counts["livestream_gmv"] == 100.0
