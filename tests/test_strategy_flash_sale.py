"""Flash sales, 秒杀 (strategies/flash_sale.py): the sale moves what it should, beyond noise,
under common random numbers (tests/paired.py); the stock is never exceeded and only the
units within it get the discount, first come first served in time order."""

import numpy as np
import pytest

from simulation.kernel.api import OrderBatch
from simulation.kernel.engine import Replication, simulate
from strategies.flash_sale import FlashSaleStrategy
from tests.conftest import scenario
from tests.paired import paired, paired_many, total, with_changes

REPLICATIONS = 8
MARKET = {"size": 100_000, "initial_shoppers": 10_000}
NO_SALES = {"enabled": True, "every_days": 0, "days": []}


def small(horizon_days: int = 60, **flash_sale) -> object:
    return scenario(horizon_days=horizon_days, market=MARKET,
                    strategies={"flash_sale": {"enabled": True, "every_days": 7, **flash_sale}})


def strategy(sc) -> tuple[Replication, FlashSaleStrategy]:
    replication = Replication(sc)
    return replication, next(s for s in replication.strategies if isinstance(s, FlashSaleStrategy))


def test_enabled_without_sales_changes_nothing():
    off = simulate(scenario(horizon_days=30, market=MARKET), 0)
    on = simulate(scenario(horizon_days=30, market=MARKET, strategies={"flash_sale": NO_SALES}), 0)
    for name, values in off.daily.items():
        assert np.array_equal(values, on.daily[name], equal_nan=True), name


def test_sales_bring_a_traffic_spike_more_orders_and_cost_discounts():
    base = scenario(horizon_days=60, market=MARKET, strategies={"flash_sale": NO_SALES})
    changes = paired_many(base, small(), {"orders": total("orders"), "discounts": total("discounts")}, REPLICATIONS)
    for name, change in changes.items():
        assert change.clearly_positive(), (name, change)
    # The spike: a sale day's visits stand out from the other days' (their daily noise is ~2 %).
    d = simulate(small(), 0).daily
    held = d["flash_sale_held"] == 1
    assert d["flash_sale_visitors"][held].min() > 0.1 * d["visits"][~held].mean()
    assert d["visits"][held].mean() > 1.1 * d["visits"][~held].mean()


def test_the_lift_raises_orders_in_the_window():
    base = small(conversion_lift=1.0, stock_units=10_000)   # stock never binds: units = orders in the window
    change = paired(base, with_changes(base, **{"strategies.flash_sale.conversion_lift": 3.0}),
                    total("flash_sale_units_sold"), REPLICATIONS)
    assert change.clearly_positive(), change


def test_stock_is_never_exceeded_and_its_discount_is_the_only_one():
    run = simulate(small(stock_units=10, visit_share=0.1, subsidy_per_unit=2.0), 0)
    d = run.daily
    held = d["flash_sale_held"] == 1
    assert held.sum() == 9                                               # days 1, 8, ..., 57
    assert np.all(d["flash_sale_units_sold"] <= d["flash_sale_stock"])
    assert np.all(d["flash_sale_sold_out"][held] == 1)                  # 10 units go within the hour
    assert np.all(d["flash_sale_units_sold"][held] == 10)
    assert d["flash_sale_missed"].sum() > 0                              # orders after the sell-out pay full price
    assert np.allclose(d["discounts"], d["flash_sale_discounts"])        # no other discount in this scenario
    assert np.allclose(d["cost_flash_sale"], 2.0 * d["flash_sale_units_sold"])
    assert run.kpis["flash_sale_sell_through"] == pytest.approx(1.0)


def test_first_come_first_served_by_hand():
    """Five orders, three in the window, two units: the two earliest in the window get half off."""
    replication, sale = strategy(small(horizon_days=10, stock_units=2, discount_share=0.5, subsidy_per_unit=1.0))
    sale.start_day(8)                                                    # a sale day, no shoppers yet
    start, end = sale.start, sale.end
    assert (start, end) == (pytest.approx(8 + 20 / 24), pytest.approx(8 + 21 / 24))
    orders = OrderBatch(shopper=np.arange(5), value=np.array([10.0, 20.0, 30.0, 40.0, 50.0]),
                        time=np.array([start + 0.02, start - 0.01, start + 0.01, end + 0.001, start + 0.005]),
                        discount=np.array([0.0, 0.0, 2.0, 0.0, 0.0]),
                        return_probability=np.full(5, 0.1), ships_free=np.zeros(5, bool))
    sale.orders_placed(8, orders)
    # In the window: orders 0 (latest), 2 and 4 (earliest); units go to 4, then 2 (half of what is left to pay).
    assert np.allclose(orders.discount, [0.0, 0.0, 2.0 + 14.0, 0.0, 25.0])
    assert sale.units_left == 0 and sale.sold_out_at == pytest.approx(start + 0.01)
    assert replication.ledger.costs["flash_sale"] == pytest.approx(2.0)
    assert sale.counts["flash_sale_missed"] == 1 and sale.counts["flash_sale_sold_out"] == 1
    # A later round of the same day: the stock is gone, no deal and no lift after the sell-out.
    later = OrderBatch(shopper=np.array([5]), time=np.array([start + 0.015]), value=np.array([60.0]),
                       discount=np.zeros(1), return_probability=np.full(1, 0.1), ships_free=np.zeros(1, bool))
    sale.orders_placed(8, later)
    assert later.discount[0] == 0.0
    lift = sale.stage_factors(np.array([0, 1]), np.array([start + 0.001, start + 0.015]))["cart"]
    assert np.allclose(lift, [sale.config.conversion_lift, 1.0])


def test_allocation_takes_the_earliest_whatever_their_order():
    times = np.array([0.5, 0.1, 0.3, 0.1, 0.9])
    assert FlashSaleStrategy.allocate(times, 3).tolist() == [False, True, True, True, False]
    assert FlashSaleStrategy.allocate(times, 0).sum() == 0
    assert FlashSaleStrategy.allocate(times, 99).all()
