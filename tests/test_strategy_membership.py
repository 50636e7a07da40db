"""Membership (strategies/membership.py): tiers by rolling spend, points, member days and a
paid membership. Each lever moves what it should, beyond noise, under common random
numbers (tests/paired.py)."""

import numpy as np

from simulation.kernel.engine import Replication, simulate
from simulation.kernel.service_desk import AgentQueue
from strategies.membership import MembershipStrategy
from tests.conftest import scenario
from tests.paired import PairedDifference, paired, with_changes

REPLICATIONS = 6

NO_PAID = {"enabled": False}
# A paid membership whose only benefit is the one under test.
NEUTRAL_PAID = {"enabled": True, "uptake_probability": 0.3, "fee_elasticity": 0.0, "free_shipping": False, "discount": 0.0,
                "visit_factor": 1.0, "dropout_factor": 1.0, "ticket_priority": 0.0}
NEUTRAL = {"enabled": True, "tiers": [], "points": {"per_currency": 0.0}, "paid": NO_PAID}


def small(horizon=90, calendar=(), **membership):
    return scenario(horizon_days=horizon, market={"size": 50_000, "initial_shoppers": 5_000},
                    strategies={"membership": {**NEUTRAL, **membership}}, calendar=list(calendar))


def replication(sc, k=0) -> tuple[Replication, MembershipStrategy]:
    rep = Replication(sc, k)
    return rep, next(s for s in rep.strategies if isinstance(s, MembershipStrategy))


def paired_on_replications(base, changed, measure, replications=REPLICATIONS) -> PairedDifference:
    """Like tests.paired.paired, for a measure that needs the replication (its shoppers)."""
    def value(sc, k):
        rep, strategy = replication(sc, k)
        rep.run()
        return measure(rep, strategy)
    return PairedDifference(np.array([value(changed, k) - value(base, k) for k in range(replications)]))


def mean_order_value(run) -> float:
    return run.daily["gmv"].sum() / run.daily["orders"].sum()


def test_enabled_with_neutral_settings_changes_nothing():
    base = dict(horizon_days=60, market={"size": 50_000, "initial_shoppers": 5_000})
    off = simulate(scenario(**base), 0)
    neutral_tiers = [{"name": "silver", "min_spend_365d": 50.0}, {"name": "gold", "min_spend_365d": 200.0}]
    for settings in (NEUTRAL, {**NEUTRAL, "tiers": neutral_tiers}):
        on = simulate(scenario(**base, strategies={"membership": settings}), 0)
        for name, values in off.daily.items():
            if not name.startswith("members_tier_"):
                assert np.array_equal(values, on.daily[name], equal_nan=True), name
    assert on.daily["members_tier_1"][-1] > 0 and on.daily["members_tier_2"][-1] > 0   # tiers were tracked


def test_tier_spend_is_exactly_the_last_365_days():
    sc = scenario(horizon_days=420, market={"size": 4_000, "initial_shoppers": 4_000},
                  acquisition={"innovation": 0, "imitation": 0},
                  strategies={"membership": {**NEUTRAL, "tiers": [{"name": "silver", "min_spend_365d": 60.0},
                                                                  {"name": "gold", "min_spend_365d": 250.0}]}})
    rep = Replication(sc, 0, record_transactions=True)
    strategy = next(s for s in rep.strategies if isinstance(s, MembershipStrategy))
    tx = rep.run().transactions
    recent = np.floor(tx["time"]) > 419 - 365            # days 55..419: the window at the end of day 419
    expected = np.bincount(tx["shopper"][recent], weights=(tx["value"] - tx["discount"])[recent], minlength=4_000)
    spend = rep.shoppers.member_spend_365d[:4_000]
    assert np.allclose(spend, expected, rtol=1e-9, atol=1e-6)
    assert np.all(strategy.tier[:4_000] == np.searchsorted([60.0, 250.0], expected, side="right"))
    assert rep.daily["members_tier_1"][-1] == np.count_nonzero(strategy.tier[:4_000] == 1) > 0
    assert rep.daily["members_tier_2"][-1] == np.count_nonzero(strategy.tier[:4_000] == 2) > 0
    # The window rolled: some shoppers spent before day 55 and not since, and so hold no tier.
    lifetime = np.bincount(tx["shopper"], weights=tx["value"] - tx["discount"], minlength=4_000)
    assert np.count_nonzero((lifetime >= 60.0) & (expected < 60.0)) > 50


