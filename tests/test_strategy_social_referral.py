"""Sharing, referral rewards, group buys, reviews, negative word of mouth and the social
graph (strategies/social_referral.py): each lever moves what it should, beyond noise,
under common random numbers (tests/paired.py)."""

import numpy as np
import pytest

from simulation.kernel.engine import Replication, simulate
from simulation.kernel.registry import registry
from strategies.social_referral import SocialReferralStrategy, social_graph
from tests.conftest import scenario
from tests.paired import PairedDifference, paired, paired_many, ratio, total, with_changes

REPLICATIONS = 8

# Everything but the lever under test switched off.
NEUTRAL = {"enabled": True, "share_probability": 0.0, "referrer_reward": 0.0, "referee_reward": 0.0,
           "group_buy_discount": 0.0, "review_probability": 0.0, "detractor_warning": 0.0}


def small(**social) -> object:
    return scenario(horizon_days=90, market={"size": 100_000, "initial_shoppers": 10_000},
                    strategies={"social_referral": {**NEUTRAL, **social}})


def finished(sc) -> tuple[Replication, SocialReferralStrategy]:
    replication = Replication(sc)
    replication.run()
    return replication, next(s for s in replication.strategies if isinstance(s, SocialReferralStrategy))


@pytest.mark.parametrize("graph", ["well_mixed", "scale_free"])
def test_enabled_with_neutral_settings_changes_nothing(graph):
    kwargs = dict(horizon_days=60, market={"size": 50_000, "initial_shoppers": 5_000})
    off = simulate(scenario(**kwargs), 0)
    on = simulate(scenario(**kwargs, strategies={"social_referral": {**NEUTRAL, "graph": graph}}), 0)
    for name, values in off.daily.items():
        assert np.array_equal(values, on.daily[name], equal_nan=True), name


def test_a_referral_reward_a_higher_k_factor_and_a_higher_cost():
    base = small(share_probability=0.2, referral_conversion=0.2)
    rewarded = with_changes(base, **{"strategies.social_referral.referrer_reward": 20.0,
                                     "strategies.social_referral.referee_reward": 20.0})
    changes = paired_many(base, rewarded, {"k_factor": lambda run: run.kpis["k_factor"],
                                           "cost": total("cost_social_referral"),
                                           "discounts": total("discounts")}, replications=REPLICATIONS)   # the referee's first-order discount
    for name, change in changes.items():
        assert change.clearly_positive(), (name, change)


@pytest.mark.parametrize("reward, moves", [("referrer_reward", "sharing"), ("referee_reward", "conversion")])
def test_each_side_of_the_reward_brings_referrals(reward, moves):
    base = small(share_probability=0.2, referral_conversion=0.2)
    change = paired(base, with_changes(base, **{f"strategies.social_referral.{reward}": 30.0}),
                    total("new_shoppers_referral"), REPLICATIONS)
    assert change.clearly_positive(), (moves, change)


def test_the_cost_is_booked_as_acquisition_only_with_rewards():
    run = simulate(small(share_probability=0.2, referral_conversion=0.2, referrer_reward=15.0), 0)
    assert run.daily["cost_social_referral"].sum() > 0
    assert np.allclose(run.daily["cost_social_referral"], run.daily["acquisition_cost"])
    assert run.daily["cost_social_referral"].sum() % 15.0 == 0     # one reward per referred first order
    assert simulate(small(share_probability=0.2, referral_conversion=0.2), 0).daily["cost_social_referral"].sum() == 0


def test_sharing_brings_referred_shoppers():
    base = small()
    change = paired(base, with_changes(base, **{"strategies.social_referral.share_probability": 0.3}),
                    total("new_shoppers_referral"), REPLICATIONS)
    assert change.clearly_positive(), change
    assert simulate(base, 0).daily["new_shoppers_referral"].sum() == 0


def test_group_buys_convert_checkouts_and_cost_a_discount():
    base = small()
    group = with_changes(base, **{"strategies.social_referral.group_buy_discount": 0.15,
                                  "strategies.social_referral.group_buy_participation": 0.5})
    changes = paired_many(base, group, {"conversion": ratio("orders", "checkout"), "discounts": total("discounts"),
                                        "invitations": total("new_shoppers_referral")}, replications=REPLICATIONS)   # a group buy invites a friend
    for name, change in changes.items():
        assert change.clearly_positive(), (name, change)


def test_reviews_raise_add_to_cart():
    base = small()
    change = paired(base, with_changes(base, **{"strategies.social_referral.review_probability": 0.5}),
                    ratio("cart", "browse"), REPLICATIONS)
    assert change.clearly_positive(), change


