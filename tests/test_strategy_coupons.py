"""Red packets and coupons that expire (strategies/coupons.py): holders visit more, a coupon
is redeemed at most once, never after it expires, and only on an order of the minimum
spend; the discount is what it costs, with the sending cost."""

import numpy as np

from simulation.kernel.engine import Replication, simulate
from strategies.coupons import CouponsStrategy
from tests.conftest import scenario
from tests.paired import paired, with_changes

REPLICATIONS = 6
MARKET = {"size": 50_000, "initial_shoppers": 5_000}


def small(horizon=40, **coupons):
    return scenario(horizon_days=horizon, market=MARKET, strategies={"coupons": {"enabled": True, **coupons}})


def test_enabled_without_coupons_changes_nothing():
    off = simulate(scenario(horizon_days=40, market=MARKET), 0)
    on = simulate(small(), 0)
    for name, values in off.daily.items():
        assert np.array_equal(values, on.daily[name], equal_nan=True), name


def test_holders_visit_and_order_more_beyond_noise():
    base = small(issue_days=[5, 20], visit_lift=1.0, urgency_lift=1.0)
    lifted = with_changes(base, **{"strategies.coupons.visit_lift": 1.5, "strategies.coupons.urgency_lift": 1.5})
    orders = paired(base, lifted, "orders", REPLICATIONS)
    assert orders.clearly_positive(), orders
    used = paired(base, lifted, "coupon_redemption_rate", REPLICATIONS)
    assert used.clearly_positive(), used


def test_a_coupon_is_redeemed_once_within_its_validity_and_over_the_minimum_spend():
    """One campaign at the end of day 10: 5 off orders of 30 or more, valid on days 11-17."""
    rep = Replication(small(issue_days=[10], value=5.0, min_spend=30.0, valid_days=7, cost_per_coupon=0.02), 0, True)
    strategy = next(s for s in rep.strategies if isinstance(s, CouponsStrategy))
    run = rep.run()
    t, d = run.transactions, run.daily
    used = t["discount"] > 0                                       # coupons are the only discount here
    assert used.sum() == d["coupons_used"].sum() > 100
    assert np.all((t["time"][used] >= 11.0) & (t["time"][used] < 18.0))   # never before it is given, never after expiry
    assert np.all(t["value"][used] >= 30.0) and np.all(t["discount"][used] == 5.0)
    assert np.unique(t["shopper"][used]).size == used.sum()       # at most once per coupon (one per shopper here)
    # A holder's order of the minimum spend in the validity always redeems it: no one
    # with such an order kept the coupon.
    holders = np.flatnonzero(strategy.expires[: rep.shoppers.n] == 18)      # given one on day 10
    assert holders.size == d["coupons_issued"].sum()
    eligible = (t["time"] >= 11) & (t["time"] < 18) & (t["value"] >= 30.0) & np.isin(t["shopper"], holders)
    assert np.array_equal(np.unique(t["shopper"][eligible]), np.unique(t["shopper"][used]))
    # Every coupon given is used or expired (the run ends after expiry); all are gone.
    assert d["coupons_issued"].sum() == d["coupons_used"].sum() + d["coupons_expired"].sum()
    assert d["coupons_expired"][18] == d["coupons_expired"].sum()  # all at the start of day 18
    assert np.all(strategy.held[: rep.shoppers.n] == 0)
    # What it cost: the discounts redeemed, and 0.02 a coupon sent.
    assert d["discounts"].sum() == 5.0 * d["coupons_used"].sum() == d["coupon_discounts"].sum()
    assert np.isclose(d["cost_coupons"].sum(), 0.02 * d["coupons_issued"].sum())


def test_coupons_after_orders_and_on_joining_are_all_accounted_for():
    rep = Replication(small(horizon=60, on_join=True, after_order=True, valid_days=5), 0, True)
    strategy = next(s for s in rep.strategies if isinstance(s, CouponsStrategy))
    run = rep.run()
    d = run.daily
    outstanding = int(np.count_nonzero(strategy.held[: rep.shoppers.n] > 0))
    assert d["coupons_issued"].sum() == d["coupons_used"].sum() + d["coupons_expired"].sum() + outstanding
    assert d["coupons_used"].sum() > 100
    t = run.transactions
    used = t["discount"] > 0
    assert np.isclose(t["discount"].sum(), d["coupon_discounts"].sum()) and used.sum() == d["coupons_used"].sum()
    assert np.all(t["value"][used] >= 30.0)
    # A coupon given after an order is valid from the next day: a shopper's orders on one day
    # redeem at most one coupon.
    day = np.floor(t["time"][used]).astype(np.int64)
    pairs = t["shopper"][used] * 1000 + day
    assert np.unique(pairs).size == pairs.size
