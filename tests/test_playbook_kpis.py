"""The playbook's KPIs (docs/metrics.md; docs/evidence.md, "The playbook's figures"):
wom_influenced_share, acquisition_share_social, retention_share_social and
repeat_ratio_sharers, each on a population small enough to count by hand, with their
denominators at zero, and where the engine sets what they read."""

import math

import numpy as np

from simulation.kernel.engine import Replication, simulate
from simulation.kernel.metrics import repeat_ratio_sharers, run_kpis, wom_influenced_share
from simulation.kernel.orders import OrderBatch
from simulation.kernel.population import NEVER, Shoppers
from simulation.kernel.shopper_step import ShopperStep
from tests.conftest import scenario


def population(first_order_day, orders, heard=None, shared=None) -> Shoppers:
    """Shoppers with only the columns these KPIs read set."""
    s = Shoppers(horizon_days=60)
    s._allocate(len(orders))   # the rows joining would allocate, without drawing traits
    s.n = len(orders)
    s.first_order_day[:] = first_order_day
    s.orders[:] = orders
    s.heard_from_friend[:] = heard if heard is not None else False
    s.has_shared[:] = shared if shared is not None else False
    return s


def test_wom_influenced_share_by_hand():
    # Shoppers 0-3 first ordered in the run, 1 and 3 after a friend's word: 2 of 4. Shopper 4
    # never ordered (heard, but no purchase to count); shopper 5 first ordered before the run
    # (a calibrated twin's customer): neither is in the denominator.
    s = population(first_order_day=[0, 3, 10, 59, NEVER, -40], orders=[1, 2, 1, 3, 0, 2],
                   heard=[False, True, False, True, True, True])
    assert wom_influenced_share(s) == 2 / 4


def test_wom_influenced_share_is_nan_without_a_first_purchase_in_the_run():
    s = population(first_order_day=[NEVER, -5], orders=[0, 1], heard=[True, True])
    assert math.isnan(wom_influenced_share(s))
    assert math.isnan(wom_influenced_share(population([], [])))


def test_repeat_ratio_sharers_by_hand():
    # Sharers: shopper 0 (4 orders, first in the run: 3 repeats) and shopper 1 (2 orders, first
    # before the run: both repeats): 5 repeats / 2 = 2.5 per sharer. Non-sharers who ordered:
    # shopper 2 (1 order: 0 repeats) and shopper 3 (2 orders: 1 repeat): 1 / 2 = 0.5.
    # Shopper 4 never ordered: no customer, in neither group. 2.5 / 0.5 = 5.
    s = population(first_order_day=[0, -30, 5, 7, NEVER], orders=[4, 2, 1, 2, 0],
                   shared=[True, True, False, False, False])
    assert repeat_ratio_sharers(s) == 5.0


def test_repeat_ratio_sharers_is_nan_when_a_group_is_empty_or_never_repeats():
    nobody_shared = population(first_order_day=[0, 1], orders=[3, 1])
    everybody_shared = population(first_order_day=[0, 1], orders=[3, 1], shared=[True, True])
    no_repeat_among_others = population(first_order_day=[0, 1], orders=[3, 1], shared=[True, False])
    for s in (nobody_shared, everybody_shared, no_repeat_among_others):
        assert math.isnan(repeat_ratio_sharers(s))


def daily(days: int = 2, **columns) -> dict[str, np.ndarray]:
    """A time series with every column run_kpis reads at zero, but those given."""
    names = ("new_shoppers", "new_shoppers_initial", "new_shoppers_external", "new_shoppers_word_of_mouth",
             "new_shoppers_social", "new_shoppers_referral", "acquisition_cost", "active_shoppers", "orders", "gmv",
             "revenue", "shipping_fees", "membership_fees", "cogs", "churned", "nps", "on_time_deliveries",
             "deliveries", "marketing_cost", "operations_cost", "contribution", "returns", "repeat_orders",
             "repeat_orders_social")
    series = {name: np.zeros(days) for name in names}
    series |= {name: np.asarray(values, dtype=float) for name, values in columns.items()}
    return series


def kpis(series: dict[str, np.ndarray], social_channels=("social", "referral")) -> dict[str, float]:
    growth = {name: np.zeros(1) for name in ("new", "retained", "resurrected", "churned")}
    return run_kpis(population([], []), series, np.zeros(2), np.empty(0), growth, 2, 0.15,
                    ("word_of_mouth",), social_channels)