def test_a_stock_of_reviews_leaves_less_for_new_reviews_to_add():
    """An existing platform's stock of reviews is already in its funnel: the reviews written
    in the run lift add-to-cart by what they add beyond it. With no stock (a new platform) the
    lift of review_probability 0.5 is larger than with 2 reviews a product (the default), replication by
    replication, beyond noise; with no reviews written, a stock changes nothing."""
    writing = {"strategies.social_referral.review_probability": 0.5}
    new_platform = small(initial_reviews_per_product=0.0)
    old_platform = small(initial_reviews_per_product=2.0)   # the default
    lift_new = paired(new_platform, with_changes(new_platform, **writing), ratio("cart", "browse"), REPLICATIONS)
    lift_old = paired(old_platform, with_changes(old_platform, **writing), ratio("cart", "browse"), REPLICATIONS)
    assert PairedDifference(lift_new.differences - lift_old.differences).clearly_positive(), (lift_new, lift_old)
    assert lift_old.clearly_positive(), lift_old   # less, but still something
    a, b = simulate(new_platform, 0), simulate(old_platform, 0)
    assert np.array_equal(a.daily["cart"], b.daily["cart"])


def test_detractors_warnings_slow_word_of_mouth():
    # Unhappier shoppers than the baseline's, so that there are detractors to be heard.
    base = with_changes(small(), **{"satisfaction.initial_a": 4.0, "satisfaction.initial_b": 3.0})
    change = paired(base, with_changes(base, **{"strategies.social_referral.detractor_warning": 1.0}),
                    total("new_shoppers_word_of_mouth"), REPLICATIONS)
    assert change.clearly_negative(), change


@pytest.mark.parametrize("graph", ["small_world", "scale_free"])
def test_on_a_graph_referred_shoppers_are_friends_of_their_referrers(graph):
    sc = small(graph=graph, share_probability=0.3, referral_conversion=0.3)
    replication, strategy = finished(sc)
    s, n = replication.shoppers, replication.shoppers.n
    nodes = s.social_node[:n]
    assert np.all(nodes >= 0) and np.unique(nodes).size == n              # one node each, none shared
    assert np.array_equal(strategy.shopper_at[nodes], np.arange(n))
    referred = np.flatnonzero(s.channel[:n] == registry().channels.index("referral"))
    assert referred.size > 100
    referrers = s.referred_by[referred]
    assert np.all((referrers >= 0) & (referrers < n))
    for friend, referrer in zip(nodes[referred], nodes[referrers]):
        assert friend in strategy.neighbours[strategy.indptr[referrer]: strategy.indptr[referrer + 1]]


def test_a_clustered_graph_wastes_shares_on_friends_who_already_shop():
    """A ring lattice (no rewiring): friends of friends are friends, so referral
    spreads as a front whose neighbours are already shoppers; well mixed, it never does."""
    base = small(share_probability=1.0, referral_conversion=0.5)
    ring = with_changes(base, **{"strategies.social_referral.graph": "small_world",
                                 "strategies.social_referral.rewiring": 0.0,
                                 "strategies.social_referral.mean_degree": 2})
    change = paired(base, ring, total("new_shoppers_referral"), REPLICATIONS)
    assert change.clearly_negative(), change


def test_the_graph_is_the_same_for_the_same_seed():
    a = social_graph("scale_free", 5_000, 6, 0.1, np.random.default_rng(7))
    b = social_graph("scale_free", 5_000, 6, 0.1, np.random.default_rng(7))
    c = social_graph("scale_free", 5_000, 6, 0.1, np.random.default_rng(8))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[1], c[1])
    degree = np.diff(a[0])
    assert degree.mean() == pytest.approx(6, rel=0.01) and degree.max() > 10 * degree.mean()   # hubs
    ring = social_graph("small_world", 1_000, 4, 0.0, np.random.default_rng(7))
    assert np.all(np.diff(ring[0]) == 4) and set(ring[1][ring[0][10]: ring[0][11]]) == {8, 9, 11, 12}


def test_a_scale_free_graph_has_barabasi_alberts_degrees():
    """With m links per joiner, the share of people with at least K friends tends to
    m(m+1)/(K(K+1)) (Bollobas, Riordan, Spencer & Tusnady 2001). Checked at 200,000 people
    to 4 binomial standard errors of each share (measured: within 1 over several seeds;
    igraph's default attachment, in-degree + 1, is 5 to 25 off)."""
    people, m = 200_000, 3
    indptr, neighbours = social_graph("scale_free", people, 2 * m, 0.1, np.random.default_rng(11))
    degree = np.diff(indptr)
    for at_least in (2 * m, 4 * m, 10 * m, 30 * m):
        expected = m * (m + 1) / (at_least * (at_least + 1))
        se = np.sqrt(expected * (1 - expected) / people)
        assert abs(np.mean(degree >= at_least) - expected) < 4 * se, at_least
    rows = np.repeat(np.arange(people), degree)
    assert not np.any(rows == neighbours)
    assert np.all(np.diff(neighbours)[np.diff(rows) == 0] > 0)   # each friend once, in order


def test_reading_edges_from_igraphs_memory_agrees_with_its_edge_list(monkeypatch):
    import strategies.social_referral as social

    fast = social_graph("small_world", 20_000, 6, 0.2, np.random.default_rng(3))
    monkeypatch.setattr(social, "_edge_arrays_in_place", lambda graph, index: None)   # igraph's public accessor
    slow = social_graph("small_world", 20_000, 6, 0.2, np.random.default_rng(3))
    assert all(np.array_equal(x, y) for x, y in zip(fast, slow))
