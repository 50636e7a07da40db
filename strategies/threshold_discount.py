"""Spend-threshold discounts (满减: "spend 300, get 50 off"), with optional stacked tiers.

Mechanism, in a strategist's words: while the deal runs (`start_day` for `days`, or the
whole run), an order worth at least a tier's `threshold` gets that tier's `off` (the
highest tier the basket reaches; with `per_multiple`, 每满减, the tier's `off` for every
whole multiple of its threshold). Shoppers bunch their baskets just above the
threshold: an order within `top_up_band` below the nearest threshold above it (as a
share of that threshold) is topped up to it with probability `top_up_probability`,
as shoppers top up to a free-shipping threshold (strategies/logistics.py; written
afresh here). The deal also closes more checkouts: checkout -> order is multiplied by
`conversion_lift` while it runs.

Money: the tier's `off` is a discount on the order (`discounts`, out of the margin),
booked by the kernel with the order; the strategy books no cost of its own. Top-ups
raise `gmv`. The tier is judged on the order's value before discounts, after the
top-up; the discount never exceeds what is left to pay.

Where the default numbers come from:
- Tiers: Double 11's cross-store deal (跨店满减) has been "每满300减40" or "减50" in
  recent years (as reported in the press, not checked against Tmall's own pages): a
  sixth or so off at the threshold, set well above the typical basket. The baseline's
  mean order is about ¥100 (docs/evidence.md), so the default tier keeps that ratio near
  1.7 times the mean order: `threshold` 170, `off` 28. An assumption.
- `top_up_band` 0.25 and `top_up_probability` 0.5: as logistics' free-shipping top-ups
  (UPS / comScore "Pulse of the Online Shopper" 2014: adding items to qualify for free
  shipping is the most common action, by 58 % of shoppers "ever"); assumptions for a
  discount threshold.
- `conversion_lift` 1.05: an assumption.

Runs after logistics (order 82 > 50): an order topped up past the free-shipping threshold
is marked to ship free here.

Simplified: a top-up raises an order exactly to the threshold; baskets are single
orders (no cross-store pooling); the lift is the same for every visit.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field

from simulation.kernel.api import Config, Kpi, OrderBatch, Strategy, StrategyConfig, StrategyPlugin


class Tier(Config):
    threshold: float = Field(170.0, gt=0, description="Orders worth at least this (before discounts) get `off`.")
    off: float = Field(28.0, gt=0, description="Off an order that reaches the threshold, currency (a discount).")


class ThresholdDiscount(StrategyConfig):
    tiers: list[Tier] = Field([Tier()], min_length=1, description="Spend thresholds and what each takes off; the highest reached applies.")
    per_multiple: bool = Field(False, description="每满减: the tier's off for every whole multiple of its threshold.")
    start_day: int = Field(0, ge=0, description="First day of the deal.")
    days: int | None = Field(None, ge=1, description="Days the deal runs; null: to the end of the run.")
    top_up_band: float = Field(0.25, ge=0, le=1, description="Orders this close below a threshold (share of it) may be topped up to it.")
    top_up_probability: float = Field(0.5, ge=0, le=1, description="Probability an order within the band is topped up.")
    conversion_lift: float = Field(1.05, gt=0, le=3, description="Checkout -> order multiplier while the deal runs.")


class ThresholdDiscountStrategy(Strategy):
    name: ClassVar[str] = "threshold_discount"
    cost_category: ClassVar[str] = "retention"

    def __init__(self, config: ThresholdDiscount, platform, rng: np.random.Generator) -> None:
        super().__init__(config, platform, rng)
        tiers = sorted(config.tiers, key=lambda t: t.threshold)
        self.thresholds = np.array([t.threshold for t in tiers])
        self.offs = np.array([t.off for t in tiers])
        self.running = False
        self.counts = self._zero()

    @staticmethod
    def _zero() -> dict[str, float]:
        return dict.fromkeys(("threshold_orders", "topped_up_orders", "threshold_deal_orders", "threshold_discounts"), 0)

    def start_day(self, day: int) -> None:
        c = self.config
        self.running = day >= c.start_day and (c.days is None or day < c.start_day + c.days)

    def funnel_varies_within_day(self) -> bool:
        return False   # the deal runs whole days

    def stage_factors(self, who: np.ndarray, at: np.ndarray):
        if self.running and self.config.conversion_lift != 1.0:
            return {"order": self.config.conversion_lift}
        return {}

    def off_for(self, value: np.ndarray) -> np.ndarray:
        """What the deal takes off orders of these values (before discounts)."""
        tier = np.searchsorted(self.thresholds, value, side="right") - 1     # the highest tier reached, -1: none
        reached = tier >= 0
        off = np.zeros(value.size)
        t = tier[reached]
        off[reached] = self.offs[t] * (np.floor(value[reached] / self.thresholds[t]) if self.config.per_multiple else 1.0)
        return off

    def orders_placed(self, day: int, orders: OrderBatch) -> None:
        c = self.config
        if not self.running or len(orders) == 0:
            return
        value = orders.value
        nxt = np.searchsorted(self.thresholds, value, side="right")           # the nearest threshold above
        has_next = nxt < self.thresholds.size
        target = np.where(has_next, self.thresholds[np.minimum(nxt, self.thresholds.size - 1)], np.inf)
        near = has_next & (value >= target * (1.0 - c.top_up_band))
        topped = near & (self.rng.random(len(orders)) < c.top_up_probability)
        if topped.any():
            orders.discount[topped] *= target[topped] / value[topped]   # a discount rate stays a rate
            orders.value[topped] = target[topped]
            free_over = self.platform.scenario.strategies.logistics
            if free_over.enabled and free_over.free_shipping_threshold is not None:   # logistics ran before us
                orders.ships_free |= topped & (orders.value >= free_over.free_shipping_threshold)
        off = np.minimum(self.off_for(orders.value), orders.value - orders.discount)
        orders.discount += off
        self.counts["threshold_orders"] += int(np.count_nonzero(orders.value >= self.thresholds[0]))
        self.counts["topped_up_orders"] += int(np.count_nonzero(topped))
        self.counts["threshold_deal_orders"] += len(orders)
        self.counts["threshold_discounts"] += float(off.sum())

    def end_day(self, day: int) -> None:
        self.platform.today.update(self.counts)
        self.counts = self._zero()


def _share(d) -> float:
    total = float(np.sum(d["threshold_deal_orders"]))
    return float(np.sum(d["threshold_orders"])) / total if total else float("nan")


PLUGIN = StrategyPlugin(
    name="threshold_discount",
    config=ThresholdDiscount,
    strategy=ThresholdDiscountStrategy,
    order=82,
    daily_columns={
        "threshold_orders": "Orders at or above the (lowest) spend threshold while the deal runs.",
        "topped_up_orders": "Orders topped up to a spend threshold.",
        "threshold_deal_orders": "Orders placed while the threshold deal runs.",
        "threshold_discounts": "Threshold-deal discounts given, money (part of discounts).",
    },
    levers=("tiers", "top_up_probability", "conversion_lift"),
    kpis={"threshold_order_share": Kpi("Share of orders during the deal at or above the spend threshold.", _share, "share")},
)
