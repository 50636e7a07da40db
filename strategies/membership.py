"""Membership: a free tiered loyalty programme with points, member days, and a paid
membership (an annual fee for free shipping, a discount and priority service).

Mechanism, in a strategist's words:

* **Tiers by rolling spend.** Every shopper is in the loyalty programme. What it paid
  over the last 365 days (order value after discounts) puts it in a tier: the highest
  tier whose `min_spend_365d` it reaches (none below the first). A tier's benefits act
  on its members: visits (`visit_factor`, status and reminders bring them back more
  often), dropout after a purchase (`dropout_factor`, "I would lose my status"),
  basket (`basket_factor`), a points multiplier and priority at the service desk.
  The window rolls: an order counts for exactly 365 days, so a shopper who stops
  buying drops a tier when its big orders of last year leave the window. Shoppers on
  the platform before the run start with no spend in the window (a newly launched
  programme: tiers fill during the first year).
* **Points.** Each unit of currency paid earns `points.per_currency` points, times the
  tier's multiplier. A shopper whose balance has reached `points.redeem_minimum`
  redeems all of it on an order with `points.redemption_probability`; each point is
  worth `points.value`. The redemption is the programme's cost, booked as retention
  marketing when redeemed; points never redeemed (the shopper left) cost nothing
  (breakage). The points themselves do not change behaviour here: the programme's
  pull is in the tier benefits.
* **Member days.** On a `member_day` calendar event, members (a shopper in a tier or a
  paid member) visit `traffic` times as often, convert `conversion` times better at
  checkout and get `discount` off their orders; a member day with `free_shipping` ships
  members' orders free. Non-members shop as usual.
* **Paid membership** (Amazon Prime, Costco, JD Plus): after an order, a shopper who is
  not a paid member is offered the membership and takes it with probability
  `paid.uptake_probability` x (`fee` / `reference_fee`)^-`fee_elasticity`: frequent
  buyers, offered more often, join more (the self-selection seen in every paid
  programme), and a dearer membership finds fewer takers. A term lasts
  `paid.term_days`; at its end the member renews with `paid.renewal_probability` +
  `paid.renewal_satisfaction_slope` x (satisfaction - feedback.reference_satisfaction),
  kept in [0, 1]; a member who has left for good (latent dropout) does not renew.
  Benefits while a member: free shipping (`paid.free_shipping`: a member's orders pay no
  `strategies.logistics.shipping_fee`, and checkout -> order gets the one free-shipping
  uplift of the engine, `strategies.logistics.free_shipping_conversion_uplift`), a member
  discount (`paid.discount`),
  visits x `paid.visit_factor`, dropout x `paid.dropout_factor` (the sunk fee and the
  benefits keep members buying), and `paid.ticket_priority` at the service desk
  (higher is served first).

  `MembershipStrategy.dropout_factor` is the one place where membership acts on dropout.

Money (simulation/kernel/ledger.py says who books each line): membership fees are
income, not a negative cost: the ledger's `membership_fees`, booked here (`book_fee`),
are added to revenue and to contribution. A fee is recognised ratably over the term (fee
/ term_days per member per day), as Costco recognises its membership fees "ratably over
the one-year membership period" (Costco annual reports); so a run that ends mid-term
counts only the part of a fee it served. The member discount and member-day deals go
into the orders' discounts; redeemed points and the programme's running cost are
retention marketing. Free shipping books nothing here: this strategy marks members'
orders `ships_free`, and the kernel charges the shipping fee on the orders that do not
ship free; the waived fee is revenue not earned, counted once whoever else (a threshold,
a sale) also ships the order free, and the carrier's cost is the warehouse's, on every
order.

Where the default numbers come from:
- Tiers `silver` from 300 and `gold` from 1200 a year: about three and twelve orders of
  the baseline's mean order of about CNY 100 (behavior.spend), so that a minority
  reaches each tier.
  Tier benefits (silver: dropout x 0.95; gold: visits x 1.05, dropout x 0.85, basket x
  1.02, points x 1.5, priority 1) are assumptions: field studies find that a tier
  component lifts sales beyond the points alone (Kopalle, Sun, Neslin, Sun & Swaminathan
  2012, "The joint sales impact of frequency reward and customer tier components of
  loyalty programs", Marketing Science) and that status is valued more when few hold it
  (Dreze & Nunes 2009, "Feeling superior", Journal of Consumer Research); calibrate
  against the platform's own tier data.
- Points: 1 point per yuan, worth 0.01 each (1 % back), as JD's 京豆 (100 beans a yuan)
  are redeemed (to be checked); redemption from 500 points with probability 0.5 per
  order: assumptions (a share of points is never redeemed: breakage).
- Paid membership: `fee` 198 a year: JD PLUS's annual fee since 2021 (earlier 149, and
  99 at launch; docs/evidence.md). Alibaba's 88VIP is 88 a year for members with a 淘气值
  of at least 1000 (888 otherwise): a lower fee to try in a sweep. `renewal_probability` 0.85: CIRP's surveys put Prime's first-year
  renewal at 91 % and later years' at 96 % (2016), an upper bound for a smaller
  programme. `uptake_probability` 0.05 per order: an assumption (CIRP found about 73 %
  of Prime free-trial users converting, but that is after opting into a trial).
  The shipping fee and the free-shipping uplift are the warehouse's
  (strategies/logistics.py says where they come from). `visit_factor` 1.10 and `dropout_factor` 0.70: assumptions. That members
  use what they paid for more is the sunk-cost "payment depreciation" effect
  (Gourville & Soman 1998, Journal of Consumer Research); Prime members' reported spend
  of about twice non-members' (CIRP) is mostly self-selection, which the uptake rule
  above produces on its own, so the causal factors are kept modest.
- `fee_elasticity` 1.5 around a `reference_fee` of 198 (JD PLUS): the calendar's default price
  elasticity (online retail's is commonly put at 1-2); an assumption for a
  membership, whose price response the platform should test.
- `renewal_satisfaction_slope` 1.0 (a shopper 0.1 happier than the reference renews 10
  points likelier): an assumption.
- `programme_cost_per_day` 0: the loyalty platform and its staff, to fill in.

With logistics' free-shipping threshold on, a member's order ships free once: one fee
not charged, one uplift at checkout.

Simplified: one paid plan; no free trial; no mid-term cancellation or refunds; a fee
is income from the day the term starts (deferred revenue is not modelled beyond ratable
recognition); points do not expire and are not accounted as a liability before
redemption; tier spend counts the value after this programme's discounts.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field, model_validator

from simulation.kernel.api import Config, Kpi, OrderBatch, ShopperColumn, Strategy, StrategyConfig, StrategyPlugin, factor_where

WINDOW_DAYS = 365     # the rolling window of "spend in the last 365 days"
MAX_TIERS = 4         # members_tier_1 .. members_tier_4 in the time series


class Tier(Config):
    name: str = Field(description="Shown to shoppers, e.g. 'silver', 'gold'.")
    min_spend_365d: float = Field(
        ge=0, description="Spend over the last 365 days (after discounts), currency, from which a shopper is in this tier."
    )
    visit_factor: float = Field(1.0, gt=0, description="Visit-rate multiplier for the tier's members (1 = no effect).")
    dropout_factor: float = Field(1.0, ge=0, description="Dropout-probability multiplier after a purchase (below 1: fewer leave).")
    basket_factor: float = Field(1.0, gt=0, description="Order-value multiplier for the tier's members.")
    points_multiplier: float = Field(1.0, ge=0, description="Points earned x this in the tier.")
    ticket_priority: float = Field(0.0, ge=0, description="Service-desk priority (higher is served first; 0 = first come, first served).")


class Points(Config):
    per_currency: float = Field(1.0, ge=0, description="Points earned per unit of currency paid, before the tier multiplier (0 = no points).")
    value: float = Field(0.01, ge=0, description="Currency one point is worth when redeemed.")
    redeem_minimum: float = Field(500.0, ge=0, description="Balance, points, from which a shopper may redeem.")
    redemption_probability: float = Field(
        0.5, ge=0, le=1, description="Chance that a shopper with at least the minimum redeems its whole balance on an order."
    )


class PaidMembership(Config):
    enabled: bool = Field(False, description="Offer a paid membership.")
    fee: float = Field(198.0, ge=0, description="Fee per term, currency (income, recognised ratably over the term); "
                                              "CNY 198: JD PLUS a year.")
    term_days: int = Field(365, ge=1, description="Length of one membership term, days.")
    uptake_probability: float = Field(
        0.05, ge=0, le=1, description="Chance a shopper who is not a member takes the membership when offered it after an order, at the reference fee."
    )
    reference_fee: float = Field(198.0, gt=0, description="Fee, currency per term, at which uptake_probability was measured "
                                                        "(JD PLUS's CNY 198).")
    fee_elasticity: float = Field(
        1.5, ge=0, description="Uptake x (fee / reference_fee)^-elasticity: a dearer membership finds fewer takers."
    )
    renewal_probability: float = Field(0.85, ge=0, le=1, description="Chance a member renews at the end of a term, at reference satisfaction.")
    renewal_satisfaction_slope: float = Field(
        1.0, ge=0, description="Renewal probability + this x (satisfaction - feedback.reference_satisfaction), kept in [0, 1]."
    )
    free_shipping: bool = Field(
        True, description="Members' orders ship free: no strategies.logistics.shipping_fee, and the free-shipping "
                          "uplift at checkout (strategies.logistics.free_shipping_conversion_uplift)."
    )
    discount: float = Field(0.0, ge=0, lt=1, description="Member discount, share of order value.")
    visit_factor: float = Field(1.10, gt=0, description="Visit-rate multiplier for members.")
    dropout_factor: float = Field(0.70, ge=0, description="Dropout-probability multiplier after a purchase, for members.")
    ticket_priority: float = Field(1.0, ge=0, description="Service-desk priority of members (higher is served first).")

    @model_validator(mode="before")
    @classmethod
    def _moved_keys(cls, data):
        """Keys of an earlier version, now one setting for every free-shipping grant."""
        if isinstance(data, dict):
            moved = {"shipping_fee": "strategies.logistics.shipping_fee (the fee every order pays unless it ships free)",
                     "free_shipping_conversion": "strategies.logistics.free_shipping_conversion_uplift "
                                                 "(1.15 here is an uplift of 0.15 there)"}
            for key, where in moved.items():
                if key in data:
                    raise ValueError(f"{key}: moved to {where}")
        return data


class Membership(StrategyConfig):
    tiers: list[Tier] = Field(
        [Tier(name="silver", min_spend_365d=300.0, dropout_factor=0.95),
         Tier(name="gold", min_spend_365d=1200.0, visit_factor=1.05, dropout_factor=0.85, basket_factor=1.02,
              points_multiplier=1.5, ticket_priority=1.0)],
        description=f"Loyalty tiers, lowest first (at most {MAX_TIERS}); [] for no tiers.",
    )
    points: Points = Field(Points(), description="Points earned on orders and their redemption.")
    paid: PaidMembership = Field(PaidMembership(), description="A paid membership with an annual fee.")
    programme_cost_per_day: float = Field(0.0, ge=0, description="Running cost of the programme, currency per day (retention marketing).")

    @model_validator(mode="after")
    def _tiers_rise(self) -> "Membership":
        if len(self.tiers) > MAX_TIERS:
            raise ValueError(f"tiers: at most {MAX_TIERS}")
        spends = [tier.min_spend_365d for tier in self.tiers]
        if any(b <= a for a, b in zip(spends, spends[1:])):
            raise ValueError("tiers: min_spend_365d should rise from one tier to the next")
        return self


class MembershipStrategy(Strategy):
    name: ClassVar[str] = "membership"
    cost_category: ClassVar[str] = "retention"
    tier = ShopperColumn("member_tier")
    spend_365d = ShopperColumn("member_spend_365d")
    points = ShopperColumn("member_points")
    paid = ShopperColumn("paid_member")
    paid_until = ShopperColumn("paid_member_until")
    visit_mult = ShopperColumn("member_visit_factor")
    dropout_mult = ShopperColumn("member_dropout_factor")

    def __init__(self, config: Membership, platform, rng: np.random.Generator) -> None:
        super().__init__(config, platform, rng)
        s, c = platform.shoppers, config
        s.register_column("member_tier", np.int8, 0)              # 0: no tier, k: tiers[k-1]
        s.register_column("member_spend_365d", np.float64, 0.0)
        s.register_column("member_points", np.float64, 0.0)
        s.register_column("paid_member", np.bool_, False)
        s.register_column("paid_member_until", np.int32, -1)   # a member on days < this
        s.register_column("member_visit_factor", np.float32, 1.0)
        s.register_column("member_dropout_factor", np.float32, 1.0)
        # Per tier (index 0: no tier), for gathers.
        tiers, paid = c.tiers, c.paid
        self.thresholds = np.array([t.min_spend_365d for t in tiers])
        column = lambda name, none: np.array([none, *(getattr(t, name) for t in tiers)], dtype=np.float64)  # noqa: E731
        self.tier_visit, self.tier_dropout = column("visit_factor", 1.0), column("dropout_factor", 1.0)
        self.tier_basket, self.tier_points = column("basket_factor", 1.0), column("points_multiplier", 1.0)
        self.tier_priority = column("ticket_priority", 0.0)
        self.paid_visit = paid.visit_factor if paid.enabled else 1.0
        self.paid_dropout = paid.dropout_factor if paid.enabled else 1.0
        self.visits_neutral = np.all(self.tier_visit == 1.0) and self.paid_visit == 1.0
        self.dropout_neutral = np.all(self.tier_dropout == 1.0) and self.paid_dropout == 1.0
        self.tracks_spend = len(tiers) > 0
        # An order's spend leaves the window after WINDOW_DAYS: one slot per day of the window.
        self.window: list[tuple[np.ndarray, np.ndarray] | None] = [None] * WINDOW_DAYS
        self.spent_today: list[tuple[np.ndarray, np.ndarray]] = []
        self.term_ends: dict[int, list[np.ndarray]] = {}   # day at whose end a term ends -> members
        self.paid_count = 0
        self.tier_counts = np.zeros(MAX_TIERS + 1, dtype=np.int64)   # shoppers in each tier (0: none)
        self.member_day_visits = False   # yesterday's member-day traffic to undo this morning

    # --- the model, in functions a reader (and a test) can call ------------------------

    def tier_of(self, spend: np.ndarray) -> np.ndarray:
        """Tier index (0 = none) for a spend over the last 365 days."""
        return np.searchsorted(self.thresholds, spend, side="right").astype(np.int8)

    def uptake_probability(self) -> float:
        """Chance an offered shopper takes the paid membership at its fee."""
        paid = self.config.paid
        if paid.fee == 0:
            return paid.uptake_probability if paid.fee_elasticity == 0 else 1.0
        return min(1.0, paid.uptake_probability * (paid.fee / paid.reference_fee) ** -paid.fee_elasticity)

    def is_member(self, who: np.ndarray) -> np.ndarray:
        return (self.tier[who] > 0) | self.paid[who]

    def renewal_probability(self, satisfaction: np.ndarray) -> np.ndarray:
        paid, reference = self.config.paid, self.platform.scenario.feedback.reference_satisfaction
        return np.clip(paid.renewal_probability + paid.renewal_satisfaction_slope * (satisfaction - reference), 0.0, 1.0)

    def _set_tier(self, who: np.ndarray, tier: np.ndarray) -> None:
        """Move shoppers (unique) to new tiers, keeping the count of each tier."""
        self.tier_counts -= np.bincount(self.tier[who], minlength=MAX_TIERS + 1)
        self.tier_counts += np.bincount(tier, minlength=MAX_TIERS + 1)
        self.tier[who] = tier
        self._refresh(who)

    def _refresh(self, who: np.ndarray) -> None:
        """Benefit factors of these shoppers after their tier or paid status changed."""
        tier, paid = self.tier[who], self.paid[who]
        self.visit_mult[who] = self.tier_visit[tier] * np.where(paid, self.paid_visit, 1.0)
        self.dropout_mult[who] = self.tier_dropout[tier] * np.where(paid, self.paid_dropout, 1.0)

    def _member_day(self):
        return self.platform.levers.member_day

    # --- each day ----------------------------------------------------------------------

    def start_day(self, day: int) -> None:
        if self.config.programme_cost_per_day:
            self.book(self.config.programme_cost_per_day)
        event = self._member_day()
        traffic = event is not None and event.traffic != 1.0
        if traffic or self.member_day_visits:
            # Members' visit rate changes today (a member day starts, or yesterday's ended):
            # by memorylessness, their next visit is redrawn from the start of the day.
            s = self.platform.shoppers
            members = np.flatnonzero(self.is_member(np.arange(s.n)) & s.alive[: s.n])
            self.platform.redraw_visits_from(members, float(day))
        self.member_day_visits = traffic

    def joined(self, day: int, new: np.ndarray) -> None:
        if self.tracks_spend and self.thresholds[0] <= 0:
            self._set_tier(new, self.tier_of(np.zeros(new.size)))
            # Their first visit was drawn before they joined a tier: rescale the wait.
            factor = self.visit_mult[new].astype(np.float64)
            if np.any(factor != 1.0):
                s = self.platform.shoppers
                start = s.join_time[new]
                s.next_visit[new] = start + (s.next_visit[new] - start) / factor

    def end_day(self, day: int) -> None:
        today = self.platform.today
        if self.tracks_spend:
            self._roll_window(day)
        today["paid_members"] = self.paid_count     # members today, those whose term ends tonight included
        if self.config.paid.enabled:
            self.book_fee(self.paid_count * self.config.paid.fee / self.config.paid.term_days)
            self._end_terms(day)
        if self.tracks_spend:
            for k in range(1, MAX_TIERS + 1):
                today[f"members_tier_{k}"] = int(self.tier_counts[k])

    def _roll_window(self, day: int) -> None:
        slot = day % WINDOW_DAYS
        leaving = self.window[slot]          # orders of day - 365 leave the window
        if leaving is not None:
            who, amount = leaving
            self.spend_365d[who] = np.maximum(0.0, self.spend_365d[who] - amount)
            new_tier = self.tier_of(self.spend_365d[who])
            moved = new_tier != self.tier[who]
            changed = who[moved]
            if changed.size:
                self._set_tier(changed, new_tier[moved])
                if not self.visits_neutral:
                    self.platform.redraw_visits(changed, day)
        if self.spent_today:
            who = np.concatenate([w for w, _ in self.spent_today])
            amount = np.concatenate([a for _, a in self.spent_today])
            unique, inverse = np.unique(who, return_inverse=True)   # one entry per shopper and day
            self.window[slot] = (unique, np.bincount(inverse, weights=amount))
        else:
            self.window[slot] = None
        self.spent_today = []

    def _end_terms(self, day: int) -> None:
        """Terms ending tonight: renew, or the member lapses."""
        ending = self.term_ends.pop(day, [])
        if not ending:
            return
        who = np.concatenate(ending)
        s, paid = self.platform.shoppers, self.config.paid
        renew = s.alive[who] & (self.rng.random(who.size) < self.renewal_probability(s.satisfaction[who]))
        renewed = who[renew]
        self.paid_until[renewed] += paid.term_days
        if renewed.size:
            self.term_ends.setdefault(day + paid.term_days, []).append(renewed)
        lapsed = who[~renew]
        self.paid[lapsed] = False
        self.paid_count -= lapsed.size
        self._refresh(lapsed)
        if self.paid_visit != 1.0:
            self.platform.redraw_visits(lapsed, day)

    # --- the shopper step --------------------------------------------------------------

    def visit_factor(self, who: np.ndarray):
        event = self._member_day()
        traffic = event.traffic if event is not None else 1.0
        if self.visits_neutral and traffic == 1.0:
            return 1.0
        factor = self.visit_mult[who]
        if traffic != 1.0:
            factor = factor * factor_where(self.is_member(who), traffic)
        return factor

    def funnel_varies_within_day(self) -> bool:
        return False   # member days and free shipping hold all day

    def stage_factors(self, who: np.ndarray, at: np.ndarray):
        event = self._member_day()
        if event is not None and event.conversion != 1.0:
            return {"order": factor_where(self.is_member(who), event.conversion)}
        return {}

    def _ships_free(self, who: np.ndarray) -> np.ndarray | None:
        """Which of these shoppers' orders ship free by membership (None: none can)."""
        paid, event = self.config.paid, self._member_day()
        free = None
        if paid.enabled and paid.free_shipping and self.paid_count:
            free = self.paid[who]
        if event is not None and event.free_shipping:
            free = self.is_member(who) if free is None else free | self.is_member(who)
        return free

    def free_shipping_chance(self, who: np.ndarray, at: np.ndarray):
        """Members' orders ship free (paid membership; every member on a free-shipping member day)."""
        free = self._ships_free(who)
        return 0.0 if free is None else free.astype(np.float64)

    def dropout_factor(self, who: np.ndarray):
        """Where membership acts on dropout: tier and paid-membership factors."""
        return 1.0 if self.dropout_neutral else self.dropout_mult[who]

    def orders_placed(self, day: int, orders: OrderBatch) -> None:
        if len(orders) == 0:
            return
        c, buyers = self.config, orders.shopper
        tier, paid = self.tier[buyers], self.paid[buyers]
        if self.tracks_spend:
            basket = self.tier_basket[tier]
            orders.value *= basket
            orders.discount *= basket    # a discount given as a share of the order grows with it
        extra = np.zeros(len(orders))
        if c.paid.enabled:
            if c.paid.discount:
                extra += np.where(paid, c.paid.discount * orders.value, 0.0)
        free = self._ships_free(buyers)
        if free is not None:
            orders.ships_free |= free
        event = self._member_day()
        if event is not None and event.discount:
            extra += np.where((tier > 0) | paid, event.discount * orders.value, 0.0)
        if extra.any():
            orders.discount = np.minimum(orders.value, orders.discount + extra)
        paid_amount = orders.value - orders.discount
        self._points(buyers, tier, paid_amount)
        if self.tracks_spend:
            self.spend_365d[buyers] += paid_amount
            self.spent_today.append((buyers.copy(), paid_amount.copy()))
            new_tier = self.tier_of(self.spend_365d[buyers])
            up = new_tier != tier
            if up.any():
                self._set_tier(buyers[up], new_tier[up])
        if c.paid.enabled and c.paid.uptake_probability > 0:
            offered = buyers[~paid]
            joining = offered[self.rng.random(offered.size) < self.uptake_probability()]
            if joining.size:
                self.paid[joining] = True
                self.paid_until[joining] = day + c.paid.term_days
                self.term_ends.setdefault(day + c.paid.term_days - 1, []).append(joining)
                self.paid_count += joining.size
                self._refresh(joining)

    def _points(self, buyers: np.ndarray, tier: np.ndarray, paid_amount: np.ndarray) -> None:
        points = self.config.points
        if points.per_currency <= 0:
            return
        self.points[buyers] += paid_amount * points.per_currency * self.tier_points[tier]
        balance = self.points[buyers]
        redeem = (balance >= points.redeem_minimum) & (self.rng.random(buyers.size) < points.redemption_probability)
        if redeem.any():
            self.book(float(balance[redeem].sum()) * points.value)
            self.points[buyers[redeem]] = 0.0

    # --- service -----------------------------------------------------------------------

    def ticket_priority(self, who: np.ndarray):
        priority = self.tier_priority[self.tier[who]]
        if self.config.paid.enabled and self.config.paid.ticket_priority:
            priority = priority + np.where(self.paid[who], self.config.paid.ticket_priority, 0.0)
        return priority


PLUGIN = StrategyPlugin(
    name="membership",
    config=Membership,
    strategy=MembershipStrategy,
    order=30,
    daily_columns={
        "paid_members": "Paid members on the day (those whose term ends that night included).",
        "members_tier_1": "Members in tier 1 at the end of the day.",
        "members_tier_2": "Members in tier 2 at the end of the day.",
        "members_tier_3": "Members in tier 3 at the end of the day.",
        "members_tier_4": "Members in tier 4 at the end of the day.",
    },
    levers=("paid.fee", "paid.discount", "points.value", "programme_cost_per_day"),
    kpis={"paid_members_end": Kpi("Paid members on the last day of the run (0 when the paid membership is off).",
                                  lambda daily: daily["paid_members"][-1], unit="count")},
)
