"""Content operations and a personalised recommender.

Mechanism, in a strategist's words:

* **Reach.** A daily content budget (articles, short videos, live streams, seeded
  posts) brings prospects who were not looking for the platform: it adds to Bass's
  innovation `p`. Reach has diminishing returns: the `p` it adds is
  `reach_at_reference x (budget_per_day / reference_budget) ^ budget_elasticity`,
  so doubling the budget adds less than double the reach.
* **Engagement.** A share of shoppers (`audience_share`, drawn when each joins) follow
  the content; good content brings them back more often: their visit rate is
  multiplied by `quality` (1 = content that does not change how often they come).
* **Recommendations.** A recommender shows each shopper products it predicts they
  want. How well it predicts, its *relevance* in [0, 1], grows with what it knows of
  the shopper: with `n` orders so far, a curve rises from `cold` toward `ceiling`,
  `cold + (ceiling - cold) x n / (n + warmup_orders)` (the cold start problem).
  `popularity` (best sellers) barely depends on the shopper: it starts warm and stays
  modest. `collaborative` ("shoppers like you bought") starts colder but ends higher.
  `hybrid` blends them, leaning on popularity for newcomers and on collaborative
  filtering as history grows: weight `n / (n + collaborative.warmup_orders)` on the
  collaborative curve. At relevance `r` a visit's browse -> add-to-cart probability
  is multiplied by `1 + cart_uplift x r`, an order's value by `1 + basket_uplift x r`
  ("frequently bought together"), and its chance of being returned by
  `1 - return_reduction x r` (products that fit are kept).

Costs: the content budget is acquisition marketing; the recommender's running cost
(licence, compute, its team) is retention marketing.

Where the default numbers come from:
- Reach: `reach_at_reference` 3e-5 per day at a `reference_budget` of 1,000 a day is
  an assumption, chosen so content acquires shoppers at about 30-40 each at the
  baseline market (within commonly quoted e-commerce acquisition costs); calibrate it
  with the platform's own attribution. `budget_elasticity` 0.5 (a square-root
  response) is an assumption; diminishing returns to advertising spend, without an
  S-shape, is the usual finding (Simon & Arndt 1980, "The shape of the advertising
  response function", Journal of Advertising Research).
- `budget_per_day` 1,000, `audience_share` 0.25 and `quality` 1.10 (followers visit
  10 % more often): assumptions to replace with the platform's content analytics.
- Recommendations: about 35 % of what consumers buy on Amazon comes from its
  recommendations (McKinsey 2013, "How retailers can keep up with consumers") — a
  share of sales *through* recommendations, not sales they *add*. Randomised field
  tests find smaller incremental effects: a 7 % revenue uplift in an e-grocery field
  experiment (Scherpinski & Lessmann 2021), and single-digit to low-double-digit
  uplifts in most field studies reviewed by Jannach & Jugovac (2019, "Measuring the
  business value of recommender systems", ACM TMIS). `cart_uplift` 0.10 and
  `basket_uplift` 0.05 at full relevance give about +9 % sales at a relevance of
  0.6, in that range. `return_reduction` 0.20 at full relevance is an assumption
  (fit and size recommenders are marketed on fewer returns; no independent
  benchmark is used here).
- Relevance curves (`popularity` cold 0.4 -> ceiling 0.5 within one order;
  `collaborative` 0.1 -> 1.0 with half of it after 3 orders): assumptions that encode
  the cold-start ordering documented for collaborative filtering (e.g. Schein et
  al. 2002, "Methods and metrics for cold-start recommendations", SIGIR), and the
  motivation for hybrids (Burke 2002, "Hybrid recommender systems: survey and
  experiments").
- `recommender_cost_per_day` 300 (about 9,000 a month for a hosted recommendation
  service and its upkeep): an assumption.

Simplified: shoppers already on the platform on day 0 start with no order history
for the recommender (their orders before the run are not modelled); content reach
joiners are counted in Bass's `external` channel; a recommendation's fit does not
move satisfaction directly.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from simulation.kernel.api import Config, OrderBatch, Strategy, StrategyConfig, StrategyPlugin, factor_where

# Orders beyond this share the relevance of this many (the curves are flat by then).
HISTORY_CAP = 256


class Relevance(Config):
    """How well a recommender predicts a shopper's wants, by the shopper's orders so far."""

    cold: float = Field(0.1, ge=0, le=1, description="Relevance for a shopper with no orders yet, 0-1.")
    ceiling: float = Field(1.0, ge=0, le=1, description="Relevance it approaches as history grows, 0-1.")
    warmup_orders: float = Field(3.0, gt=0, description="Orders after which half the rise from cold to ceiling is reached.")

    def curve(self, orders: np.ndarray) -> np.ndarray:
        return self.cold + (self.ceiling - self.cold) * orders / (orders + self.warmup_orders)


class Content(StrategyConfig):
    budget_per_day: float = Field(1000.0, ge=0, description="Content budget, currency per day (acquisition marketing).")
    reference_budget: float = Field(1000.0, gt=0, description="Budget per day at which reach adds reach_at_reference to p.")
    reach_at_reference: float = Field(
        3e-5, ge=0, le=1, description="Added to Bass p (per day) at the reference budget."
    )
    budget_elasticity: float = Field(
        0.5, ge=0, le=1, description="Reach grows as budget^elasticity: below 1, diminishing returns."
    )
    audience_share: float = Field(0.25, ge=0, le=1, description="Share of shoppers who follow the content (drawn at joining).")
    quality: float = Field(1.10, gt=0, description="Visit-rate multiplier for shoppers who follow the content (1 = no effect).")
    recommender: Literal["none", "popularity", "collaborative", "hybrid"] = Field(
        "none", description="Recommender on the site: none, best sellers, collaborative filtering, or a hybrid of both."
    )
    popularity: Relevance = Field(
        Relevance(cold=0.4, ceiling=0.5, warmup_orders=1.0), description="Relevance curve of the popularity recommender."
    )
    collaborative: Relevance = Field(
        Relevance(cold=0.1, ceiling=1.0, warmup_orders=3.0), description="Relevance curve of collaborative filtering."
    )
    cart_uplift: float = Field(0.10, ge=0, description="Browse -> cart multiplier is 1 + this x relevance.")
    basket_uplift: float = Field(0.05, ge=0, description="Order value multiplier is 1 + this x relevance.")
    return_reduction: float = Field(
        0.20, ge=0, le=1, description="Return probability multiplier is 1 - this x relevance."
    )
    recommender_cost_per_day: float = Field(
        300.0, ge=0, description="Running cost of the recommender, currency per day (retention marketing); none costs nothing."
    )

    @model_validator(mode="after")
    def _curves_rise(self) -> "Content":
        for name in ("popularity", "collaborative"):
            curve = getattr(self, name)
            if curve.ceiling < curve.cold:
                raise ValueError(f"{name}.ceiling should be at least {name}.cold (relevance grows with history)")
        return self


class ContentStrategy(Strategy):
    name: ClassVar[str] = "content"
    cost_category: ClassVar[str] = "acquisition"

    def __init__(self, config: Content, platform, rng: np.random.Generator) -> None:
        super().__init__(config, platform, rng)
        self.relevance_by_orders = self.relevance(np.arange(HISTORY_CAP + 1, dtype=np.float64))
        platform.shoppers.register_column("content_follower", np.bool_, False)
        # Each shopper's relevance, kept up to date as they order: a visit reads one number.
        platform.shoppers.register_column("content_relevance", np.float32, self.relevance_by_orders[0])

    # --- the model, in functions a reader (and a test) can call ------------------------

    def innovation_add(self) -> float:
        """Bass p added by today's content budget (diminishing returns)."""
        c = self.config
        if c.budget_per_day <= 0:
            return 0.0
        return c.reach_at_reference * (c.budget_per_day / c.reference_budget) ** c.budget_elasticity

    def relevance(self, orders: np.ndarray) -> np.ndarray:
        """Relevance of the recommender for shoppers with these numbers of orders."""
        c = self.config
        if c.recommender == "none":
            return np.zeros_like(orders, dtype=np.float64)
        if c.recommender == "popularity":
            return c.popularity.curve(orders)
        if c.recommender == "collaborative":
            return c.collaborative.curve(orders)
        weight = orders / (orders + c.collaborative.warmup_orders)   # hybrid: trust history as it grows
        return (1 - weight) * c.popularity.curve(orders) + weight * c.collaborative.curve(orders)

    def relevance_of(self, who: np.ndarray) -> np.ndarray:
        """Relevance for these shoppers now (from their orders so far)."""
        return self.platform.shoppers.content_relevance[who]

    @property
    def follows(self) -> np.ndarray:
        """Who follows the content (a shopper column: re-read, as columns grow by reallocation)."""
        return self.platform.shoppers.content_follower

    @property
    def recommends(self) -> bool:
        return self.config.recommender != "none"

    # --- touchpoints -------------------------------------------------------------------

    def start_day(self, day: int) -> None:
        c = self.config
        self.platform.levers.innovation_add += self.innovation_add()
        self.book(c.budget_per_day, "acquisition")
        if self.recommends:
            self.book(c.recommender_cost_per_day, "retention")

    def joined(self, day: int, new: np.ndarray) -> None:
        c = self.config
        if c.audience_share <= 0:
            return
        follows = self.rng.random(new.size) < c.audience_share
        self.follows[new] = follows
        if c.quality != 1.0:
            # The engine drew their first visit before they followed the content; by
            # memorylessness, rescaling the wait from joining gives the visit at the new rate.
            s, followers = self.platform.shoppers, new[follows]
            start = s.join_time[followers]
            s.next_visit[followers] = start + (s.next_visit[followers] - start) / c.quality

    def visit_factor(self, who: np.ndarray):
        c = self.config
        if c.quality == 1.0 or c.audience_share <= 0:
            return 1.0
        return factor_where(self.follows[who], c.quality)

    def funnel_varies_within_day(self) -> bool:
        return False   # the recommender's cart uplift is the shopper's, whatever the hour

    def stage_factors(self, who: np.ndarray, at: np.ndarray):
        if not self.recommends or self.config.cart_uplift == 0:
            return {}
        return {"cart": 1.0 + self.config.cart_uplift * self.relevance_of(who)}

    def orders_placed(self, day: int, orders: OrderBatch) -> None:
        c = self.config
        if not self.recommends or len(orders) == 0:
            return
        relevance = self.relevance_of(orders.shopper)
        if c.basket_uplift:
            factor = 1.0 + c.basket_uplift * relevance
            orders.value *= factor
            orders.discount *= factor   # a discount given as a share of the order grows with it
        if c.return_reduction:
            orders.return_probability *= 1.0 - c.return_reduction * relevance
        # The recommender learns from this order (orders are counted after this touchpoint).
        orders_after = np.minimum(self.platform.shoppers.orders[orders.shopper] + 1, HISTORY_CAP)
        self.platform.shoppers.content_relevance[orders.shopper] = self.relevance_by_orders[orders_after]


PLUGIN = StrategyPlugin(
    name="content",
    config=Content,
    strategy=ContentStrategy,
    order=10,
    levers=("budget_per_day", "quality", "recommender", "audience_share"),
)
