"""The day's scalar levers, and per-shopper factors on a subset of shoppers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

Factor = float | np.ndarray          # one value for everyone, or one per shopper asked about


@dataclass
class Levers:
    """Scalar levers, reset to neutral at the start of each day and set by strategies
    and calendar events. Neutral values make the engine the published models."""

    innovation_add: float = 0.0          # added to Bass p (paid and content reach), per day
    imitation_multiplier: float = 1.0    # multiplies Bass q (referral incentives)
    visit_rate_multiplier: float = 1.0   # multiplies every alive shopper's visit rate
    dropout_multiplier: float = 1.0      # multiplies the dropout probability after a purchase
    stage_multipliers: dict[str, float] = field(default_factory=dict)  # funnel stage -> multiplier
    order_value_multiplier: float = 1.0  # basket size
    discount_rate: float = 0.0           # share of order value given back as a discount (sales)
    member_day: object | None = None     # the member-day calendar event on today, if any
    free_shipping: bool = False          # every order ships free today (a calendar event)
    carrier_capacity_multiplier: float = 1.0   # multiplies the orders the warehouse ships today (a carriers' slowdown)
    transit_days_added: float = 0.0      # added to the transit of every order shipped today (a carriers' slowdown)

    def reset(self) -> None:
        for name, value in Levers().__dict__.items():
            setattr(self, name, value)

    def multiply_stage(self, stage: str, factor: float) -> None:
        self.stage_multipliers[stage] = self.stage_multipliers.get(stage, 1.0) * factor


def product_of(factors) -> np.ndarray | float:
    total = 1.0
    for factor in factors:
        if type(total) is float and total == 1.0 and isinstance(factor, np.ndarray) and factor.dtype.kind == "f":
            total = factor   # 1.0 x a float array: the same values and dtype, without the copy
        else:
            total = total * factor
    return total


def factor_where(mask: np.ndarray, factor: float | np.ndarray) -> np.ndarray:
    """`factor` where `mask` (a boolean array) holds and 1 elsewhere: np.where(mask, factor, 1.0)
    value for value and dtype for dtype, for finite float factors. Computed as mask x factor
    + not mask, without np.where's branch per element, slow on irregular masks."""
    return mask * factor + ~mask
