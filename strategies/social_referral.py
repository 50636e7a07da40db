"""Social commerce: sharing and referral rewards, group buys, reviews, and word of mouth
on a social graph.

Mechanism, in a strategist's words:

* **Sharing and referral.** After each order a shopper shares the platform (a product
  link, a coupon) with probability `share_probability`. The share reaches one
  person: on a social graph, one of the sharer's friends (a graph neighbour); in a
  well-mixed market, anyone. If that person is not a shopper yet, they join the next
  day with probability `referral_conversion` (channel `referral`).
* **Two-sided rewards.** The referrer earns `referrer_reward` when the friend places
  a first order (acquisition marketing); the friend gets `referee_reward` off that
  first order (a discount). Rewards make both sides keener, with diminishing returns:
  a reward `R` has attractiveness `R / (R + reward_half_saturation)` in [0, 1); sharing
  is multiplied by `1 + reward_share_lift x attractiveness(referrer_reward)` and
  conversion by `1 + reward_conversion_lift x attractiveness(referee_reward)`.
  So a bigger reward brings more referred shoppers (a higher k-factor) at a higher cost.
* **Group buys** (Pinduoduo's "team purchase"): a share `group_buy_participation` of
  checkouts are offered a group price `group_buy_discount` below list; those convert
  better, by the price elasticity: x `(1 - discount) ^ -group_buy_elasticity`. A
  group-buy order gets the discount and always invites one friend (a share).
* **Reviews as social proof.** Each order leaves a review with `review_probability`.
  Shoppers add to cart more readily when products carry reviews, with saturation:
  social proof `L(n) = 1 + review_max_lift x (1 - exp(-n / reviews_saturation))` at `n`
  reviews per product. An existing platform starts with a stock,
  `initial_reviews_per_product`, whose lift is already in the baseline funnel: browse ->
  cart x `L(stock + written / catalog_products) / L(stock)`, so a platform with many
  reviews gains little from more (at a stock of 0, a new platform, all of `L`).
* **Negative word of mouth.** Detractors (a 0-6 "would you recommend us?" answer,
  satisfaction below 7/11) warn their friends; social features carry their voice
  too. Bass's imitation `q` is multiplied by `max(0, 1 - detractor_warning x detractor
  share of customers)`.

What the word-of-mouth KPIs read (docs/metrics.md): a sharer is marked `has_shared`; a
referred shopper, and a shopper a share reaches before its first order (from the next day),
`heard_from_friend`. Neither changes anyone's behaviour.

The social graph spans the whole market (`market.size` people), so who is already a
shopper matters: a friend who already shops is a wasted share. `well_mixed` has no
structure (a share reaches a random person); `small_world` is Watts & Strogatz's ring
lattice with `rewiring` of its links rewired at random (high clustering, so friends'
friends are often already shoppers); `scale_free` is Barabási & Albert's preferential
attachment (a few hubs with many friends). Every shopper occupies one node: a referred
shopper the friend's node, any other joiner a random free node.

Where the default numbers come from:
- `share_probability` 0.05 per order and `referral_conversion` 0.10: assumptions to
  calibrate with the platform's share and invite-redemption tracking.
- `referrer_reward` and `referee_reward` 10 each: the common "give 10, get 10"
  two-sided design. That rewards raise referral likelihood is Ryu & Feick (2007,
  "A penny for your thoughts: referral reward programs and referral likelihood",
  Journal of Marketing); the saturation (`reward_half_saturation` 20, lifts 1.0:
  at most doubling) is an assumption.
- `group_buy_discount` 0 (off unless set), `group_buy_participation` 0.2 (an
  assumption); `group_buy_elasticity` 1.5, the calendar's default price elasticity
  (online retail's is commonly put at 1-2).
- Reviews: the purchase likelihood of a product with five reviews is about 270 %
  greater than with none, and nearly all of the increase comes within the first
  five to ten reviews (Spiegel Research Center 2017, "How online reviews influence
  sales"). `reviews_saturation` 2 reviews per product puts 92 % of the effect by five
  reviews. `review_max_lift` 0.2 on browse -> cart is an assumption, far below the
  product-level 270 % since shoppers also buy products they already know.
  `review_probability` 0.05 and `catalog_products` 2,000 are assumptions.
  `initial_reviews_per_product` 2: an assumption for an existing mid-size platform,
  below Spiegel's five since a catalogue's long tail and new listings carry few.
- `detractor_warning` 0.5: an assumption. Bass's `q`, fitted to real diffusions,
  already nets out the usual negative word of mouth, and the engine's feedback already
  lets unhappy shoppers talk less; this is the extra reach social features give
  detractors' warnings. Positive word of mouth is reported to be about three times as
  common as negative (East, Hammond & Wright 2007, International Journal of Research
  in Marketing); at 0.5, a baseline detractor share of about 10 % trims `q` by 5 %.
- `mean_degree` 10 friends: between the 5 and 15 of the innermost layers of Dunbar's
  social circles (Zhou, Sornette, Hill & Dunbar 2005), an assumption about whom one
  would share a shopping link with. `rewiring` 0.1: small-world regime (Watts &
  Strogatz 1998).

Simplified: a share reaches one person; shares by shoppers who joined before the
run and referrals are equally likely; referred shoppers behave like any other once
they join (Schmitt, Skiera & Van den Bulte 2011 found them more loyal: not modelled).
"""

