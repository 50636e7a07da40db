"""A thank-you gift after a shopper's first order: an example strategy plugin.

Mechanism: every shopper who places a first order is sent a small gift. It costs
`cost_per_gift` (retention marketing), raises the shopper's satisfaction by
`satisfaction_gain` and multiplies its dropout probability after later purchases by
`dropout_factor`. Numbers are illustrative, not sourced: this package shows how a
plugin is written (docs/plugins.md).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field

from simulation.kernel.api import Kpi, OrderBatch, ShopperColumn, Strategy, StrategyConfig, StrategyPlugin, factor_where


class ThankYouGift(StrategyConfig):
    cost_per_gift: float = Field(5.0, ge=0, description="What one gift costs, sent and delivered.")
    satisfaction_gain: float = Field(0.05, ge=0, le=1, description="Satisfaction a gift adds, 0-1.")
    dropout_factor: float = Field(0.9, gt=0, description="Multiplies a gifted shopper's dropout probability.")


class ThankYouGiftStrategy(Strategy):
    name: ClassVar[str] = "thank_you_gift"
    cost_category: ClassVar[str] = "retention"
    gifted = ShopperColumn("thank_you_gifted")

    def __init__(self, config: ThankYouGift, platform, rng: np.random.Generator) -> None:
        super().__init__(config, platform, rng)
        platform.shoppers.register_column("thank_you_gifted", np.bool_, False)
        self.sent_today = 0

    def orders_placed(self, day: int, orders: OrderBatch) -> None:
        first = np.unique(orders.shopper[~self.gifted[orders.shopper]])
        if first.size:
            self.gifted[first] = True
            self.platform.satisfaction_change(day, first, self.config.satisfaction_gain)
            self.book(first.size * self.config.cost_per_gift)
            self.sent_today += int(first.size)

    def dropout_factor(self, who: np.ndarray):
        return factor_where(self.gifted[who], self.config.dropout_factor)

    def end_day(self, day: int) -> None:
        self.platform.today["gifts_sent"] = self.sent_today
        self.sent_today = 0


PLUGIN = StrategyPlugin(
    name="thank_you_gift",
    config=ThankYouGift,
    strategy=ThankYouGiftStrategy,
    order=100,
    daily_columns={"gifts_sent": "Thank-you gifts sent (one per shopper, after its first order)."},
    levers=("cost_per_gift", "satisfaction_gain", "dropout_factor"),
    kpis={"gifts_sent": Kpi("Thank-you gifts sent over the horizon.", lambda daily: daily["gifts_sent"].sum())},
)
