"""Cross-channel strategy: each lever moves what it should, beyond noise, under
common random numbers (tests/paired.py); its costs are booked; neutral settings
change nothing."""

import math

import numpy as np
import pytest

from simulation.kernel.engine import simulate
from simulation.kernel.registry import registry
from simulation.kernel.scenario import Scenario
from strategies.cross_channel import SHOPPING_CHANNELS, Channels, per_week, sent_today
from tests.conftest import scenario
from tests.paired import PairedDifference, paired, paired_many, total, with_changes

HORIZON = 120
KEY = "strategies.cross_channel"
REPLICATIONS = 6      # one-sided t quantile at 1e-4 with 5 degrees of freedom: 9.7 SE


def small(**cross_channel) -> Scenario:
    return scenario(horizon_days=HORIZON, market={"size": 100_000, "initial_shoppers": 10_000},
                    strategies={"cross_channel": {"enabled": True, **cross_channel}})


def test_shopping_channels_are_acquisition_channels():
    assert set(SHOPPING_CHANNELS) <= set(registry().channels)


def test_enabled_with_neutral_settings_changes_nothing():
    off = with_changes(small(), **{f"{KEY}.enabled": False})
    a, b = simulate(off, 0), simulate(small(), 0)
    for name, column in a.daily.items():
        assert np.array_equal(column, b.daily[name], equal_nan=True), name
    assert a.kpis.keys() == b.kpis.keys()
    assert all(a.kpis[k] == b.kpis[k] or (math.isnan(a.kpis[k]) and math.isnan(b.kpis[k])) for k in a.kpis)


def test_a_channel_given_only_a_budget_keeps_its_own_cost_and_quality():
    channels = Channels.model_validate({"marketplace": {"spend_per_day": 100}})
    assert channels.marketplace.cac == Channels().marketplace.cac == 6.0
    assert channels.marketplace.visit_factor < 1 < channels.marketplace.dropout_factor


def test_diminishing_returns_to_channel_spend():
    web = Channels().web
    one, two = (web.model_copy(update={"spend_per_day": s}).shoppers_per_day() for s in (1000, 2000))
    assert one == pytest.approx(1000 / web.cac / (1 + 1000 / web.saturation_spend_per_day))
    assert one < two < 2 * one


def test_paid_channel_spend_raises_shoppers_total_and_cac_and_is_booked():
    base = small()
    spend = with_changes(base, **{f"{KEY}.channels.web.spend_per_day": 1000.0})
    diff = paired(base, spend, "shoppers_total", replications=REPLICATIONS)
    print(diff)
    assert diff.clearly_positive(), diff
    run, off = simulate(spend, 0), simulate(base, 0)
    assert off.kpis["cac"] == 0 and run.kpis["cac"] > Channels().web.cac   # diminishing returns: above the entry CAC
    assert run.daily["cost_cross_channel"].sum() == pytest.approx(1000.0 * HORIZON)
    assert run.daily["acquisition_cost"].sum() == pytest.approx(1000.0 * HORIZON)
    expected = Channels().web.model_copy(update={"spend_per_day": 1000.0}).shoppers_per_day() * HORIZON
    bought = run.daily["new_shoppers_web"].sum()
    assert 0.8 * expected < bought < expected      # less the prospects already on the platform
    assert off.daily["cost_cross_channel"].sum() == 0


def test_marketplace_shoppers_buy_less_than_web_shoppers():
    """The same budget and entry cost: the same shoppers, labelled by channel, so only
    the channel factors differ."""
    same_cost = {"spend_per_day": 800.0, "cac": 8.0}
    web = small(channels={"web": same_cost})
    marketplace = small(channels={"marketplace": same_cost})
    runs = simulate(web, 0).daily, simulate(marketplace, 0).daily
    bought = runs[0]["new_shoppers_web"], runs[1]["new_shoppers_marketplace"]
    # The same shoppers bought each day until word of mouth (satisfaction-weighted, so moved
    # by the channels' different orders) takes different prospects from those left.
    word_of_mouth = runs[0]["new_shoppers_word_of_mouth"], runs[1]["new_shoppers_word_of_mouth"]
    moved = np.flatnonzero(word_of_mouth[0] != word_of_mouth[1])
    first = int(moved[0]) if moved.size else len(bought[0])
    assert first >= 1 and np.array_equal(bought[0][:first], bought[1][:first])
    diff = paired(web, marketplace, "orders", replications=REPLICATIONS)
    print(diff)
    assert diff.clearly_negative(), diff


