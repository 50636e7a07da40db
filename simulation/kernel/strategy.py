"""The seam between strategies and the engine: the touchpoints a strategy overrides,
and the declaration through which a strategy plugs in.

Each method of `Strategy` is one touchpoint of the shopper model (docs/model.md); the
default does nothing or returns a neutral factor, so a strategy overrides exactly the
places where it acts, and a reader finds "where does membership act on dropout?" at
`MembershipStrategy.dropout_factor`. The engine multiplies the factors of every enabled
strategy; it never asks which strategy set what.
"""

from __future__ import annotations

import keyword
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, ClassVar, Literal, Mapping

import numpy as np

from simulation.kernel.config import StrategyConfig
from simulation.kernel.levers import Factor
from simulation.kernel.orders import OrderBatch

if TYPE_CHECKING:
    from simulation.kernel.platform import Platform

CostCategory = Literal["acquisition", "retention", "operations"]   # acquisition + retention = marketing


class Strategy:
    """A playbook strategy acting on one replication. Override the touchpoints it acts on."""

    name: ClassVar[str]
    cost_category: ClassVar[CostCategory] = "retention"

    def __init__(self, config: StrategyConfig, platform: "Platform", rng: np.random.Generator) -> None:
        self.config = config
        self.platform = platform
        self.rng = rng

    # --- each day ---------------------------------------------------------------
    def start_day(self, day: int) -> None:
        """Set scalar levers for the day; book fixed daily costs."""

    def end_day(self, day: int) -> None:
        """Observe the day (renewals, segment updates); write the day's counters."""

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

    def free_shipping_chance(self, who: np.ndarray, at: np.ndarray) -> Factor:
        """The chance, per visit by `who` at times `at`, that an order placed on it would ship
        free by this strategy's grant (0 to 1). The engine turns every strategy's chances
        into one effect on checkout -> order (strategies.logistics.free_shipping_conversion_uplift):
        an order ships free or not, however many grant it. Mark the orders themselves in
        `orders_placed` (`orders.ships_free`)."""
        return 0.0

    def funnel_varies_within_day(self) -> bool:
        """Whether today this strategy's stage_factors or free_shipping_chance change with a
        visit's time `at` (a sale window, a live session, a visit at an appointed hour). If
        any strategy's do, the engine plays every visit of the day one by one; otherwise it
        draws only the visits that reach the cart and counts the others, which is the same
        process (docs/model.md §3). A strategy that overrides either touchpoint is taken to
        vary unless it says otherwise."""
        cls = type(self)
        return cls.stage_factors is not Strategy.stage_factors or cls.free_shipping_chance is not Strategy.free_shipping_chance

    def social_visit_chance(self, who: np.ndarray, at: np.ndarray) -> Factor:
        """The chance, per order by `who` at times `at`, that the visit it was placed on came
        through social media by this strategy (0 to 1): attribution only, it changes no
        behaviour. The engine combines strategies as independent sources, 1 - prod(1 - chance),
        into the `retention_share_social` KPI (docs/metrics.md)."""
        return 0.0

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
        """A cost of this strategy, under its own account (`cost_<name>`)."""
        self.platform.ledger.book_cost(self.name, category or self.cost_category, amount)

    def book_fee(self, amount: float) -> None:
        """Membership fee income from shoppers (a paid membership's fee), recognised today
        (`membership_fees`). Shipping fees are the kernel's: grant free shipping through
        `orders.ships_free` instead."""
        self.platform.ledger.membership_fees += amount

    def book_forfeited_deposits(self, amount: float) -> None:
        """Deposits forfeited today (a pre-sale's 定金 whose balance was never paid): income
        with no goods (`forfeited_deposits`), never a fee. A deposit still held is not income:
        book it only when it is forfeited."""
        self.platform.ledger.forfeited_deposits += amount


TOUCHPOINTS = tuple(name for name, value in vars(Strategy).items()
                    if callable(value) and not name.startswith("_") and name not in ("book", "book_fee", "book_forfeited_deposits", "funnel_varies_within_day"))


class ShopperColumn:
    """A per-shopper column the strategy registered, looked up on the population at each
    use: the population reallocates its arrays as shoppers join."""

    def __init__(self, column: str) -> None:
        self.column = column

    def __get__(self, strategy, owner=None) -> np.ndarray:
        return getattr(strategy.platform.shoppers, self.column)


def _has_key(model, dotted: str) -> bool:
    for part in dotted.split("."):
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return False
        model = fields[part].annotation
    return True


@dataclass(frozen=True)
class Kpi:
    """A KPI of one replication, computed from its time series (the daily columns)."""

    description: str
    of: Callable[[Mapping[str, np.ndarray]], float]
    unit: Literal["count", "money", "share", "score", "minutes", "ratio"] = "count"   # how the app prints it


@dataclass(frozen=True)
class StrategyPlugin:
    """Everything the engine and the tools need to know about a strategy, declared once in
    its module and registered under the `growthsim.strategies` entry-point group
    (docs/plugins.md)."""

    name: str                                   # its section under `strategies:` in a scenario
    config: type[StrategyConfig]                # that section's pydantic model (off by default)
    strategy: type[Strategy]                    # its touchpoints
    order: int                                  # the engine consults strategies in this order each day
    daily_columns: Mapping[str, str] = field(default_factory=dict)   # counters it writes: name -> meaning
    channels: tuple[str, ...] = ()              # acquisition channels it brings shoppers through
    viral_channels: tuple[str, ...] = ()        # those of its channels that count towards the k-factor
    social_channels: tuple[str, ...] = ()       # those of its channels that are social media (acquisition_share_social)
    levers: tuple[str, ...] = ()                # keys of its config a strategist tunes (sweeps, optimise)
    kpis: Mapping[str, Kpi] = field(default_factory=dict)            # KPIs it adds to every run's summary
    api: int = 1                                # the major version of the strategy API it was written for

    @property
    def cost_category(self) -> CostCategory:
        return self.strategy.cost_category

    @property
    def acts_on(self) -> tuple[str, ...]:
        """The touchpoints its strategy overrides: where it acts on the model."""
        return tuple(name for name in TOUCHPOINTS if getattr(self.strategy, name) is not getattr(Strategy, name))

    def problems(self) -> list[str]:
        """What is wrong with this declaration, in words (empty when nothing is)."""
        found = []
        if not self.name.isidentifier() or keyword.iskeyword(self.name):
            found.append(f"name {self.name!r} is not an identifier")
        if not (isinstance(self.config, type) and issubclass(self.config, StrategyConfig)):
            found.append("config is not a subclass of StrategyConfig")
        elif self.config.model_fields["enabled"].default is not False:
            found.append("config must be off by default (enabled: false)")
        if not (isinstance(self.strategy, type) and issubclass(self.strategy, Strategy)):
            found.append("strategy is not a subclass of Strategy")
        elif getattr(self.strategy, "name", None) != self.name:
            found.append(f"strategy's name {getattr(self.strategy, 'name', None)!r} differs from the plugin's")
        for channel in self.viral_channels:
            if channel not in self.channels:
                found.append(f"viral channel {channel!r} is not one of its channels")
        for channel in self.social_channels:
            if channel not in self.channels:
                found.append(f"social channel {channel!r} is not one of its channels")
        for lever in self.levers:
            if not _has_key(self.config, lever):
                found.append(f"lever {lever!r} is not a key of its config")
        return found
