"""The seam between strategies and the engine.

A strategy is a pydantic config plus a `Strategy` subclass. Each method of `Strategy`
is one touchpoint of the shopper model (docs/model.md); the default does nothing or
returns a neutral factor, so a strategy overrides exactly the places where it acts,
and a reader finds "where does membership act on dropout?" at
`MembershipStrategy.dropout_factor`. The engine multiplies the factors of every
enabled strategy; it never asks which strategy set what.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:   # the engine imports strategies, never the reverse at run time
    from simulation.kernel.engine import Replication

Factor = float | np.ndarray          # one value for everyone, or one per shopper asked about
CostCategory = Literal["acquisition", "retention", "operations"]   # acquisition + retention = marketing


class Config(BaseModel):
    """Base of every scenario section: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class StrategyConfig(Config):
    enabled: bool = Field(False, description="Switch the strategy on.")


def factor_where(mask: np.ndarray, factor: float | np.ndarray) -> np.ndarray:
    """`factor` where `mask` (a boolean array) holds and 1 elsewhere: np.where(mask, factor, 1.0)
    value for value and dtype for dtype, for finite float factors. Computed as mask x factor
    + not mask, without np.where's branch per element, slow on irregular masks."""
    return mask * factor + ~mask


class ShopperColumn:
    """A per-shopper column the strategy registered, looked up on the population at each
    use: the population reallocates its arrays as shoppers join."""

    def __init__(self, column: str) -> None:
        self.column = column

    def __get__(self, strategy, owner=None) -> np.ndarray:
        return getattr(strategy.platform.shoppers, self.column)


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

    def reset(self) -> None:
        for name, value in Levers().__dict__.items():
            setattr(self, name, value)

    def multiply_stage(self, stage: str, factor: float) -> None:
        self.stage_multipliers[stage] = self.stage_multipliers.get(stage, 1.0) * factor


@dataclass
class OrderBatch:
    """Orders placed in one round of visits. Strategies may raise `value` (basket),
    add to `discount` and `return_probability`, and mark `priority` for service."""

    shopper: np.ndarray
    time: np.ndarray
    value: np.ndarray
    discount: np.ndarray
    return_probability: np.ndarray

    @classmethod
    def empty(cls) -> "OrderBatch":
        return cls(*(np.empty(0, dtype=np.int64 if i == 0 else float) for i in range(5)))

    def __len__(self) -> int:
        return len(self.shopper)

    @classmethod
    def concatenate(cls, batches: list["OrderBatch"]) -> "OrderBatch":
        return cls(*(np.concatenate([getattr(b, f.name) for b in batches]) for f in fields(cls)))

    def take(self, rows: np.ndarray) -> "OrderBatch":
        return type(self)(*(getattr(self, f.name)[rows] for f in fields(self)))


class Strategy:
    """A playbook strategy acting on one replication. Override the touchpoints it acts on."""

    name: ClassVar[str]
    cost_category: ClassVar[CostCategory] = "retention"

    def __init__(self, config: StrategyConfig, platform: "Replication", rng: np.random.Generator) -> None:
        self.config = config
        self.platform = platform
        self.rng = rng

    # --- each day ---------------------------------------------------------------
    def start_day(self, day: int) -> None:
        """Set scalar levers for the day; book fixed daily costs."""

    def end_day(self, day: int) -> None:
        """Observe the day (renewals, segment updates)."""

    # --- acquisition --------------------------------------------------------------
    def acquire(self, day: int) -> dict[str, int]:
        """Shoppers bought outright today (paid channels), by channel name."""
        return {}

    def joined(self, day: int, new: np.ndarray) -> None:
        """New shoppers (indices) have joined."""

    # --- the shopper step ---------------------------------------------------------
    def visit_factor(self, who: np.ndarray) -> Factor:
        return 1.0

    def stage_factors(self, who: np.ndarray, at: np.ndarray) -> dict[str, Factor]:
        """Multipliers of funnel stage probabilities on visits by `who` at times `at`
        (a shopper may appear once per visit)."""
        return {}

    def dropout_factor(self, who: np.ndarray) -> Factor:
        return 1.0

    def orders_placed(self, day: int, orders: OrderBatch) -> None:
        """Adjust order values, discounts, return chances; book variable costs."""

    def carts_abandoned(self, day: int, who: np.ndarray, times: np.ndarray) -> None:
        """Shoppers who added to cart but did not order, one entry per such visit (a shopper
        may appear more than once), at `times`."""

    # --- service ------------------------------------------------------------------
    def ticket_priority(self, who: np.ndarray) -> Factor:
        """Higher is served first; 0 for everyone by default (first come, first served)."""
        return 0.0

    # --- helpers for subclasses ---------------------------------------------------
    def book(self, amount: float, category: CostCategory | None = None) -> None:
        self.platform.ledger.book_cost(self.name, category or self.cost_category, amount)