def test_tier_benefits_raise_visits_and_baskets():
    tiers = [{"name": "everyone", "min_spend_365d": 0.0}]
    base = small(tiers=tiers)
    visits = paired(base, with_changes(base, **{"strategies.membership.tiers": [{**tiers[0], "visit_factor": 1.3}]}),
                    "orders", REPLICATIONS)
    assert visits.clearly_positive(), visits
    basket = paired(base, with_changes(base, **{"strategies.membership.tiers": [{**tiers[0], "basket_factor": 1.2}]}),
                    mean_order_value, REPLICATIONS)
    assert basket.clearly_positive(), basket


def test_a_paid_membership_lowers_dropout_among_members():
    """Every buyer takes the membership at its first order. Among the members, more are
    still (latently) alive at the end when the membership cuts dropout than when it
    does not; and more shoppers are alive at the end than with no membership at all."""
    paid = {**NEUTRAL_PAID, "uptake_probability": 1.0}
    members_only = small(paid=paid)
    with_lower_dropout = with_changes(members_only, **{"strategies.membership.paid.dropout_factor": 0.5})

    def members_alive(rep, strategy):
        n = rep.shoppers.n
        members = strategy.paid_until[:n] >= 0
        return rep.shoppers.alive[:n][members].mean()

    change = paired_on_replications(members_only, with_lower_dropout, members_alive)
    assert change.clearly_positive(), change
    assert change.mean > 0.02, change            # not a rounding: a few points of the members kept

    off = scenario(horizon_days=90, market={"size": 50_000, "initial_shoppers": 5_000})
    alive = paired(off, with_lower_dropout, lambda run: run.daily["alive_shoppers"][-1], REPLICATIONS)
    assert alive.clearly_positive(), alive


def loaded_desk(priority: float):
    """One agent, a ticket for every order: the desk is busy about 80 % of the time."""
    sc = small(paid={**NEUTRAL_PAID, "ticket_priority": priority, "uptake_probability": 0.1})
    return with_changes(sc, **{"strategies.service_quality.agents": 1, "strategies.service_quality.tickets_per_order": 1.0,
                               "strategies.service_quality.handle_minutes": 25.0})


def member_and_other_waits(sc, k, monkeypatch) -> tuple[float, float]:
    """Mean wait (minutes) of the tickets of paid members and of the others, in replication k.
    The desk asks for the priorities of the queued tickets' shoppers just before it plays
    them: that call says which of the tickets are members'."""
    rep, strategy = replication(sc, k)
    asked = []
    ticket_priority = strategy.ticket_priority

    def recording_priority(who):
        asked.append(strategy.paid[who].copy())
        return ticket_priority(who)

    member_of: dict[int, bool] = {}
    waits: dict[int, float] = {}
    play = AgentQueue.play

    def recording_play(self, ids, *args, **kwargs):
        decided = play(self, ids, *args, **kwargs)
        member_of.update(zip(ids.tolist(), asked[-1].tolist()))
        waits.update(decided)
        return decided

    strategy.ticket_priority = recording_priority
    with monkeypatch.context() as patch:
        patch.setattr(AgentQueue, "play", recording_play)
        rep.run()
    member = np.array([member_of[t] for t in waits])
    wait = np.array(list(waits.values())) * 24 * 60
    return float(np.nanmean(wait[member])), float(np.nanmean(wait[~member]))