def test_omnichannel_integration_makes_shoppers_buy_more_and_costs_operations():
    base = small()
    integrated = with_changes(base, **{f"{KEY}.omnichannel.integration": True,
                                       f"{KEY}.omnichannel.second_channel_probability": 0.5})
    diff = paired(base, integrated, "orders", replications=REPLICATIONS)
    print(diff)
    assert diff.clearly_positive(), diff
    run = simulate(integrated, 0)
    assert run.daily["omnichannel_shoppers"][-1] > 0
    assert np.all(np.diff(run.daily["omnichannel_shoppers"]) >= 0)
    assert run.daily["cost_cross_channel"].sum() == pytest.approx(200.0 * HORIZON)


def test_pick_up_in_store_adds_baskets_and_satisfaction():
    base = small()
    bopis = with_changes(base, **{f"{KEY}.bopis.share": 0.5})
    diff = paired_many(base, bopis, {"gmv": lambda run: run.kpis["gmv"],
                                     "satisfaction": lambda run: float(np.nanmean(run.daily["satisfaction_mean"][-30:]))},
                       replications=REPLICATIONS)
    print(diff)
    assert diff["gmv"].clearly_positive(), diff
    assert diff["satisfaction"].clearly_positive(), diff
    run = simulate(bopis, 0)
    assert run.daily["omnichannel_shoppers"][-1] > 0          # picking up = using the store channel too
    assert run.daily["cost_cross_channel"].sum() > 0


def test_messages_bring_more_orders_and_are_booked():
    base = small()
    crm = with_changes(base, **{f"{KEY}.crm.messages_per_week": 2.0, f"{KEY}.crm.visit_lift": 0.5})
    diff = paired(base, crm, "orders", replications=REPLICATIONS)
    print(diff)
    assert diff.clearly_positive(), diff
    run = simulate(crm, 0)
    sent = run.daily["messages_sent"].sum()
    assert sent > 0 and run.daily["unsubscribes"].sum() > 0
    assert run.daily["cost_cross_channel"].sum() == pytest.approx(0.005 * sent)
    assert simulate(base, 0).daily["messages_sent"].sum() == 0


def test_over_messaging_means_more_unsubscribes():
    """Required: 14 messages a week against 2, paired; and more per message, not only more messages."""
    two = small(crm={"messages_per_week": 2.0})
    fourteen = with_changes(two, **{f"{KEY}.crm.messages_per_week": 14.0})
    diff = paired_many(two, fourteen, {"unsubscribes": total("unsubscribes"),
                                       "per_message": lambda run: run.daily["unsubscribes"].sum() / run.daily["messages_sent"].sum()},
                       replications=REPLICATIONS)
    print(diff)
    assert diff["unsubscribes"].clearly_positive(), diff
    assert diff["per_message"].clearly_positive(), diff


def test_more_messages_give_fewer_extra_orders_per_message():
    """Boosts overlap (a message while boosted only extends the boost) and fatigue weakens each."""
    quiet, two, fourteen = (small(crm={"messages_per_week": f, "visit_lift": 0.5}) for f in (0.0, 2.0, 14.0))
    differences = []
    for k in range(REPLICATIONS):
        base, a, b = (simulate(sc, k) for sc in (quiet, two, fourteen))
        gain = [(run.kpis["orders"] - base.kpis["orders"]) / run.daily["messages_sent"].sum() for run in (a, b)]
        differences.append(gain[1] - gain[0])
    diff = PairedDifference(np.array(differences))
    print(diff)
    assert diff.clearly_negative(), diff


def test_fatigue_weakens_each_message():
    fresh = small(crm={"messages_per_week": 14.0, "visit_lift": 0.5, "fatigue": 0.0})
    tired = with_changes(fresh, **{f"{KEY}.crm.fatigue": 0.3})
    diff = paired(fresh, tired, "orders", replications=REPLICATIONS)
    print(diff)
    assert diff.clearly_negative(), diff


def test_unsubscribed_shoppers_get_no_more_messages():
    run = simulate(small(crm={"messages_per_week": 3.0, "unsubscribe_probability": 1.0}), 0)
    assert run.daily["unsubscribes"].sum() == run.daily["messages_sent"].sum() > 0
    assert run.daily["messages_sent"].sum() <= run.kpis["shoppers_total"]


def test_win_back_messages_reactivate_lapsed_shoppers():
    base = small()
    win_back = with_changes(base, **{f"{KEY}.crm.lapsed_messages_per_week": 3.0, f"{KEY}.crm.visit_lift": 1.0})
    diff = paired(base, win_back, total("reactivated"), replications=REPLICATIONS)
    print(diff)
    assert diff.clearly_positive(), diff


def test_message_calendar_and_fatigue_curves():
    assert [sent_today(d, 2.0) for d in range(7)] == [0, 0, 0, 1, 0, 0, 1]
    assert sum(sent_today(d, 14.0) for d in range(70)) == 140
    assert sum(sent_today(d, 0.5) for d in range(70)) == 5
    assert per_week(1.0, 0.1) == per_week(0.5, 0.1) == 1.0 and per_week(14.0, 0.1) == pytest.approx(2.3)
