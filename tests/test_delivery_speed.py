"""Faster delivery has value (simulation/kernel/delivery_speed.py): a promise faster than the
norm converts more, an on-time delivery sooner than the norm pleases more; at or above the
norm nothing changes. Paired replications under common random numbers (tests/paired.py)."""

import numpy as np
import pytest

from simulation.kernel.delivery_speed import DeliverySpeed, promise_conversion_factor, speed_satisfaction_gain
from tests.conftest import scenario
from tests.paired import last, paired, ratio, run, with_changes

LG = "strategies.logistics."
SPEED = LG + "delivery_speed."

# A warehouse that never falls behind and a carrier that is never late against a 5-day promise.
FAST = scenario(horizon_days=90, market={"size": 50_000, "initial_shoppers": 10_000},
                strategies={"logistics": {"capacity_per_day": 100_000, "transit_days_mean": 1.0,
                                          "transit_days_sd": 0.0, "promised_days": 5.0,
                                          "late_ticket_probability": 0.0}})


def test_the_functions():
    speed = DeliverySpeed()
    assert promise_conversion_factor(5.0, speed) == 1.0 and promise_conversion_factor(3.0, speed) == 1.0
    assert promise_conversion_factor(1.0, speed) == pytest.approx(1.015 ** 2)
    gain = speed_satisfaction_gain(np.array([0.5, 2.0, 3.0, 4.0, 1.0]), np.array([True, True, True, True, False]), speed)
    assert np.allclose(gain, [0.025, 0.01, 0.0, 0.0, 0.0])


def test_a_promise_faster_than_the_norm_converts_more():
    """A 1-day promise (2 days under the 3-day norm) multiplies checkout -> order by 1.015^2:
    about 3 % more orders per checkout. Under common random numbers the difference is
    the visits whose draw falls between the two thresholds: far beyond noise."""
    quick = with_changes(FAST, **{LG + "promised_days": 1.5})
    conversion = paired(FAST, quick, ratio("orders", "checkout"))
    assert conversion.clearly_positive(), conversion
    base = run(FAST, 0).daily
    relative = conversion.mean / (base["orders"].sum() / base["checkout"].sum())
    assert 0.01 < relative < 0.03, relative   # 1.015^1.5 - 1 = 2.3 %, less where the stage is capped at 1


def test_a_promise_at_or_above_the_norm_changes_nothing():
    slower = with_changes(FAST, **{LG + "promised_days": 7.0, SPEED + "satisfaction_per_day": 0.0})
    at_norm = with_changes(FAST, **{LG + "promised_days": 3.0, SPEED + "satisfaction_per_day": 0.0})
    neutral = with_changes(FAST, **{SPEED + "satisfaction_per_day": 0.0})
    a, b, c = run(neutral, 0).daily, run(slower, 0).daily, run(at_norm, 0).daily
    for column in ("visits", "checkout", "orders", "gmv"):
        assert np.array_equal(a[column], b[column]) and np.array_equal(a[column], c[column]), column


def test_a_delivery_sooner_than_the_norm_pleases_more():
    """Delivered in about 2 days (a day in the warehouse queue at most, a day in transit)
    against a 3-day norm: each delivery earns about 0.01 more satisfaction than with no
    value on speed; shoppers end happier, beyond noise."""
    no_value = with_changes(FAST, **{SPEED + "satisfaction_per_day": 0.0})
    change = paired(no_value, FAST, last("satisfaction_mean"))
    assert change.clearly_positive(), change
    slow = with_changes(FAST, **{LG + "transit_days_mean": 3.0})   # about 3.5 days: no gain, none lost
    a, b = run(slow, 0).daily, run(with_changes(slow, **{SPEED + "satisfaction_per_day": 0.0}), 0).daily
    assert np.allclose(a["satisfaction_mean"], b["satisfaction_mean"], equal_nan=True)