from __future__ import annotations

import ctypes
import gc
import math
import random
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from simulation.kernel.api import OrderBatch, Strategy, StrategyConfig, StrategyPlugin

FREE, RESERVED = -1, -2   # a node's shopper before it joins; reserved: a referred friend joins tomorrow


class SocialReferral(StrategyConfig):
    share_probability: float = Field(0.05, ge=0, le=1, description="Chance a shopper shares after an order, before rewards.")
    referral_conversion: float = Field(
        0.10, ge=0, le=1, description="Chance a prospect reached by a share joins, before rewards."
    )
    referrer_reward: float = Field(
        10.0, ge=0, description="Paid to the referrer when the referred friend first orders, currency (acquisition marketing)."
    )
    referee_reward: float = Field(10.0, ge=0, description="Off the referred friend's first order, currency (a discount).")
    reward_half_saturation: float = Field(
        20.0, gt=0, description="Reward, currency, at which it has half its largest effect."
    )
    reward_share_lift: float = Field(1.0, ge=0, description="Largest relative rise in sharing from the referrer reward.")
    reward_conversion_lift: float = Field(
        1.0, ge=0, description="Largest relative rise in referral conversion from the referee reward."
    )
    graph: Literal["well_mixed", "small_world", "scale_free"] = Field(
        "well_mixed", description="Who can reach whom: anyone, a Watts-Strogatz small world, or a Barabasi-Albert scale-free graph."
    )
    mean_degree: int = Field(10, ge=2, description="Mean friends per person on the graph (even; small world and scale free).")
    rewiring: float = Field(0.1, ge=0, le=1, description="Share of ring-lattice links rewired at random (small world).")
    group_buy_discount: float = Field(0.0, ge=0, lt=1, description="Group price below list, share of order value (0 = no group buys).")
    group_buy_participation: float = Field(
        0.2, ge=0, le=1, description="Share of checkouts offered a group buy."
    )
    group_buy_elasticity: float = Field(
        1.5, ge=0, description="Group-buy checkout -> order x (1 - discount)^-elasticity."
    )
    review_probability: float = Field(0.05, ge=0, le=1, description="Chance an order leaves a review.")
    catalog_products: int = Field(2000, ge=1, description="Products the reviews spread over.")
    reviews_saturation: float = Field(2.0, gt=0, description="Reviews per product at which 63 % of the social-proof lift is reached.")
    review_max_lift: float = Field(0.2, ge=0, description="Largest relative rise in browse -> cart from reviews.")
    initial_reviews_per_product: float = Field(
        2.0, ge=0, description="Reviews per product already on the platform on day 0; their lift is in the baseline "
                               "funnel, so new reviews add only what they add beyond it (an assumption, docs/evidence.md)."
    )
    detractor_warning: float = Field(
        0.5, ge=0, description="Bass q x max(0, 1 - this x detractor share of customers)."
    )


