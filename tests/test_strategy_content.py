"""Content operations and the recommender (strategies/content.py): each lever moves what
it should, beyond noise, under common random numbers (tests/paired.py)."""

import numpy as np
import pytest

from simulation.kernel.engine import Replication, simulate
from strategies.content import HISTORY_CAP, Content, ContentStrategy
from tests.conftest import scenario
from tests.paired import paired, paired_many, ratio, total, with_changes

REPLICATIONS = 8

# Everything but the lever under test switched off.
NEUTRAL = {"enabled": True, "budget_per_day": 0.0, "quality": 1.0, "recommender": "none"}


def small(**content) -> object:
    return scenario(horizon_days=90, market={"size": 100_000, "initial_shoppers": 10_000},
                    strategies={"content": {**NEUTRAL, **content}})


def strategy(sc, **changes) -> ContentStrategy:
    """The content strategy of a replication of `sc` (with `changes` to its config), before it runs."""
    sc = with_changes(sc, **{f"strategies.content.{key}": value for key, value in changes.items()})
    return next(s for s in Replication(sc).strategies if isinstance(s, ContentStrategy))


def mean_order_value(run) -> float:
    return run.daily["gmv"].sum() / run.daily["orders"].sum()


def test_enabled_with_neutral_settings_changes_nothing():
    off = simulate(scenario(horizon_days=60, market={"size": 50_000, "initial_shoppers": 5_000}), 0)
    on = simulate(scenario(horizon_days=60, market={"size": 50_000, "initial_shoppers": 5_000},
                           strategies={"content": {**NEUTRAL, "audience_share": 0.5}}), 0)
    for name, values in off.daily.items():
        assert np.array_equal(values, on.daily[name], equal_nan=True), name


def test_content_budget_brings_shoppers_with_diminishing_returns():
    base = small()
    change = paired(base, with_changes(base, **{"strategies.content.budget_per_day": 2000.0}),
                    lambda run: run.daily["new_shoppers_external"].sum(), REPLICATIONS)
    assert change.clearly_positive(), change
    reach = [strategy(base, budget_per_day=b).innovation_add() for b in (0.0, 1000.0, 2000.0)]
    assert reach[0] == 0 and reach[1] > 0 and reach[2] < 2 * reach[1]   # doubling the budget: less than double


def test_content_budget_is_booked_as_acquisition_and_recommender_as_retention():
    run = simulate(small(budget_per_day=500.0, recommender="hybrid", recommender_cost_per_day=200.0), 0)
    assert np.allclose(run.daily["cost_content"], 700.0)
    assert np.allclose(run.daily["acquisition_cost"], 500.0)
    assert np.allclose(run.daily["marketing_cost"], 700.0)
    assert run.kpis["cac"] > 0
    off = simulate(scenario(horizon_days=30, market={"size": 50_000, "initial_shoppers": 5_000}), 0)
    assert off.daily["cost_content"].sum() == 0


def test_quality_content_brings_followers_back_more_often():
    base = small(audience_share=1.0)
    changes = paired_many(base, with_changes(base, **{"strategies.content.quality": 1.3}),
                          {"orders": total("orders"), "visits": total("visits")}, replications=REPLICATIONS)
    for name, change in changes.items():
        assert change.clearly_positive(), (name, change)


def test_followers_first_visit_comes_at_their_content_rate():
    """The engine draws a joiner's first visit before the strategy learns who follows the
    content; the strategy must put it at the follower's rate (day 0: the initial shoppers)."""
    one_day = scenario(horizon_days=1, market={"size": 40_000, "initial_shoppers": 40_000},
                       strategies={"content": {**NEUTRAL, "audience_share": 1.0}})
    visits = [simulate(with_changes(one_day, **{"strategies.content.quality": q}), 0).daily["visits"][0]
              for q in (1.0, 2.0)]
    assert visits[0] > 5_000 and 1.9 < visits[1] / visits[0] < 2.1, visits


def test_a_recommender_raises_add_to_cart_and_basket_and_cuts_returns():
    # Uplifts larger than the defaults, so that each moves beyond its noise in a small run.
    base = small(cart_uplift=0.5, basket_uplift=0.5)
    hybrid = with_changes(base, **{"strategies.content.recommender": "hybrid"})
    # Returns: a larger effect, so that a return rate near 10 % moves beyond its noise.
    hybrid = with_changes(hybrid, **{"strategies.content.return_reduction": 1.0})
    changes = paired_many(base, hybrid, {"cart": ratio("cart", "browse"), "basket": mean_order_value,
                                         "returns": lambda run: run.kpis["return_rate"]}, replications=REPLICATIONS)
    assert changes["cart"].clearly_positive(), changes
    assert changes["basket"].clearly_positive(), changes
    assert changes["returns"].clearly_negative(), changes


def test_cold_start_collaborative_starts_colder_and_ends_higher_than_popularity():
    config = Content()
    orders = np.array([0.0, 1.0, 3.0, 30.0])
    popularity, collaborative = config.popularity.curve(orders), config.collaborative.curve(orders)
    assert collaborative[0] < popularity[0] and collaborative[-1] > popularity[-1]
    assert np.all(np.diff(collaborative) > 0)
    hybrid = strategy(small(recommender="hybrid")).relevance(orders)
    assert hybrid[0] == pytest.approx(popularity[0]) and hybrid[-1] > popularity[-1]
    # In a simulation where most shoppers have bought once or never, popularity wins.
    base = small(recommender="collaborative", cart_uplift=1.0)
    change = paired(base, with_changes(base, **{"strategies.content.recommender": "popularity"}),
                    ratio("cart", "browse"), REPLICATIONS)
    assert change.clearly_positive(), change


@pytest.mark.parametrize("recommender", ["popularity", "collaborative", "hybrid"])
def test_relevance_stays_a_share(recommender):
    relevance = strategy(small(recommender=recommender)).relevance(np.arange(1000.0))
    assert np.all((relevance >= 0) & (relevance <= 1))


def test_the_recommender_learns_each_shoppers_taste_from_their_orders():
    replication = Replication(small(recommender="collaborative"))
    replication.run()
    s, n = replication.shoppers, replication.shoppers.n
    content = next(x for x in replication.strategies if isinstance(x, ContentStrategy))
    expected = content.relevance(np.minimum(s.orders[:n], HISTORY_CAP).astype(np.float64))
    assert np.allclose(s.content_relevance[:n], expected, atol=1e-6)
    assert s.content_relevance[:n].max() > s.content_relevance[:n].min() + 0.2   # some have learnt a lot