def test_social_shares_by_hand():
    # 100 shoppers on day 0 (initial, not acquired), then 10 + 15 acquired: 3 + 2 through the
    # social mini-program and 1 by referral, 6 of 25. 40 repeat orders, 6.5 expected through social.
    series = daily(new_shoppers=[110, 15], new_shoppers_initial=[100, 0], new_shoppers_external=[6, 10],
                   new_shoppers_social=[3, 2], new_shoppers_referral=[1, 0], new_shoppers_word_of_mouth=[0, 3],
                   repeat_orders=[15, 25], repeat_orders_social=[2.5, 4.0])
    result = kpis(series)
    assert result["acquisition_share_social"] == 6 / 25
    assert result["retention_share_social"] == 6.5 / 40


def test_social_shares_are_nan_without_new_shoppers_or_repeat_orders_and_zero_without_social():
    result = kpis(daily(new_shoppers=[50, 0], new_shoppers_initial=[50, 0]))
    assert math.isnan(result["acquisition_share_social"]) and math.isnan(result["retention_share_social"])
    result = kpis(daily(new_shoppers=[5, 5], new_shoppers_external=[5, 5], repeat_orders=[3, 4]), social_channels=())
    assert result["acquisition_share_social"] == 0.0 and result["retention_share_social"] == 0.0


class SocialChance:
    def __init__(self, chance):
        self.chance = chance

    def social_visit_chance(self, who, at):
        return self.chance[who]


def test_repeat_orders_and_their_social_chance_by_hand():
    # Shopper 0 ordered before today (both its orders are repeats); shopper 1 orders for the
    # first time twice today (its earlier order is its first, the later a repeat); shopper 2
    # orders once, its first. Two sources: social chances 0.5 and 0.2 for shopper 0, 0 and
    # 0.5 for shopper 1, so 1 - 0.5 x 0.8 = 0.6 per order of shopper 0 and 0.5 for shopper 1:
    # 3 repeat orders, 0.6 + 0.6 + 0.5 = 1.7 expected through social.
    step = object.__new__(ShopperStep)
    step.shoppers = population(first_order_day=[-3, NEVER, NEVER], orders=[2, 2, 1])
    step.social_sources = [SocialChance(np.array([0.5, 0.0, 0.9])), SocialChance(np.array([0.2, 0.5, 0.9]))]
    shopper = np.array([1, 0, 2, 1, 0])
    orders = OrderBatch(shopper, np.array([0.1, 0.2, 0.3, 0.6, 0.9]), np.ones(5), np.zeros(5), np.zeros(5),
                        np.zeros(5, dtype=bool))
    today = {}
    step._count_repeat_orders(orders, today)
    assert today["repeat_orders"] == 3
    assert math.isclose(today["repeat_orders_social"], 1.7)


SMALL = {"horizon_days": 60, "market": {"size": 20_000, "initial_shoppers": 500}}


def test_the_engine_marks_word_of_mouth_joiners_and_sharers():
    # Only outside reach: no joiner heard from a friend, and with nobody sharing the AmEx
    # ratio has no sharers.
    run = simulate(scenario(**SMALL, acquisition={"innovation": 0.001, "imitation": 0.0}), 0)
    assert run.kpis["wom_influenced_share"] == 0.0
    assert math.isnan(run.kpis["repeat_ratio_sharers"])
    assert run.kpis["retention_share_social"] == 0.0 and run.kpis["acquisition_share_social"] == 0.0
    # Every customer shares after every order: no customer who did not share, so n/a.
    sharing = {"social_referral": {"enabled": True, "share_probability": 1.0, "referral_conversion": 0.0,
                                   "referrer_reward": 0.0}}
    run = simulate(scenario(**SMALL, strategies=sharing), 0)
    assert math.isnan(run.kpis["repeat_ratio_sharers"])
    assert 0 < run.kpis["wom_influenced_share"] < 1


def test_a_word_of_mouth_joiner_has_heard_from_a_friend_and_nobody_else_has():
    replication = Replication(scenario(**SMALL, acquisition={"innovation": 0.0005, "imitation": 0.05}), 0)
    replication.run()
    s = replication.shoppers
    word_of_mouth = s.channel[: s.n] == replication.channel_index("word_of_mouth")
    assert 0 < word_of_mouth.sum() < s.n
    assert np.array_equal(s.heard_from_friend[: s.n], word_of_mouth)


def test_every_repeat_order_is_social_when_the_only_channel_is_social():
    only_social = {"cross_channel": {"enabled": True, "omnichannel": {"organic_channel": "social"}}}
    run = simulate(scenario(**SMALL, strategies=only_social), 0)
    assert run.daily["repeat_orders"].sum() > 0
    assert run.kpis["retention_share_social"] == 1.0
    web = {"cross_channel": {"enabled": True, "omnichannel": {"organic_channel": "web"}}}
    assert simulate(scenario(**SMALL, strategies=web), 0).kpis["retention_share_social"] == 0.0
