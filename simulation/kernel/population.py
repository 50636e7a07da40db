"""Shoppers as a struct of arrays: shopper `i` is index `i` of every array.

The columns are declared once, in `SHOPPER_COLUMNS`; they are allocated when the first
shoppers join and grow by doubling as more join, so memory follows the shoppers acquired,
not the market.
"""

from __future__ import annotations

import math

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from simulation.kernel.scenario import Scenario

# How a shopper came, as far as the kernel knows: on the platform on day 0, or Bass's
# external influence or word of mouth. Strategy plugins add their channels (a paid
# referral, the channels of cross-channel acquisition): simulation/kernel/registry.py.
KERNEL_CHANNELS = ("initial", "external", "word_of_mouth")
KERNEL_VIRAL_CHANNELS = ("word_of_mouth",)
INITIAL_CHANNEL = KERNEL_CHANNELS.index("initial")   # the registry lists the kernel's channels first
WORD_OF_MOUTH_CHANNEL = KERNEL_CHANNELS.index("word_of_mouth")
PERIOD_DAYS = 30  # a "month" for cohorts, growth accounting and retention windows
NEVER = np.iinfo(np.int32).min   # first_order_day of a shopper who has not ordered

# name: (dtype, value before a shopper joins)
SHOPPER_COLUMNS: dict[str, tuple[type, float]] = {
    "join_time": (np.float64, 0.0),
    "join_day": (np.int32, 0),
    "channel": (np.int8, 0),
    "purchase_rate": (np.float32, 0.0),        # BG/NBD lambda, per day
    "dropout_probability": (np.float32, 0.0),  # BG/NBD p
    "spend_rate": (np.float32, 1.0),           # Gamma-Gamma nu: order value ~ Gamma(p, rate nu)
    "satisfaction": (np.float32, 0.0),
    "alive": (np.bool_, False),                # latent: the platform never sees it
    "next_visit": (np.float64, math.inf),
    "orders": (np.int32, 0),
    "spend": (np.float64, 0.0),
    "last_active_day": (np.int32, 0),          # join day or last order day
    "first_order_day": (np.int32, NEVER),      # negative: before day 0 (a calibrated twin's customers)
    # Word of mouth (docs/metrics.md, the playbook's KPIs), a byte each: someone the shopper
    # knows recommended the platform before its first order (it joined by word of mouth or
    # a referral, or a friend's share reached it before it ordered); it shared after an order.
    "heard_from_friend": (np.bool_, False),
    "has_shared": (np.bool_, False),
}


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique(values), the distinct values in order, by sorting: np.unique's default
    (hash-based) path is several times slower on shopper indices."""
    ordered = np.sort(values)
    first = np.empty(ordered.size, dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


def _column(capacity: int, dtype: type, fill: float) -> np.ndarray:
    """`capacity` rows of `fill`. Zeros come from calloc, whose pages the system maps only
    when first written: rows allocated ahead of the shoppers (doubling) take no memory yet."""
    if fill == 0:
        return np.zeros(capacity, dtype=dtype)
    return np.full(capacity, fill, dtype=dtype)


class Shoppers:
    """Every shopper acquired so far; `n` of them, arrays may be longer."""

    def __init__(self, horizon_days: int, capacity: int = 1024) -> None:
        self.n = 0
        self.capacity = 0
        self.columns = dict(SHOPPER_COLUMNS)
        # The smallest unsigned word that holds a bit for every period of the run (a year's
        # 13 periods fit in 16 bits); longer runs take as many 64-bit words as they need.
        periods = horizon_days // PERIOD_DAYS + 1
        self.period_dtype = next((np.dtype(t) for t in (np.uint8, np.uint16, np.uint32) if periods <= 8 * np.dtype(t).itemsize),
                                 np.dtype(np.uint64))
        self.period_word_bits = 8 * self.period_dtype.itemsize
        self.period_words = (periods - 1) // self.period_word_bits + 1
        # The columns take `capacity` rows when the first shoppers join, not now: strategies
        # build their own structures first (a social graph over the whole market is the
        # run's largest transient), and the columns would only add to it.
        self.reserved = capacity
        self._allocate(0)

    def register_column(self, name: str, dtype: type, fill: float) -> np.ndarray:
        """A strategy's own per-shopper column (e.g. membership tier); it grows with the others."""
        if name in self.columns:
            raise ValueError(f"shopper column {name!r} exists already")
        self.columns[name] = (dtype, fill)
        setattr(self, name, _column(self.capacity, dtype, fill))
        return getattr(self, name)

    def _allocate(self, capacity: int) -> None:
        for name, (dtype, fill) in self.columns.items():
            new = _column(capacity, dtype, fill)
            if self.n:
                new[: self.n] = getattr(self, name)[: self.n]
            setattr(self, name, new)
        # Bit k of a row: ordered during the shopper's k-th 30-day period of life
        # (life_periods) or during the run's k-th 30-day period (calendar_periods).
        for name in ("life_periods", "calendar_periods"):
            new = np.zeros((capacity, self.period_words), dtype=self.period_dtype)
            if self.n:
                new[: self.n] = getattr(self, name)[: self.n]
            setattr(self, name, new)
        self.capacity = capacity

    def add(self, scenario: "Scenario", join_times: np.ndarray, channel: np.ndarray, rng: np.random.Generator,
            traits: dict[str, np.ndarray] | None = None) -> slice:
        """Join shoppers with their traits drawn as docs/model.md §2 says, or given (a
        platform's own customers drawn from a fit: simulation/kernel/existing_customers.py);
        returns their slice."""
        count = len(join_times)
        if self.n + count > self.capacity:
            self._allocate(max(self.n + count, 2 * self.capacity, self.reserved))
        new = slice(self.n, self.n + count)
        self.join_time[new] = join_times
        self.join_day[new] = np.floor(join_times).astype(np.int32)
        self.channel[new] = channel
        self.heard_from_friend[new] = np.asarray(channel) == WORD_OF_MOUTH_CHANNEL
        for name, values in (traits or self.prior_traits(scenario, count, rng)).items():
            getattr(self, name)[new] = values
        sat = scenario.satisfaction
        self.satisfaction[new] = rng.beta(sat.initial_a, sat.initial_b, count)
        self.last_active_day[new] = self.join_day[new]
        self.n += count
        return new

    @staticmethod
    def prior_traits(scenario: "Scenario", count: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """A new shopper's purchase rate, dropout trait and spend rate from the population's
        distributions (BG/NBD or Pareto/NBD, Gamma-Gamma)."""
        behavior = scenario.behavior
        traits = {"purchase_rate": rng.gamma(behavior.purchase_rate.shape, 1.0 / behavior.purchase_rate.rate, count)}
        dropout = behavior.dropout
        if dropout.enabled and dropout.rule == "over_time":   # Pareto/NBD (simulation/kernel/dropout.py)
            traits["dropout_rate"] = rng.gamma(dropout.s, 1.0 / dropout.beta, count)
            traits["hazard_left"] = rng.standard_exponential(count)   # the lifetime left, in units of hazard
        elif dropout.enabled:
            traits["dropout_probability"] = rng.beta(dropout.a, dropout.b, count)
        traits["spend_rate"] = rng.gamma(behavior.spend.q, 1.0 / behavior.spend.gamma, count)
        traits["alive"] = np.ones(count, dtype=bool)
        return traits

    def period_row_bytes(self) -> int:
        """Bytes per shopper of the two period bit sets."""
        return 2 * self.period_words * self.period_dtype.itemsize

    def set_period_bit(self, bits: np.ndarray, who: np.ndarray, period: np.ndarray | int) -> None:
        """Set bit `period` in row `who` (rows unique)."""
        word_bits = self.period_word_bits
        period = np.asarray(period, dtype=np.int64)
        period = np.minimum(period, self.period_words * word_bits - 1)
        word, bit = period // word_bits, (period % word_bits).astype(bits.dtype)
        bits[who, word] |= np.left_shift(bits.dtype.type(1), bit)

    @staticmethod
    def has_period_bit(bits: np.ndarray, period: int) -> np.ndarray:
        """Whether each row has bit `period` set (none has a bit past the run's periods)."""
        word, bit = divmod(period, 8 * bits.dtype.itemsize)
        if word >= bits.shape[1]:
            return np.zeros(bits.shape[0], dtype=bool)
        one = bits.dtype.type(1)
        return (bits[:, word] >> bits.dtype.type(bit)) & one == one
