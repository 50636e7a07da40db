"""Precision marketing from behaviour data: RFM segments, coupons (blanket or targeted),
retargeting of cart abandoners, and win-back offers to shoppers who stopped ordering.

Mechanism, in a strategist's words:

* **RFM segments.** Every `rfm_every_days` days the platform scores each customer (a
  shopper with an order) 1-5 on recency (days since the last order), frequency (orders)
  and monetary value (spend), by quintile: a score is 1 + 5 x the share of customers
  who do worse, rounded down (so tied shoppers share a score). Recency and frequency
  give the segment: `champions` (R 4-5, F 4-5), `loyal` (R 3-5, F 3-5, not champions),
  `new` (R 4-5, F 1-2), `needs_attention` (R 3, F 1-2), `at_risk` (R 1-2, F 3-5: used to
  buy often, not lately) and `hibernating` (R 1-2, F 1-2).
* **Coupons.** Every `coupons.every_days` days a coupon campaign goes out: `blanket`
  to every active shopper (ordered or joined within the churn window), `targeted` only
  to the chosen `coupons.segments` (customers with a monetary score of at least
  `min_monetary_score`; `prospects` are the active shoppers with no order yet). A
  coupon is worth `coupons.value` off one order within `valid_days`. While a shopper
  holds one, its checkout -> order probability is x `conversion_lift` (the incentive
  closes the sale), and the coupon is used on its next order (a discount). A share
  `response_probability` of the holders still with us come back for it within the
  validity (mean `response_delay_days`): an extra visit with a product in mind
  (browsing and add-to-cart done).
  Why targeting pays: the extra visit is the same for every holder, but a holder who
  buys often also spends the coupon on an order it would have placed anyway. A blanket
  campaign hands many coupons to frequent buyers, so each incremental order costs
  more than in a campaign aimed at shoppers still with us who buy rarely (prospects,
  hibernating customers). Aiming at `at_risk` customers (frequent buyers who stopped)
  teaches the BG/NBD lesson: most of them have left for good, and those who have not
  still buy often, so their coupons buy few extra orders.
  `holdout_share` keeps a random share of each campaign's audience without a coupon:
  comparing holders with the held out, within the coupon's validity, measures the
  campaign's incremental orders (`PrecisionMarketingStrategy.campaign_results`).
* **Retargeting of cart abandoners.** A shopper who adds to cart and leaves is shown
  `impressions_per_abandoner` ads (paid at `cost_per_thousand` impressions). A share
  `return_probability` comes back, on average `return_delay_days` after the day of the
  abandonment (from the next day on): an extra visit to the saved cart (browse and
  add-to-cart done), whose checkout -> order probability is x `return_conversion_lift`.
* **Win-back.** A shopper with no order for `win_back.after_days` days (customers and
  shoppers who were on the platform before the run) gets an offer: a coupon of
  `coupon_value` for `valid_days`. Of those still with us (latent-alive), a share
  `response_probability` comes back for it (an extra visit, as for coupons). Of those
  who have left for good (latent-dead), a small share `revival_probability` is won
  back: alive again, with a visit for the offer; after it they buy and drop out by the
  BG/NBD rules like anyone (docs/model.md §7: observed churn is inactivity; a win-back can bring some back).

Every extra visit is a visit the shopper makes because of a message; by the
memorylessness of its visit clock it comes on top of its usual visits.

Costs: ad impressions and messages are retention marketing; coupons are discounts.

Where the default numbers come from:
- RFM with quintile scores is the database-marketing classic (Hughes 1994, "Strategic
  Database Marketing"); the six-segment map above is one common simplification.
  `rfm_every_days` 7: a weekly refresh.
- Coupons: `value` 15 (about 15 % of the baseline's mean order of about CNY 100) valid 14 days, a
  campaign every 28 days, `conversion_lift` 1.1, `response_probability` 0.10 and
  `cost_per_message` 0.01 (an e-mail or push): assumptions to calibrate with the
  platform's own holdout tests; 10 % is near the upper end of promotional e-mail
  click-through rates. Targeting `prospects` and `hibernating` by default: in a
  365-day run of the baseline market these cost about half as much per incremental
  order as a blanket campaign (measured with holdouts; at_risk costs several times
  more).
- Retargeting: in a randomised field experiment, retargeted ads made 14.6 % more
  visitors return within four weeks, a third of the first week's effect on the first
  day (Sahni, Narayanan & Kalyanam 2019, "An experimental investigation of the effects
  of retargeted advertising", Journal of Marketing Research). `return_probability`
  0.06 (an incremental return of about 15 % over a base return rate near 40 %) and
  `return_delay_days` 1 follow that; `return_conversion_lift` 1.1 is an assumption
  (dynamic ads showing the abandoned product help shoppers whose preferences are
  already refined: Lambrecht & Tucker 2013, "When does retargeting work?", JMR).
  `impressions_per_abandoner` 20 at `cost_per_thousand` 5: display CPMs of a few
  currency units, an assumption.
- Win-back: `after_days` 60 (before the default 90-day churn window), `coupon_value` 30
  (about 30 % of the mean order),
  `response_probability` 0.10 and `revival_probability` 0.02: assumptions; win-back
  offers do bring lost customers back, and the offer's value matters (Tokman, Davis &
  Lemon 2007, Journal of Retailing; Kumar, Bhagwat & Zhang 2015, "Regaining 'lost'
  customers", Journal of Marketing). `cost_per_offer` 0.05: a message with a coupon.

Simplified: an extra visit that falls on a day the shopper already visited, before
it, is not played; a coupon replaces one the shopper holds; the win-back offer uses
the coupons' `conversion_lift`; a revived shopper keeps its traits.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from simulation.kernel.api import Config, OrderBatch, ShopperColumn, Strategy, StrategyConfig, StrategyPlugin, factor_where

SEGMENTS = ("champions", "loyal", "new", "needs_attention", "at_risk", "hibernating")   # codes 1..6; 0: no order yet
PROSPECTS = "prospects"   # active shoppers with no order yet (joined within the churn window): a targetable group
Segment = Literal["champions", "loyal", "new", "needs_attention", "at_risk", "hibernating", "prospects"]
OFFER, CART = 1, 2        # why an extra visit comes: an offer (lands on a product) or a saved cart
FORCED = 1e6              # a stage factor that caps the stage's probability at 1 (a stage already done)


# --- RFM, vectorised ----------------------------------------------------------------------

def quintile_scores(values: np.ndarray, higher_is_better: bool = True) -> np.ndarray:
    """1-5 per value: 1 + floor(5 x share of values strictly worse); ties share a score.

    floor(5 s / m) >= k exactly when at least j = ceil(k m / 5) values are worse, that is
    when the value beats the j-th worst one; so four order statistics score every value
    with four comparisons (no search of a million values in a million)."""
    m = values.size
    if m == 0:
        return np.zeros(0, dtype=np.int8)
    j = -(-np.arange(1, 5) * m // 5)                       # ceil(k m / 5), k = 1..4
    score = np.ones(m, dtype=np.int8)
    for cut in order_statistics(values, j - 1 if higher_is_better else m - j):
        score += (values > cut) if higher_is_better else (values < cut)
    return score


def order_statistics(values: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """np.sort(values)[ranks], without sorting: integers of a small range (days since the
    last order, orders) by counting them, others by a partial sort."""
    if values.dtype.kind in "iu":
        low, high = int(values.min()), int(values.max())
        if high - low < 1 << 16:
            at_most = np.cumsum(np.bincount(values - low))   # values <= low + i
            return low + np.searchsorted(at_most, ranks, side="right")
    return np.partition(values, ranks)[ranks]


def _segment_rule(recency: np.ndarray, frequency: np.ndarray) -> np.ndarray:
    return np.select(
        [(recency >= 4) & (frequency >= 4), (recency >= 3) & (frequency >= 3), recency >= 4, recency == 3,
         frequency >= 3],
        [1, 2, 3, 4, 5], default=6).astype(np.int8)


# The rule over every pair of scores (index: recency, frequency), so that segmenting a
# million customers is one look-up each.
_SEGMENT_TABLE = _segment_rule(*np.indices((6, 6)))


def segment_of(recency: np.ndarray, frequency: np.ndarray) -> np.ndarray:
    """Segment code (1..6, see SEGMENTS) from R and F scores (1-5)."""
    return _SEGMENT_TABLE[recency, frequency]


# --- the config ---------------------------------------------------------------------------

class Coupons(Config):
    mode: Literal["none", "blanket", "targeted"] = Field(
        "none", description="No coupons; to every active shopper; or to the chosen RFM segments only."
    )
    value: float = Field(15.0, ge=0, description="Off one order, currency (a discount).")
    valid_days: int = Field(14, ge=1, description="Days a coupon can be used, from the day after it is sent.")
    every_days: int = Field(28, ge=1, description="Days between coupon campaigns.")
    segments: list[Segment] = Field(
        ["prospects", "hibernating"], description="RFM segments (or 'prospects': active, no order yet) a targeted campaign goes to."
    )
    min_monetary_score: int = Field(1, ge=1, le=5, description="Targeted: only customers with at least this monetary score (1-5).")
    response_probability: float = Field(
        0.10, ge=0, le=1, description="Chance a holder still with us comes back for the coupon (an extra visit)."
    )
    response_delay_days: float = Field(2.0, gt=0, description="Mean days from the campaign to that visit (within the validity).")
    conversion_lift: float = Field(1.1, gt=0, description="Checkout -> order multiplier while a shopper holds a coupon.")
    cost_per_message: float = Field(0.01, ge=0, description="Cost of sending one coupon, currency (retention marketing).")
    holdout_share: float = Field(
        0.0, ge=0, lt=1, description="Share of each campaign's audience held out at random (no coupon), to measure its incremental orders."
    )


class Retargeting(Config):
    enabled: bool = Field(False, description="Show ads to shoppers who abandoned a cart.")
    impressions_per_abandoner: float = Field(20.0, ge=0, description="Ad impressions bought per abandoned cart.")
    cost_per_thousand: float = Field(5.0, ge=0, description="Cost per thousand impressions (CPM), currency (retention marketing).")
    return_probability: float = Field(0.06, ge=0, le=1, description="Chance a retargeted abandoner comes back for its cart (an extra visit).")
    return_delay_days: float = Field(1.0, gt=0, description="Mean days from the end of the abandonment day to that visit.")
    return_conversion_lift: float = Field(1.1, gt=0, description="Checkout -> order multiplier on that visit.")


class WinBack(Config):
    enabled: bool = Field(False, description="Send win-back offers to shoppers with no recent order.")
    after_days: int = Field(60, ge=1, description="Days without an order after which the offer goes out.")
    coupon_value: float = Field(30.0, ge=0, description="The offer's coupon, off one order, currency (a discount).")
    valid_days: int = Field(14, ge=1, description="Days the offer's coupon can be used.")
    cost_per_offer: float = Field(0.05, ge=0, description="Cost of sending one offer, currency (retention marketing).")
    response_probability: float = Field(
        0.10, ge=0, le=1, description="Chance a shopper still with us (latent-alive) comes back for the offer (an extra visit)."
    )
    revival_probability: float = Field(
        0.02, ge=0, le=1, description="Chance a shopper who has left for good (latent-dead) is won back."
    )
    response_delay_days: float = Field(2.0, gt=0, description="Mean days from the offer to the visit it brings.")


class PrecisionMarketing(StrategyConfig):
    rfm_every_days: int = Field(7, ge=1, description="Days between recomputations of the RFM scores and segments.")
    coupons: Coupons = Field(Coupons(), description="Coupon campaigns, blanket or targeted by RFM segment.")
    retargeting: Retargeting = Field(Retargeting(), description="Ads to shoppers who abandoned a cart.")
    win_back: WinBack = Field(WinBack(), description="Offers to shoppers who stopped ordering.")


# --- the strategy -------------------------------------------------------------------------

class PrecisionMarketingStrategy(Strategy):
    name: ClassVar[str] = "precision_marketing"
    cost_category: ClassVar[str] = "retention"
    segment = ShopperColumn("rfm_segment")
    monetary_score = ShopperColumn("rfm_monetary")
    coupon_value = ShopperColumn("coupon_value")
    coupon_until = ShopperColumn("coupon_until")
    recall_time = ShopperColumn("recall_time")
    recall_kind = ShopperColumn("recall_kind")
    recall_due = ShopperColumn("recall_due")
    campaign_group = ShopperColumn("coupon_campaign_group")
    campaign_end = ShopperColumn("coupon_campaign_end")

    def __init__(self, config: PrecisionMarketing, platform, rng: np.random.Generator) -> None:
        super().__init__(config, platform, rng)
        s = platform.shoppers
        s.register_column("rfm_segment", np.int8, 0)
        s.register_column("rfm_monetary", np.int8, 0)
        s.register_column("coupon_value", np.float32, 0.0)
        s.register_column("coupon_until", np.float64, -np.inf)   # valid at times before this
        s.register_column("recall_time", np.float64, np.inf)       # an extra visit, scheduled
        s.register_column("recall_kind", np.int8, 0)
        # Marks the shoppers with an extra visit due today (so that a visit looks up its
        # extra-visit time only for them); cleared the next morning.
        s.register_column("recall_due", np.bool_, False)
        self.due_today = np.empty(0, dtype=np.int64)
        self.recalls: dict[int, list[np.ndarray]] = {}    # day -> shoppers with an extra visit that day
        # The latest coupon campaign of each shopper: 1 got a coupon, 2 held out; orders in its window.
        s.register_column("coupon_campaign_group", np.int8, 0)
        s.register_column("coupon_campaign_end", np.float64, -np.inf)
        self.audience = np.zeros(3, dtype=np.int64)        # by group, summed over campaigns
        self.window_orders = np.zeros(3, dtype=np.int64)   # orders within the campaign's validity, by group
        self.campaign_cost = 0.0                            # messages and coupons of the campaigns
        self.scheduled = False      # any extra visit ever scheduled (else stage_factors has nothing to do)
        self.coupons_out = False    # any coupon ever sent
        self.initial_channel = platform.channel_index("initial")
        self.counts = dict.fromkeys(("coupons_sent", "coupons_redeemed", "retargeted", "win_back_offers", "revived"), 0)

    # --- RFM ---------------------------------------------------------------------------

    def refresh_segments(self, day: int) -> None:
        s = self.platform.shoppers
        self.segment[: s.n] = 0
        customers = np.flatnonzero(s.orders[: s.n] > 0)
        if customers.size == 0:
            return
        recency = quintile_scores(day - s.last_active_day[customers], higher_is_better=False)
        frequency = quintile_scores(s.orders[customers])
        self.segment[customers] = segment_of(recency, frequency)
        self.monetary_score[customers] = quintile_scores(s.spend[customers])

    # --- extra visits --------------------------------------------------------------------

    def schedule_visits(self, who: np.ndarray, times: np.ndarray, kind: int) -> None:
        """Extra visits at these times (from tomorrow on): played from the start of their day."""
        if who.size == 0:
            return
        self.recall_time[who] = times
        self.recall_kind[who] = kind
        days = np.floor(times).astype(np.int64)
        for day in np.unique(days):
            self.recalls.setdefault(int(day), []).append(who[days == day])
        self.scheduled = True

    def give_coupons(self, day: int, who: np.ndarray, value: float, valid_days: int) -> None:
        if value <= 0:
            return
        self.coupon_value[who] = value
        self.coupon_until[who] = day + 1.0 + valid_days
        self.coupons_out = True

    def _responses(self, day: int, who: np.ndarray, probability: float, delay: float, valid_days: int) -> np.ndarray:
        """Of `who`, those who come back for an offer, and their visit times (within the validity)."""
        come = who[self.rng.random(who.size) < probability]
        times = day + 1.0 + np.minimum(self.rng.exponential(delay, come.size), valid_days * (1 - 1e-9))
        return come, times

    # --- each day ------------------------------------------------------------------------

    def start_day(self, day: int) -> None:
        self.recall_due[self.due_today] = False
        self.due_today = np.empty(0, dtype=np.int64)
        due = self.recalls.pop(day, None)
        if not due:
            return
        s = self.platform.shoppers
        who = np.concatenate(due)
        when = self.recall_time[who]
        who = who[(when >= day) & (when < day + 1) & s.alive[who]]   # not replaced by a later one
        s.next_visit[who] = np.minimum(s.next_visit[who], self.recall_time[who])
        # Extra visits are scheduled from tomorrow on, and only the alive visit: today's are these.
        self.recall_due[who] = True
        self.due_today = who

    def end_day(self, day: int) -> None:
        c = self.config
        campaign = c.coupons.mode != "none" and (day + 1) % c.coupons.every_days == 0
        if (day + 1) % c.rfm_every_days == 0 or (campaign and c.coupons.mode == "targeted"):
            self.refresh_segments(day)
        if campaign:
            self._coupon_campaign(day)
        if c.win_back.enabled:
            self._win_back(day)
        self.platform.today.update(self.counts)
        self.counts = dict.fromkeys(self.counts, 0)

    def _coupon_campaign(self, day: int) -> None:
        c, s = self.config.coupons, self.platform.shoppers
        if c.mode == "blanket":
            window = self.platform.scenario.behavior.churn_window_days
            who = np.flatnonzero(s.last_active_day[: s.n] > day - window)
        else:
            codes = [SEGMENTS.index(name) + 1 for name in c.segments if name != PROSPECTS]
            chosen = np.isin(self.segment[: s.n], codes) & (self.monetary_score[: s.n] >= c.min_monetary_score)
            if PROSPECTS in c.segments:
                window = self.platform.scenario.behavior.churn_window_days
                chosen |= (s.orders[: s.n] == 0) & (s.last_active_day[: s.n] > day - window)
            who = np.flatnonzero(chosen)
        held_out = self.rng.random(who.size) < c.holdout_share if c.holdout_share else np.zeros(who.size, bool)
        self.campaign_group[who] = np.where(held_out, 2, 1)
        self.campaign_end[who] = day + 1.0 + c.valid_days
        self.audience += np.bincount(self.campaign_group[who], minlength=3)
        who = who[~held_out]
        self.book(who.size * c.cost_per_message)
        self.campaign_cost += who.size * c.cost_per_message
        self.counts["coupons_sent"] += who.size
        self.give_coupons(day, who, c.value, c.valid_days)
        alive = who[s.alive[who]]
        self.schedule_visits(*self._responses(day, alive, c.response_probability, c.response_delay_days, c.valid_days),
                             OFFER)

    def _win_back(self, day: int) -> None:
        w, s, n = self.config.win_back, self.platform.shoppers, self.platform.shoppers.n
        who = np.flatnonzero(s.last_active_day[:n] == day - w.after_days)
        who = who[(s.orders[who] > 0) | (s.channel[who] == self.initial_channel)]
        if who.size == 0:
            return
        self.book(who.size * w.cost_per_offer)
        self.counts["win_back_offers"] += who.size
        self.give_coupons(day, who, w.coupon_value, w.valid_days)
        alive = s.alive[who]
        come, times = self._responses(day, who[alive], w.response_probability, w.response_delay_days, w.valid_days)
        revived, revival_times = self._responses(day, who[~alive], w.revival_probability, w.response_delay_days,
                                                 w.valid_days)
        if revived.size:
            # Back from latent dropout: alive again (and talking again, in Bass's A(t));
            # the offer's visit is its next one.
            self.platform.revive(revived)
            self.counts["revived"] += revived.size
        self.schedule_visits(np.concatenate([come, revived]), np.concatenate([times, revival_times]), OFFER)

    # --- the shopper step ----------------------------------------------------------------

    def funnel_varies_within_day(self) -> bool:
        return bool(self.scheduled or self.coupons_out)   # recall visits at their hour; coupons expire within a day

    def stage_factors(self, who: np.ndarray, at: np.ndarray):
        if not (self.scheduled or self.coupons_out):
            return {}
        factors = {}
        order = 1.0
        if self.scheduled:
            due = np.flatnonzero(self.recall_due[who])   # few: positions in `who`
            extra = due[self.recall_time[who[due]] == at[due]]   # the extra visit itself
            if extra.size:   # browsing and add-to-cart are done: it came for the product
                forced = np.ones(who.size)
                forced[extra] = FORCED
                factors["browse"] = factors["cart"] = forced
                order = np.ones(who.size)
                order[extra[self.recall_kind[who[extra]] == CART]] = self.config.retargeting.return_conversion_lift
        if self.coupons_out and self.config.coupons.conversion_lift != 1.0:
            holding = self.coupon_until[who] > at           # a used coupon's validity is cleared
            if holding.any():
                order = order * factor_where(holding, self.config.coupons.conversion_lift)
        if np.ndim(order):
            factors["order"] = order
        return factors

    def orders_placed(self, day: int, orders: OrderBatch) -> None:
        if not self.coupons_out or len(orders) == 0:
            return
        buyers = orders.shopper
        in_campaign = np.where(orders.time < self.campaign_end[buyers], self.campaign_group[buyers], 0)
        self.window_orders += np.bincount(in_campaign, minlength=3)
        holding = self.coupon_until[buyers] > orders.time
        if holding.any():
            room = orders.value[holding] - orders.discount[holding]
            given = np.minimum(room, self.coupon_value[buyers[holding]])
            orders.discount[holding] += given
            self.campaign_cost += float(given[in_campaign[holding] == 1].sum())
            self.coupon_value[buyers[holding]] = 0.0
            self.coupon_until[buyers[holding]] = -np.inf
            self.counts["coupons_redeemed"] += int(holding.sum())

    def campaign_results(self) -> dict[str, float]:
        """What the coupon campaigns did, measured against their holdout groups: orders per
        audience member within the coupon's validity, coupon holders versus held out."""
        treated, held = self.audience[1], self.audience[2]
        per_treated = self.window_orders[1] / treated if treated else float("nan")
        per_held = self.window_orders[2] / held if held else float("nan")
        incremental = (per_treated - per_held) * treated
        return {"coupons": float(treated), "held_out": float(held), "orders_per_holder": per_treated,
                "orders_per_held_out": per_held, "incremental_orders": incremental, "cost": self.campaign_cost,
                "cost_per_incremental_order": self.campaign_cost / incremental if incremental else float("nan")}

    def carts_abandoned(self, day: int, who: np.ndarray, times: np.ndarray) -> None:
        r = self.config.retargeting
        if not r.enabled or who.size == 0:
            return
        self.book(who.size * r.impressions_per_abandoner * r.cost_per_thousand / 1000.0)
        self.counts["retargeted"] += who.size
        come = who[self.rng.random(who.size) < r.return_probability]
        self.schedule_visits(come, day + 1.0 + self.rng.exponential(r.return_delay_days, come.size), CART)


PLUGIN = StrategyPlugin(
    name="precision_marketing",
    config=PrecisionMarketing,
    strategy=PrecisionMarketingStrategy,
    order=70,
    daily_columns={
        "coupons_sent": "Coupons sent.",
        "coupons_redeemed": "Coupons redeemed on an order.",
        "retargeted": "Cart abandoners retargeted.",
        "win_back_offers": "Win-back offers sent to at-risk shoppers.",
        "revived": "Shoppers brought back from latent dropout by a win-back offer.",
    },
    levers=("coupons", "retargeting", "win_back"),
)