def attractiveness(reward: float, half_saturation: float) -> float:
    return reward / (reward + half_saturation)


# --- the social graph ------------------------------------------------------------------

class _IgraphVector(ctypes.Structure):
    _fields_ = [("begin", ctypes.c_void_p), ("storage_end", ctypes.c_void_p), ("end", ctypes.c_void_p)]


class _IgraphGraph(ctypes.Structure):   # igraph_t of the C core (0.10, 1.0)
    _fields_ = [("n", ctypes.c_int64), ("directed", ctypes.c_bool), ("source", _IgraphVector),
                ("target", _IgraphVector)]


def _edge_arrays_in_place(graph, index: type) -> tuple[np.ndarray, np.ndarray] | None:
    """Both ends of every edge, copied straight from igraph's C vectors (milliseconds for
    millions of edges, where `get_edgelist` builds a Python tuple per edge); None if the
    C layout is not the expected one, checked before any of the vectors is read."""
    try:
        raw = _IgraphGraph.from_address(graph._raw_pointer())
    except (AttributeError, TypeError, ValueError):
        return None
    edges = graph.ecount()
    if raw.n != graph.vcount() or bool(raw.directed) != graph.is_directed():
        return None
    vectors = (raw.source, raw.target)
    if any(not v.begin or not v.end or v.end - v.begin != 8 * edges or v.storage_end < v.end for v in vectors):
        return None
    # Copied straight into the int32 the CSR keeps (node indices of a market under 2^31):
    # no int64 copy of tens of millions of edges beside igraph's own.
    ends = [np.ctypeslib.as_array((ctypes.c_int64 * edges).from_address(v.begin)).astype(index) if edges
            else np.empty(0, index) for v in vectors]
    sample = np.linspace(0, edges - 1, min(edges, 64)).astype(np.int64)
    if any(sorted(graph.es[int(e)].tuple) != sorted((int(ends[0][e]), int(ends[1][e]))) for e in sample):
        return None
    return ends[0], ends[1]


def edge_arrays(graph, index: type = np.int64) -> tuple[np.ndarray, np.ndarray]:
    """The graph's edges as two integer arrays (sources, targets) of type `index`."""
    ends = _edge_arrays_in_place(graph, index)
    if ends is not None:
        return ends
    enabled = gc.isenabled()
    gc.disable()   # millions of tuples: the collector would traverse them again and again
    try:
        pairs = np.array(graph.get_edgelist(), dtype=index).reshape(-1, 2)
    finally:
        if enabled:
            gc.enable()
    return pairs[:, 0], pairs[:, 1]


