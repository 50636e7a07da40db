"""Spend-threshold discounts (strategies/threshold_discount.py): baskets bunch at the
threshold, the discount goes only to baskets at or above it, and the deal lifts orders."""

import numpy as np

from simulation.kernel.engine import Replication, simulate
from simulation.kernel.orders import OrderBatch
from strategies.threshold_discount import ThresholdDiscountStrategy
from tests.conftest import scenario
from tests.paired import paired_many, with_changes

REPLICATIONS = 10   # at 1-in-10,000 one-sided, t_9 asks 5.7 SEs of the paired differences (t_5: 9.7)
MARKET = {"size": 50_000, "initial_shoppers": 5_000}


def small(**deal):
    return scenario(horizon_days=45, market=MARKET, strategies={"threshold_discount": {"enabled": True, **deal}})


def test_a_deal_without_lift_or_top_ups_only_discounts():
    off = simulate(scenario(horizon_days=45, market=MARKET), 0)
    on = simulate(small(conversion_lift=1.0, top_up_probability=0.0), 0)
    for name in ("orders", "gmv", "visits"):
        assert np.array_equal(off.daily[name], on.daily[name]), name
    assert on.daily["discounts"].sum() == 28.0 * on.daily["threshold_orders"].sum() > 0


def test_the_deal_lifts_orders_and_bunches_baskets_beyond_noise():
    base = small(conversion_lift=1.0, top_up_probability=0.0)
    deal = with_changes(base, **{"strategies.threshold_discount.conversion_lift": 1.2,
                                 "strategies.threshold_discount.top_up_probability": 0.5})
    moved = paired_many(base, deal, {"orders": "orders", "share": "threshold_order_share"}, REPLICATIONS)
    for name, difference in moved.items():
        assert difference.clearly_positive(), (name, difference)


def test_discount_only_on_baskets_at_or_above_the_threshold_by_hand():
    sc = small(tiers=[{"threshold": 60, "off": 10}, {"threshold": 120, "off": 25}], top_up_band=0.25,
               top_up_probability=1.0, conversion_lift=1.0)
    rep = Replication(sc, 0)
    strategy = next(s for s in rep.strategies if isinstance(s, ThresholdDiscountStrategy))
    strategy.start_day(0)
    value = np.array([20.0, 44.0, 45.0, 59.99, 60.0, 89.0, 90.0, 119.0, 120.0, 500.0])
    n = value.size
    orders = OrderBatch(np.arange(n), np.linspace(0.1, 0.9, n), value.copy(), np.zeros(n), np.zeros(n), np.zeros(n, bool))
    strategy.orders_placed(0, orders)
    # 45 .. 60 top up to 60 (band 25 % of 60), 90 .. 120 to 120; 20 and 44 are too far off.
    assert orders.value.tolist() == [20.0, 44.0, 60.0, 60.0, 60.0, 89.0, 120.0, 120.0, 120.0, 500.0]
    assert orders.discount.tolist() == [0, 0, 10, 10, 10, 10, 25, 25, 25, 25]
    assert strategy.counts["topped_up_orders"] == 4 and strategy.counts["threshold_orders"] == 8
    # 每满减: 25 for every whole 120.
    strategy.config = strategy.config.model_copy(update={"per_multiple": True})
    assert strategy.off_for(np.array([59.0, 60.0, 119.0, 240.0, 500.0])).tolist() == [0, 10, 10, 50, 100]


def test_in_a_run_the_discount_goes_only_to_baskets_over_the_threshold():
    run = simulate(small(), 0, transactions=True)
    t, d = run.transactions, run.daily
    assert np.all(t["discount"][t["value"] < 170.0] == 0)            # the default tier: 满170减28
    assert np.all(t["discount"][t["value"] >= 170.0] == 28.0)
    assert d["topped_up_orders"].sum() > 50
    assert np.count_nonzero(t["value"] == 170.0) >= d["topped_up_orders"].sum()   # bunched exactly at 170
    assert np.isclose(d["discounts"].sum(), d["threshold_discounts"].sum())
    assert np.isclose(run.kpis["threshold_order_share"], d["threshold_orders"].sum() / d["orders"].sum())


def test_with_free_shipping_a_sale_and_the_other_tactics_the_books_balance():
    """满减, a pre-sale and red packets together, with free shipping over 60 and a sale day:
    a basket topped up to the threshold ships free, every discount is within the basket,
    and the money identities hold every day."""
    from simulation.kernel.registry import registry
    from tests.test_money import money_identities
    sc = scenario(horizon_days=45, market=MARKET,
                  strategies={"threshold_discount": {"enabled": True, "top_up_probability": 1.0},
                              "presale": {"enabled": True, "deposit_start_day": 5, "deposit_days": 10,
                                          "final_payment_day": 20, "deposit_probability": 0.3},
                              "coupons": {"enabled": True, "issue_days": [3, 18], "after_order": True},
                              "logistics": {"enabled": True, "free_shipping_threshold": 60.0, "top_up_probability": 0.0}},
                  calendar=[{"name": "sale", "kind": "festival_sale", "start_day": 21, "days": 2, "discount": 0.1}])
    rep = Replication(sc, 0, True)
    run = rep.run()
    d = run.daily
    t = {f: np.concatenate([getattr(o, f) for o in rep.transactions]) for f in ("value", "discount", "ships_free")}
    money_identities(d, registry().cost_columns)
    assert d["topped_up_orders"].sum() > 0 and d["presale_final_payments"].sum() > 0 and d["coupons_used"].sum() > 0
    assert np.all(t["ships_free"][t["value"] >= 60.0])
    assert np.all(t["discount"] <= t["value"] + 1e-9) and np.all(t["discount"] >= 0)
    assert d["forfeited_deposits"].sum() > 0 and d["membership_fees"].sum() == 0   # a deposit is not a fee