def test_members_wait_less_when_the_desk_is_loaded(monkeypatch):
    gap, gain = [], []
    # Waits are noisy: 12 pairs give the 1-in-10,000 test the power to see a gain of about
    # 13 minutes (se about 2 with 8 pairs, where the bar is 6.1 se).
    for k in range(12):
        member, other = member_and_other_waits(loaded_desk(1.0), k, monkeypatch)
        member_fcfs, _ = member_and_other_waits(loaded_desk(0.0), k, monkeypatch)
        gap.append(member - other)
        gain.append(member - member_fcfs)
    gap, gain = PairedDifference(np.array(gap)), PairedDifference(np.array(gain))
    assert gap.clearly_negative(), gap        # members wait less than the others ...
    assert gain.clearly_negative(), gain      # ... and less than they would first come, first served


def test_paid_membership_fees_are_income_recognised_over_the_term():
    sc = small(paid={**NEUTRAL_PAID, "fee": 73.0, "term_days": 30})
    run = simulate(sc, 0)
    d = run.daily
    assert np.allclose(d["membership_fees"], d["paid_members"] * 73.0 / 30)      # ratably: fee / term per member-day
    assert d["membership_fees"].sum() > 0
    assert np.allclose(d["revenue"], d["gmv"] - d["discounts"] - d["refunds"] + d["shipping_fees"] + d["membership_fees"]
                       + d["forfeited_deposits"])
    off = simulate(with_changes(sc, **{"strategies.membership.paid.fee": 0.0}), 0)
    assert np.allclose(d["contribution"] - off.daily["contribution"], d["membership_fees"])   # fees: no cost of goods
    assert off.daily["membership_fees"].sum() == 0
    assert run.kpis["paid_members_end"] == d["paid_members"][-1] > 0
    assert np.isclose(run.kpis["membership_fee_revenue"], d["membership_fees"].sum())


def test_a_dearer_membership_finds_fewer_takers():
    base = small(paid={**NEUTRAL_PAID, "uptake_probability": 0.2, "fee_elasticity": 1.5})
    dearer = with_changes(base, **{"strategies.membership.paid.fee": 298.0})
    members = paired(base, dearer, lambda run: run.daily["paid_members"][-1], REPLICATIONS)
    assert members.clearly_negative(), members
    _, strategy = replication(dearer)
    assert np.isclose(strategy.uptake_probability(), 0.2 * (298 / 198) ** -1.5)


def test_renewal_keeps_members_and_satisfaction_moves_it():
    base = small(horizon=90, paid={**NEUTRAL_PAID, "term_days": 30, "renewal_probability": 0.2})
    renewing = with_changes(base, **{"strategies.membership.paid.renewal_probability": 0.9})
    members = paired(base, renewing, lambda run: run.daily["paid_members"][-1], REPLICATIONS)
    assert members.clearly_positive(), members
    _, strategy = replication(base)
    assert np.allclose(strategy.renewal_probability(np.array([0.7, 0.8, 0.9])), [0.1, 0.2, 0.3])


def test_free_shipping_converts_checkouts_and_members_pay_no_shipping_fee():
    base = small(paid={**NEUTRAL_PAID, "uptake_probability": 0.5})
    free = with_changes(base, **{"strategies.membership.paid.free_shipping": True,
                                 "strategies.logistics.free_shipping_conversion_uplift": 0.3})
    checkout = paired(base, free, lambda run: run.daily["orders"].sum() / run.daily["checkout"].sum(), REPLICATIONS)
    assert checkout.clearly_positive(), checkout
    run = simulate(with_changes(free, **{"strategies.logistics.shipping_fee": 7.0}), 0)
    d = run.daily
    assert d["free_shipping_orders"].sum() > 100                 # members' orders
    assert np.array_equal(d["shipping_fees"], 7.0 * (d["orders"] - d["free_shipping_orders"]))   # the others pay
    assert np.array_equal(d["shipping_fees_waived"], 7.0 * d["free_shipping_orders"])
    # Free shipping is revenue not earned, not a cost of its own: nothing is booked under membership.
    assert d["cost_membership"].sum() == 0 and d["marketing_cost"].sum() == 0
    assert d["discounts"].sum() == 0
    none = simulate(with_changes(base, **{"strategies.logistics.shipping_fee": 7.0}), 0).daily
    assert none["free_shipping_orders"].sum() == 0 and np.array_equal(none["shipping_fees"], 7.0 * none["orders"])


