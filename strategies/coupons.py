"""Red packets (红包) and coupons that expire.

Mechanism, in a strategist's words: the platform hands out coupons, each worth `value`
off one order of at least `min_spend`, valid for `valid_days` whole days from the day
after it is given: to every active shopper (ordered or joined within the churn window)
at the end of each of `issue_days`, to each new shopper when it joins (`on_join`), and
to a buyer after each order (`after_order`, the "return coupon" of a shop). A shopper
holds one coupon at a time: a new one replaces the one it holds. While it holds one
the shopper visits more often (visit rate x `visit_lift`), and more so in the last
`urgency_days` of the validity (x `urgency_lift` on top: "your red packet expires
tomorrow"). Its first order of at least `min_spend` while the coupon is valid redeems
it: the coupon's value is a discount on that order, and the coupon is gone. A coupon
not redeemed expires at the end of its last day (counted).

Money: a redeemed coupon is a discount (`discounts`), booked by the kernel with its
order; an expired one costs nothing. Sending costs `cost_per_coupon` each (retention
marketing, `cost_coupons`).

Where the default numbers come from:
- `value` 5 with `min_spend` 30 (满30减5-style shop coupons, scaled to the baseline's mean
  order of about 35), `valid_days` 7: assumptions.
- `visit_lift` 1.2 and `urgency_lift` 1.3 in the last `urgency_days` 2: assumptions; the
  deadline effect (more redemptions as a coupon nears expiry) is documented for
  coupons (Inman & McAlister 1994, "Do coupon expiration dates affect consumer
  behavior?", Journal of Marketing Research), its size here is not theirs.
- `cost_per_coupon` 0.01: a push message, an assumption.

Simplified: one coupon per shopper at a time (replaced, not stacked); a coupon is
used whole on one order, capped at what is left to pay; the lift acts on visits only
(not on the funnel), and holds from the day the coupon is given.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

import numpy as np
from pydantic import Field

from simulation.kernel.api import Kpi, OrderBatch, ShopperColumn, Strategy, StrategyConfig, StrategyPlugin


class Coupons(StrategyConfig):
    value: float = Field(5.0, gt=0, description="Off one order, currency (a discount).")
    min_spend: float = Field(30.0, ge=0, description="The order (before discounts) must be worth at least this.")
    valid_days: int = Field(7, ge=1, le=365, description="Whole days a coupon is valid, from the day after it is given.")
    issue_days: list[Annotated[int, Field(ge=0)]] = Field([], description="Days at whose end every active shopper gets a coupon.")
    on_join: bool = Field(False, description="Give a coupon to each shopper when it joins.")
    after_order: bool = Field(False, description="Give a coupon to a buyer after each order.")
    visit_lift: float = Field(1.2, gt=0, le=5, description="Visit-rate multiplier while a shopper holds a coupon.")
    urgency_days: int = Field(2, ge=0, description="Last days of the validity in which urgency_lift applies too.")
    urgency_lift: float = Field(1.3, gt=0, le=5, description="Further visit-rate multiplier near expiry.")
    cost_per_coupon: float = Field(0.01, ge=0, description="Cost of sending one coupon, currency (retention marketing).")


class CouponsStrategy(Strategy):
    name: ClassVar[str] = "coupons"
    cost_category: ClassVar[str] = "retention"
    held = ShopperColumn("red_packet_value")        # 0: holds none
    expires = ShopperColumn("red_packet_expires")   # the day at whose start it is no longer valid
    valid_from = ShopperColumn("red_packet_from")   # the day from whose start it is valid

    def __init__(self, config: Coupons, platform, rng: np.random.Generator) -> None:
        super().__init__(config, platform, rng)
        s = platform.shoppers
        s.register_column("red_packet_value", np.float64, 0.0)
        s.register_column("red_packet_expires", np.int32, 0)
        s.register_column("red_packet_from", np.int32, 0)
        self.day = 0
        self.out = False             # any coupon given yet
        self.counts = self._zero()

    @staticmethod
    def _zero() -> dict[str, float]:
        return dict.fromkeys(("coupons_issued", "coupons_used", "coupons_expired", "coupon_discounts"), 0)

    def give(self, day: int, who: np.ndarray) -> None:
        """Coupons to `who`, valid from tomorrow for valid_days (a held one is replaced)."""
        if who.size == 0:
            return
        c = self.config
        replaced = int(np.count_nonzero(self.held[who] > 0))
        self.counts["coupons_expired"] += replaced        # a replaced coupon lapses unused
        self.held[who] = c.value
        self.valid_from[who] = day + 1
        self.expires[who] = day + 1 + c.valid_days
        self.counts["coupons_issued"] += who.size
        self.book(who.size * c.cost_per_coupon)
        self.out = True

    def start_day(self, day: int) -> None:
        self.day = day
        if not self.out:
            return
        s, n = self.platform.shoppers, self.platform.shoppers.n
        holding = self.held[:n] > 0
        gone = np.flatnonzero(holding & (self.expires[:n] <= day))
        self.held[gone] = 0.0
        self.counts["coupons_expired"] += gone.size
        changed = gone
        if self.config.urgency_days and self.config.urgency_lift != 1.0:
            urgent = np.flatnonzero(holding & (self.expires[:n] == day + self.config.urgency_days))
            changed = np.concatenate([gone, urgent])
        changed = changed[s.alive[changed]]
        if changed.size:    # their visit rate changed this morning
            self.platform.redraw_visits_from(changed, float(day))

    def visit_factor(self, who: np.ndarray):
        if not self.out:
            return 1.0
        c = self.config
        holding = self.held[who] > 0
        factor = np.where(holding, c.visit_lift, 1.0)
        if c.urgency_days:
            factor = factor * np.where(holding & (self.expires[who] - self.day <= c.urgency_days), c.urgency_lift, 1.0)
        return factor

    def joined(self, day: int, new: np.ndarray) -> None:
        if self.config.on_join and new.size:
            self.give(day, new)
            s = self.platform.shoppers
            alive = new[s.alive[new]]
            self.platform.redraw_visits_from(alive, s.join_time[alive])   # at the holder's rate

    def orders_placed(self, day: int, orders: OrderBatch) -> None:
        if len(orders) == 0:
            return
        c = self.config
        buyers = orders.shopper
        if self.out:
            use = (self.held[buyers] > 0) & (orders.time >= self.valid_from[buyers]) & (orders.time < self.expires[buyers]) \
                & (orders.value >= c.min_spend)
            if use.any():
                given = np.minimum(self.held[buyers[use]], orders.value[use] - orders.discount[use])
                orders.discount[use] += given
                self.held[buyers[use]] = 0.0
                self.counts["coupons_used"] += int(np.count_nonzero(use))
                self.counts["coupon_discounts"] += float(given.sum())
        if c.after_order:
            self.give(day, buyers)     # valid from tomorrow; the buyer's next visit is drawn at its new rate

    def end_day(self, day: int) -> None:
        c, s, n = self.config, self.platform.shoppers, self.platform.shoppers.n
        if day in c.issue_days:
            window = self.platform.scenario.behavior.churn_window_days
            who = np.flatnonzero(s.last_active_day[:n] > day - window)
            self.give(day, who)
            self.platform.redraw_visits(who[s.alive[who]], day)
        self.platform.today.update(self.counts)
        self.counts = self._zero()


def _share(d, numerator: str) -> float:
    total = float(np.sum(d["coupons_issued"]))
    return float(np.sum(d[numerator])) / total if total else float("nan")


PLUGIN = StrategyPlugin(
    name="coupons",
    config=Coupons,
    strategy=CouponsStrategy,
    order=84,
    daily_columns={
        "coupons_issued": "Red packets / coupons given.",
        "coupons_used": "Red packets / coupons redeemed on an order.",
        "coupons_expired": "Red packets / coupons that lapsed unused (expired, or replaced by a new one).",
        "coupon_discounts": "Red packet / coupon discounts given, money (part of discounts).",
    },
    levers=("value", "min_spend", "valid_days", "visit_lift", "urgency_lift"),
    kpis={"coupon_redemption_rate": Kpi("Share of red packets / coupons given that were redeemed.",
                                        lambda d: _share(d, "coupons_used"), "share")},
)
