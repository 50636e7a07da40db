"""Pre-sale with a deposit (strategies/presale.py): deposits taken in the window turn into
balance orders in the final-payment window, forfeited deposits are revenue without goods,
and the money adds up order by order."""

import numpy as np

from simulation.kernel.engine import Replication, simulate
from strategies.presale import FORFEITS, PAYS, PresaleStrategy
from tests.conftest import scenario
from tests.paired import paired_many, total, with_changes

REPLICATIONS = 6
WINDOWS = {"deposit_start_day": 5, "deposit_days": 14, "final_payment_day": 25, "final_payment_days": 3}


def small(**presale):
    return scenario(horizon_days=35, market={"size": 50_000, "initial_shoppers": 5_000},
                    strategies={"presale": {"enabled": True, **WINDOWS, **presale}})


def replication(sc, k=0) -> tuple[Replication, PresaleStrategy]:
    rep = Replication(sc, k, True)
    return rep, next(s for s in rep.strategies if isinstance(s, PresaleStrategy))


def test_no_deposits_changes_nothing():
    off = simulate(scenario(horizon_days=35, market={"size": 50_000, "initial_shoppers": 5_000}), 0)
    on = simulate(small(deposit_probability=0.0), 0)
    for name, values in off.daily.items():
        assert np.array_equal(values, on.daily[name], equal_nan=True), name


def test_deposits_bring_orders_and_revenue_beyond_noise():
    base = small(deposit_probability=0.0)
    deal = with_changes(base, **{"strategies.presale.deposit_probability": 0.3})
    moved = paired_many(base, deal, {"orders": "orders", "revenue": total("revenue"),
                                     "forfeited": total("forfeited_deposits")}, REPLICATIONS)
    for name, difference in moved.items():
        assert difference.clearly_positive(), (name, difference)


def test_deposit_plus_balance_is_the_basket_less_the_deposits_extra_value():
    """20 % deposits worth 1.5 times themselves: a basket of 100 takes 20 of deposit, 30 off,
    70 of balance: 20 + 70 = 100 - 10. Checked on every balance order of a run."""
    rep, strategy = replication(small(deposit_probability=0.3, deposit_share=0.2, deposit_multiplier=1.5,
                                      forfeit_probability=0.2))
    run = rep.run()
    d, t, n = run.daily, run.transactions, rep.shoppers.n
    state = strategy.state[:n]
    depositors = np.flatnonzero(state > 0)
    assert depositors.size == d["presale_deposits"].sum() > 100
    deposit = 0.2 * strategy.basket[depositors]
    assert np.isclose(deposit.sum(), d["presale_deposit_value"].sum())
    assert np.all(strategy.deposit[:n] == 0)                         # every deposit settled or forfeited
    # Balance orders: the depositors' orders in the final window carrying the pre-sale basket.
    in_window = (t["time"] >= 25) & (t["time"] < 28)
    paid_basket = in_window & (state[t["shopper"]] == PAYS) & (t["value"] == strategy.basket[t["shopper"]])
    assert paid_basket.sum() == d["presale_final_payments"].sum() > 100
    basket = t["value"][paid_basket]
    paid = basket - t["discount"][paid_basket]                        # deposit + balance
    balance = paid - 0.2 * basket
    assert np.allclose(0.2 * basket + balance, basket - 0.2 * basket * (1.5 - 1.0))
    assert np.allclose(t["discount"][paid_basket], 0.1 * basket)       # the only discount in this scenario
    assert np.isclose(d["discounts"].sum(), 0.1 * basket.sum())
    # Forfeits: every depositor who meant to forfeit, and those who paid nothing (they left).
    settled = np.unique(t["shopper"][paid_basket])
    lost = np.setdiff1d(depositors, settled)
    assert not rep.shoppers.alive[lost[state[lost] == PAYS]].any()    # a payer who paid nothing had left
    assert set(np.flatnonzero(state == FORFEITS)) <= set(lost)
    assert lost.size == d["presale_forfeits"].sum()
    assert np.isclose(d["forfeited_deposits"].sum(), 0.2 * strategy.basket[lost].sum())
    # Forfeited deposits are revenue on the day the window closes, on their own line: not membership fees.
    assert d["membership_fees"].sum() == 0 and run.kpis["membership_fee_revenue"] == 0
    assert d["forfeited_deposits"][27] > 0 and d["forfeited_deposits"].sum() == d["forfeited_deposits"][27]
    assert np.allclose(d["revenue"], d["gmv"] - d["discounts"] - d["refunds"] + d["shipping_fees"] + d["membership_fees"]
                       + d["forfeited_deposits"])
    assert run.kpis["presale_conversion_to_final"] + run.kpis["forfeiture_rate"] == 1.0


def test_everyone_forfeits_exactly_what_they_deposited():
    run = simulate(small(deposit_probability=0.3, forfeit_probability=1.0), 0)
    d = run.daily
    assert d["presale_final_payments"].sum() == 0 and d["presale_forfeits"].sum() == d["presale_deposits"].sum() > 0
    assert np.isclose(d["forfeited_deposits"].sum(), d["presale_deposit_value"].sum())
    assert run.kpis["forfeiture_rate"] == 1.0