def test_the_moved_free_shipping_keys_say_where_they_went():
    import pytest
    from simulation.kernel.scenario import Scenario
    with pytest.raises(ValueError, match=r"shipping_fee: moved to strategies.logistics.shipping_fee"):
        Scenario.model_validate({"strategies": {"membership": {"paid": {"shipping_fee": 5}}}})
    with pytest.raises(ValueError, match=r"free_shipping_conversion: moved to strategies.logistics.free_shipping_conversion_uplift"):
        Scenario.model_validate({"strategies": {"membership": {"paid": {"free_shipping_conversion": 1.15}}}})


def test_points_redemptions_are_a_retention_cost_when_redeemed():
    sc = small(points={"per_currency": 1.0, "value": 0.01, "redeem_minimum": 50.0, "redemption_probability": 1.0})
    rep, strategy = replication(sc)
    run = rep.run()
    cost = run.daily["cost_membership"].sum()
    assert cost > 0 and np.isclose(run.kpis["marketing_cost"], cost)
    n = rep.shoppers.n
    earned = float((rep.shoppers.spend[:n]).sum()) * 0.01
    outstanding = float(strategy.points[:n].sum()) * 0.01
    assert np.isclose(cost + outstanding, earned)            # every point earned is redeemed or still held
    assert simulate(small(), 0).daily["cost_membership"].sum() == 0


def test_member_day_brings_members_and_gives_them_its_discount():
    event = {"name": "member day", "kind": "member_day", "start_day": 40, "traffic": 4.0, "discount": 0.1}
    members = {**NEUTRAL_PAID, "uptake_probability": 1.0}     # every customer
    day = paired(small(paid=members), small(paid=members, calendar=[event]), lambda run: run.daily["orders"][40], 8)
    assert day.clearly_positive(), day
    run = simulate(small(paid=members, calendar=[event]), 0)
    assert run.daily["discounts"][40] > 0 and run.daily["discounts"][39] == 0 and run.daily["discounts"][41] == 0
    # Without members, a member day changes nothing.
    nobody = simulate(small(calendar=[event]), 0)
    plain = simulate(small(), 0)
    assert np.array_equal(nobody.daily["orders"], plain.daily["orders"])


def test_membership_columns_follow_the_population_as_it_grows():
    """The population reallocates its arrays as shoppers join: the strategy's columns go along."""
    sc = scenario(horizon_days=60, market={"size": 50_000, "initial_shoppers": 500}, acquisition={"innovation": 0.002},
                  strategies={"membership": {"enabled": True, "paid": {"enabled": True, "uptake_probability": 0.5}}})
    rep, strategy = replication(sc)
    rep.run()
    assert rep.shoppers.n > 4 * 1024
    n = rep.shoppers.n
    assert strategy.paid[:n].sum() == rep.daily["paid_members"][-1] > 0
    assert np.all(strategy.tier[:n] == strategy.tier_of(strategy.spend_365d[:n]))


def test_a_free_shipping_member_day_ships_members_orders_free():
    day = {"name": "member day", "kind": "member_day", "start_day": 20, "days": 5, "free_shipping": True}
    sc = small(horizon=30, calendar=[day], paid={**NEUTRAL_PAID, "uptake_probability": 0.5})   # no free shipping otherwise
    d = simulate(sc, 0).daily
    on = (np.arange(30) >= 20) & (np.arange(30) < 25)
    assert d["free_shipping_orders"][~on].sum() == 0
    assert np.all(d["free_shipping_orders"][on] > 0)                                # members' orders ...
    assert np.all(d["free_shipping_orders"][on] < d["orders"][on])                  # ... and only theirs
    assert np.array_equal(d["shipping_fees"], 6.0 * (d["orders"] - d["free_shipping_orders"]))