def social_graph(kind: str, nodes: int, mean_degree: int, rewiring: float,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """An undirected graph over `nodes` people as CSR arrays (indptr, neighbours), built
    with igraph from a seed drawn from `rng`, so the same stream gives the same graph."""
    import igraph   # only when a graph is asked for

    half = max(1, mean_degree // 2)
    igraph.set_random_number_generator(random.Random(int(rng.integers(2 ** 63))))
    collecting = gc.isenabled()
    gc.disable()   # igraph calls back into Python for each random number; collections would only slow it
    try:
        if kind == "small_world":
            graph = igraph.Graph.Watts_Strogatz(dim=1, size=nodes, nei=min(half, max(1, (nodes - 1) // 2)), p=rewiring)
        elif kind == "scale_free":
            # Attachment in proportion to degree, as Barabasi & Albert have it (igraph's
            # default weighs in-degree + 1, which gives fewer hubs).
            graph = igraph.Graph.Barabasi(nodes, min(half, max(1, nodes - 1)), outpref=True, zero_appeal=0)
        else:
            raise ValueError(f"no graph of kind {kind!r}")
    finally:
        igraph.set_random_number_generator(random)   # igraph's default: the random module
        if collecting:
            gc.enable()
    # int32 node indices for any market under 2^31 (igraph's own vectors are int64).
    index = np.int32 if nodes < 2 ** 31 else np.int64
    source, target = edge_arrays(graph, index)
    del graph   # igraph's copy of the edges (about 180 bytes a node) goes before the CSR is built
    from scipy import sparse   # a counting sort in C: edges both ways, grouped by node

    ends = np.concatenate([source, target])
    other = np.concatenate([target, source])
    del source, target
    adjacency = sparse.csr_matrix((np.ones(ends.size, dtype=np.int8), (ends, other)), shape=(nodes, nodes))
    del ends, other
    # scipy's index type is int32 while the edges fit in it: kept, half the bytes a node.
    return adjacency.indptr, adjacency.indices.astype(index, copy=False)


# --- the strategy --------------------------------------------------------------------------

class SocialReferralStrategy(Strategy):
    name: ClassVar[str] = "social_referral"
    cost_category: ClassVar[str] = "acquisition"

    def __init__(self, config: SocialReferral, platform, rng: np.random.Generator) -> None:
        super().__init__(config, platform, rng)

        s, market = platform.shoppers, platform.scenario.market.size
        self.referral_channel = platform.channel_index("referral")
        self.market = market
        # Shopper and node indices (and the small negative markers) in int32 for any market
        # under two billion: half the bytes a shopper of int64.
        index = np.int32 if market < 2 ** 31 else np.int64
        s.register_column("referred_by", index, -1)   # the referrer, for referred shoppers
        self.reviews = 0
        self.cart_lift = 1.0
        self.order_lift = 1.0
        self.group_share_of_orders = 0.0
        self.invited_referrers = np.empty(0, np.int64)   # converted shares of today: join tomorrow
        self.invited_nodes = np.empty(0, np.int64)
        self.joining_referrers = np.empty(0, np.int64)   # joining today
        self.joining_nodes = np.empty(0, np.int64)
        self.on_graph = config.graph != "well_mixed"
        if self.on_graph:
            self.indptr, self.neighbours = social_graph(config.graph, market, config.mean_degree, config.rewiring, rng)
            s.register_column("social_node", np.int32, -1)
            self.shopper_at = np.full(market, FREE, dtype=index)
            # The order in which other joiners take free nodes.
            self.free_order = rng.permutation(market).astype(index)
            self.free_next = 0
        self.reserved = 0   # well mixed: prospects promised to a referral tomorrow
        self.reached_shoppers: list[np.ndarray] = []   # today's shares that reached someone already a shopper

    # Shopper columns are re-read each time: they grow by reallocation as shoppers join.
    @property
    def referred_by(self) -> np.ndarray:
        return self.platform.shoppers.referred_by

    @property
    def node_of(self) -> np.ndarray:
        return self.platform.shoppers.social_node

    # --- the model, in functions a reader (and a test) can call ------------------------

    def share_probability(self) -> float:
        c = self.config
        return min(1.0, c.share_probability
                   * (1 + c.reward_share_lift * attractiveness(c.referrer_reward, c.reward_half_saturation)))

    def conversion(self) -> float:
        c = self.config
        return min(1.0, c.referral_conversion
                   * (1 + c.reward_conversion_lift * attractiveness(c.referee_reward, c.reward_half_saturation)))

    def review_lift(self) -> float:
        """Browse -> cart from the reviews written in the run, over what the stock of day 0 gives
        already (the baseline funnel is that of a platform with its stock)."""
        c = self.config

        def social_proof(per_product: float) -> float:
            return 1.0 + c.review_max_lift * (1.0 - math.exp(-per_product / c.reviews_saturation))

        stock = c.initial_reviews_per_product
        return social_proof(stock + self.reviews / c.catalog_products) / social_proof(stock)

    def warning_multiplier(self) -> float:
        tally = self.platform.tally
        if not tally.customers or not self.config.detractor_warning:
            return 1.0
        return max(0.0, 1.0 - self.config.detractor_warning * tally.detractors / tally.customers)

    # --- touchpoints -------------------------------------------------------------------

    def start_day(self, day: int) -> None:
        c = self.config
        self.platform.levers.imitation_multiplier *= self.warning_multiplier()
        self.cart_lift = self.review_lift()
        if c.group_buy_discount > 0 and c.group_buy_participation > 0:
            boosted = c.group_buy_participation * (1 - c.group_buy_discount) ** -c.group_buy_elasticity
            self.order_lift = 1 - c.group_buy_participation + boosted
            self.group_share_of_orders = boosted / self.order_lift   # of the orders, those bought as a group
        else:
            self.order_lift, self.group_share_of_orders = 1.0, 0.0

    def acquire(self, day: int) -> dict[str, int]:
        self.joining_referrers, self.joining_nodes = self.invited_referrers, self.invited_nodes
        self.invited_referrers, self.invited_nodes = np.empty(0, np.int64), np.empty(0, np.int64)
        self.reserved = 0
        return {"referral": int(self.joining_referrers.size)} if self.joining_referrers.size else {}

    def joined(self, day: int, new: np.ndarray) -> None:
        s = self.platform.shoppers
        referred = new[s.channel[new] == self.referral_channel][: self.joining_referrers.size]
        count = referred.size
        self.referred_by[referred] = self.joining_referrers[:count]
        s.heard_from_friend[referred] = True   # a friend's recommendation brought them
        if not self.on_graph:
            self.joining_referrers = self.joining_referrers[count:]
            return
        self._seat(referred, self.joining_nodes[:count])
        self.joining_referrers, self.joining_nodes = self.joining_referrers[count:], self.joining_nodes[count:]
        others = new[self.node_of[new] < 0]
        self._seat(others, self._free_nodes(others.size))

    def funnel_varies_within_day(self) -> bool:
        return False   # reviews lift every visit alike

    def stage_factors(self, who: np.ndarray, at: np.ndarray):
        factors = {}
        if self.cart_lift != 1.0:
            factors["cart"] = self.cart_lift
        if self.order_lift != 1.0:
            factors["order"] = self.order_lift
        return factors

    def orders_placed(self, day: int, orders: OrderBatch) -> None:
        c, s = self.config, self.platform.shoppers
        count = len(orders)
        if not count:
            return
        rng = self.rng
        # Group buys: the discount, and an invitation to a friend.
        group = np.zeros(count, dtype=bool)
        if self.group_share_of_orders:
            group = rng.random(count) < self.group_share_of_orders
            orders.discount[group] += c.group_buy_discount * orders.value[group]
        # A referred friend's first order: the referee's discount and the referrer's reward.
        first = (s.orders[orders.shopper] == 0) & (self.referred_by[orders.shopper] >= 0)
        if first.any():
            room = np.maximum(0.0, orders.value[first] - orders.discount[first])
            orders.discount[first] += np.minimum(room, c.referee_reward)
            self.book(c.referrer_reward * int(first.sum()), "acquisition")
        # Reviews.
        if c.review_probability:
            self.reviews += int(rng.binomial(count, c.review_probability))
        # Shares and the friends they convert (joining tomorrow).
        sharing = group | (rng.random(count) < self.share_probability())
        self._share(orders.shopper[sharing])

    def end_day(self, day: int) -> None:
        # A share that reached a shopper who has not ordered yet is a friend's recommendation
        # before its first order; counted from tomorrow, so it surely came before that order.
        if self.reached_shoppers:
            s = self.platform.shoppers
            reached = np.concatenate(self.reached_shoppers)
            s.heard_from_friend[reached[s.orders[reached] == 0]] = True
            self.reached_shoppers = []
        # Referred friends the market had no room for today do not come.
        if self.on_graph and self.joining_nodes.size:
            self.shopper_at[self.joining_nodes] = FREE
        self.joining_referrers, self.joining_nodes = np.empty(0, np.int64), np.empty(0, np.int64)

    # --- helpers -------------------------------------------------------------------------

    def _share(self, sharers: np.ndarray) -> None:
        if not sharers.size:
            return
        self.platform.shoppers.has_shared[sharers] = True
        rng, conversion = self.rng, self.conversion()
        if not self.on_graph:
            # A random person of the market: a prospect not yet promised to a referral?
            n = self.platform.shoppers.n
            prospects = self.market - n - self.reserved
            person = rng.random(sharers.size) * self.market
            reached = person < prospects
            # The others are shoppers (the first n) or promised prospects, equally likely.
            shopper = (person[~reached] - prospects).astype(np.int64)
            self.reached_shoppers.append(shopper[shopper < n])
            converts = sharers[reached & (rng.random(sharers.size) < conversion)]
            converts = converts[: max(0, prospects)]
            self.reserved += converts.size
            self.invited_referrers = np.concatenate([self.invited_referrers, converts])
            return
        nodes = self.node_of[sharers].astype(np.int64)
        seated = nodes >= 0   # a joiner finds no free node only when the market is all but full
        sharers, nodes = sharers[seated], nodes[seated]
        degree = self.indptr[nodes + 1] - self.indptr[nodes]
        has_friends = degree > 0
        sharers, nodes, degree = sharers[has_friends], nodes[has_friends], degree[has_friends]
        friend = self.neighbours[self.indptr[nodes] + (rng.random(nodes.size) * degree).astype(np.int64)].astype(np.int64)
        self.reached_shoppers.append(self.shopper_at[friend][self.shopper_at[friend] >= 0])
        converts = (self.shopper_at[friend] == FREE) & (rng.random(friend.size) < conversion)
        friend, referrer = friend[converts], sharers[converts]
        friend, first = np.unique(friend, return_index=True)   # two friends invite the same person: one joins
        referrer = referrer[first]
        self.shopper_at[friend] = RESERVED
        self.invited_referrers = np.concatenate([self.invited_referrers, referrer])
        self.invited_nodes = np.concatenate([self.invited_nodes, friend])

    def _seat(self, shoppers: np.ndarray, nodes: np.ndarray) -> None:
        self.node_of[shoppers] = nodes
        self.shopper_at[nodes] = shoppers

    def _free_nodes(self, count: int) -> np.ndarray:
        """`count` random nodes nobody occupies or is promised, in the order drawn at the start."""
        taken: list[np.ndarray] = []
        needed = count
        while needed > 0 and self.free_next < self.market:
            chunk = self.free_order[self.free_next: self.free_next + needed + needed // 4 + 16]
            free = np.flatnonzero(self.shopper_at[chunk] == FREE)[:needed]
            taken.append(chunk[free])
            needed -= free.size
            self.free_next += int(free[-1]) + 1 if needed == 0 else chunk.size
        return np.concatenate(taken) if taken else np.empty(0, np.int64)


PLUGIN = StrategyPlugin(
    name="social_referral",
    config=SocialReferral,
    strategy=SocialReferralStrategy,
    order=20,
    channels=("referral",),
    viral_channels=("referral",),
    social_channels=("referral",),   # a shared link in a social app (WeChat, Weibo)
    levers=("share_probability", "referrer_reward", "referee_reward", "graph", "group_buy_discount"),
)
