"""The operations every platform runs, whether or not a strategy improves them: the
warehouse with its carriers, and the service desk with its agents (docs/model.md §4, §5).

Their settings live in a scenario under `strategies.logistics` and
`strategies.service_quality`, the names of the strategies that extend them: the
logistics and service-quality plugins subclass `Warehouse` and `ServiceDesk` with the
levers that only the strategy uses (free shipping, the costs of notices and of the
chatbot). Without those plugins installed, these settings run the operations alone.
Where each default number comes from is said in the strategy's module
(strategies/logistics.py, strategies/service_quality.py).
"""

from __future__ import annotations

import functools
import math
from typing import Literal

import numpy as np
from pydantic import Field, field_validator, model_validator
from scipy import special

from simulation.kernel.config import Config, StrategyConfig
from simulation.kernel.delivery_speed import DeliverySpeed
from simulation.kernel.language import N_, Refusal

HOURS_PER_DAY = 24
WAREHOUSE = "logistics"             # the section of `strategies:` that holds the warehouse's settings
SERVICE_DESK = "service_quality"    # ... and the service desk's


class Carrier(Config):
    name: str = Field(description="Shown in descriptions only.")
    share: float = Field(ge=0, le=1, description="Share of shipped orders this carrier takes.")
    transit_days_mean: float = Field(gt=0, description="Mean transit time, days (gamma distributed).")
    transit_days_sd: float = Field(ge=0, description="Standard deviation of transit time, days.")
    cost_per_order: float = Field(ge=0, description="Carrier cost per shipped order.")

    def transit_days(self, uniform: np.ndarray) -> np.ndarray:
        """Transit times by inversion of uniforms, so a faster carrier is faster draw for draw."""
        if self.transit_days_sd == 0:
            return np.full(uniform.shape, self.transit_days_mean)
        return gamma_quantile(self.transit_days_mean, self.transit_days_sd, uniform)


QUANTILE_CELLS = 2 ** 14      # a table of the quantile function, uniform in probability
QUANTILE_TAIL = 2.0 ** -7      # below this or above 1 - this, where the quantile function bends, exact


@functools.lru_cache(maxsize=64)
def _gamma_quantile_table(mean: float, sd: float) -> np.ndarray:
    shape = (mean / sd) ** 2
    grid = np.linspace(0.0, 1.0, QUANTILE_CELLS + 1)
    grid[0], grid[-1] = QUANTILE_TAIL, 1.0 - QUANTILE_TAIL   # outer points are never used; keep them finite
    return special.gammaincinv(shape, grid) * (mean / shape)


def gamma_quantile(mean: float, sd: float, uniform: np.ndarray) -> np.ndarray:
    """The gamma distribution's quantiles at `uniform`: linear interpolation in a table
    (gammaincinv costs about a microsecond a call), exact in the tails."""
    table = _gamma_quantile_table(mean, sd)
    position = uniform * QUANTILE_CELLS
    cell = np.minimum(position.astype(np.int64), QUANTILE_CELLS - 1)
    fraction = position - cell
    values = table[cell] * (1.0 - fraction) + table[cell + 1] * fraction
    tails = (uniform < QUANTILE_TAIL) | (uniform > 1.0 - QUANTILE_TAIL)
    if tails.any():
        shape = (mean / sd) ** 2
        values[tails] = special.gammaincinv(shape, uniform[tails]) * (mean / shape)
    return values


class Warehouse(StrategyConfig):
    """The warehouse and its carriers (simulation/kernel/fulfilment.py); `enabled` switches on
    the carrier mix, tracking and free returns."""

    enabled: bool = Field(
        False, description="Switch on the carrier mix, free shipping, tracking and free returns; off, the "
                           "warehouse and the single carrier below."
    )
    capacity_per_day: int = Field(2000, ge=1, description="Orders the warehouse can ship per day.")
    transit_days_mean: float = Field(2.5, gt=0, description="Mean carrier transit time, days (gamma distributed).")
    transit_days_sd: float = Field(1.0, ge=0, description="Standard deviation of carrier transit time, days.")
    promised_days: float = Field(5.0, gt=0, description="Delivery promise from order to door, days.")
    delivery_speed: DeliverySpeed = Field(
        default_factory=DeliverySpeed, description="What delivery faster than the norm is worth: conversion for a "
                                                   "shorter promise, satisfaction for a sooner delivery "
                                                   "(simulation/kernel/delivery_speed.py)."
    )
    return_rate: float = Field(0.10, ge=0, le=1, description="Probability that a delivered order is returned for a refund.")
    shipping_cost_per_order: float = Field(8.0, ge=0, description="Carrier cost per shipped order (China's average express parcel: about CNY 8, State Post Bureau 2024).")
    shipping_fee: float = Field(
        6.0, ge=0, description="Shipping fee a shopper pays on an order that does not ship free (revenue: shipping_fees); "
                               "an order that ships free (membership, threshold, a calendar event) pays none. "
                               "CNY 6: JD's base fee on a small self-operated order (to be checked)."
    )
    free_shipping_conversion_uplift: float = Field(
        0.15, ge=0, description="Checkout -> order multiplier is 1 + this x the chance the order ships free, once per "
                                "visit whoever grants the free shipping (membership, threshold, a calendar event)."
    )
    cost_per_capacity_slot: float = Field(0.5, ge=0, description="Daily warehouse cost per order of capacity.")
    cost_per_return: float = Field(5.0, ge=0, description="Handling cost per returned order.")
    late_ticket_probability: float = Field(
        0.3, ge=0, le=1, description="Probability that a late order raises a 'where is my order?' ticket."
    )
    # --- the strategy (with enabled) ------------------------------------------------
    carriers: list[Carrier] | None = Field(
        None, description="Carrier mix: a list of {name, share, transit_days_mean, transit_days_sd, cost_per_order}, "
                          "shares summing to 1; null: the single carrier above."
    )
    tracking: bool = Field(False, description="Real-time tracking of every shipped order.")
    tracking_ticket_factor: float = Field(
        0.5, ge=0, le=1, description="Multiplies the chance a late order raises a ticket, with tracking."
    )
    tracking_cost_per_order: float = Field(0.10, ge=0, description="Cost of tracking one shipped order.")
    free_returns: bool = Field(False, description="Returns are free for the shopper; the platform pays the label.")
    return_shipping_cost: float = Field(8.0, ge=0, description="Return label the platform pays per return, with free returns "
                                                                "(a parcel back: CNY 8, as shipping_cost_per_order).")

    @field_validator("carriers")
    @classmethod
    def _shares_sum_to_one(cls, carriers: list[Carrier] | None) -> list[Carrier] | None:
        if carriers is not None:
            if not carriers:
                raise Refusal(N_("give at least one carrier, or null for the single carrier"))
            total = sum(carrier.share for carrier in carriers)
            if not math.isclose(total, 1.0, abs_tol=1e-6):
                raise Refusal(N_("carrier shares should sum to 1 (they sum to {total})"), total=f"{total:g}")
        return carriers

    def late_ticket_factor(self) -> float:
        """What tracking does to the chance a late order raises a ticket."""
        return self.tracking_ticket_factor if self.enabled and self.tracking else 1.0


class Shift(Config):
    """Agents on duty from `start_hour` to `end_hour` each day."""

    start_hour: int = Field(ge=0, le=23, description="Hour of the day the shift starts, 0-23.")
    end_hour: int = Field(
        ge=1, le=24, description="Hour of the day the shift ends, 1-24; at or before start_hour it ends the next day."
    )
    agents: int = Field(ge=0, description="Agents on duty during the shift.")

    @model_validator(mode="after")
    def _not_empty(self) -> "Shift":
        if self.end_hour == self.start_hour:
            raise Refusal(N_("a shift from an hour to the same hour is ambiguous: use start_hour 0 and end_hour 24 for "
                             "one around the clock"))
        return self

    def hours(self) -> list[int]:
        return hours_between(self.start_hour, self.end_hour)


# Tickets by hour of the day on an e-commerce desk, hours 0-23 (relative weights): quiet
# before dawn, busy through the working day, highest in the evening when people shop
# (online sales peak about 7-9 pm, Salesupply via Ecommerce News Europe). The shape is an
# assumption (docs/evidence.md, "Customer service around the clock"); a platform's own
# contact logs give its own, as a list of 24 weights.
ECOMMERCE_TICKETS_BY_HOUR = (3.0, 1.5, 0.8, 0.5, 0.4, 0.5, 1.0, 2.0, 3.5, 5.0, 6.0, 5.5,
                             4.5, 5.0, 5.5, 5.5, 5.0, 4.5, 4.5, 5.5, 6.5, 7.0, 6.0, 4.5)


def hours_between(start_hour: int, end_hour: int) -> list[int]:
    """The hours of the day from `start_hour` up to `end_hour`, past midnight when end <= start."""
    if end_hour > start_hour:
        return list(range(start_hour, end_hour))
    return [*range(start_hour, HOURS_PER_DAY), *range(0, end_hour)]


class ServiceDesk(StrategyConfig):
    """The service desk (simulation/kernel/service_desk.py); `enabled` switches on shifts,
    chatbot failures, proactive notices and first-contact resolution."""

    enabled: bool = Field(
        False, description="Switch on shifts, chatbot failures and costs, proactive notices and first-contact "
                           "resolution; off, the desk is agents around the clock and the chatbot."
    )
    agents: int = Field(2, ge=0, description="Agents on duty around the clock.")
    agent_cost_per_day: float = Field(1008.0, ge=0, description="Cost of one agent on duty around the clock for a day "
                                                             "(24 hours at CNY 42, strategies/service_quality.py).")
    handle_minutes: float = Field(8.0, gt=0, description="Mean agent time to handle one ticket, minutes.")
    handle_distribution: Literal["exponential", "lognormal", "fixed"] = Field(
        "exponential", description="Shape of handling times; exponential makes the desk an M/M/c queue."
    )
    handle_cv: float = Field(
        1.0, gt=0, description="Coefficient of variation of handling times (lognormal only)."
    )
    tickets_per_order: float = Field(
        0.1, ge=0, le=1, description="Probability that an order raises a ticket."
    )
    ticket_delay_days: float = Field(
        1.0, ge=0, description="Mean time from an order to its ticket, days (exponential)."
    )
    chatbot_deflection: float = Field(
        0.0, ge=0, le=1, description="Share of tickets a chatbot answers without an agent."
    )
    patience_minutes: float | None = Field(
        None, gt=0, description="Mean patience before a waiting shopper abandons, minutes (exponential); null: nobody abandons."
    )
    # --- the strategy (with enabled) ------------------------------------------------
    shifts: list[Shift] | None = Field(
        None, description="Shift plan: a list of {start_hour, end_hour, agents}, on duty in addition to the "
                          "around-the-clock agents; null: no shifts."
    )
    chatbot_failure_rate: float = Field(
        0.0, ge=0, le=1, description="Share of chatbot conversations that fail: the shopper then queues for an agent."
    )
    chatbot_failure_penalty: float = Field(
        0.05, ge=0, le=1, description="Satisfaction lost when the chatbot fails, 0-1."
    )
    proactive_notices: bool = Field(False, description="Tell the shopper of a late order before it is late.")
    notice_ticket_factor: float = Field(
        0.5, ge=0, le=1, description="Multiplies the chance a late order raises a ticket when its shopper was told."
    )
    notice_satisfaction_factor: float = Field(
        0.5, ge=0, le=1, description="Multiplies the satisfaction lost to a late order when its shopper was told."
    )
    first_contact_resolution: float = Field(
        1.0, ge=0, le=1, description="Probability an answered ticket is resolved at first contact."
    )
    unresolved_penalty: float = Field(
        0.10, ge=0, le=1, description="Satisfaction lost when a ticket is answered but not resolved, 0-1."
    )
    repeat_delay_days: float = Field(
        1.0, ge=1, description="Mean time from an unresolved answer to the repeat ticket, days (at least 1)."
    )
    tickets_by_hour: Literal["uniform", "ecommerce"] | list[float] = Field(
        "uniform", description="When in the day tickets come: uniform (as orders come, the Erlang C desk), ecommerce "
                               "(quiet before dawn, an evening peak: an assumption, docs/evidence.md), or 24 weights "
                               "for hours 0-23 from the platform's own contact logs."
    )
    night_start_hour: int = Field(22, ge=0, le=23, description="Night starts at this hour (night waits, the night "
                                                               "chatbot and the night premium).")
    night_end_hour: int = Field(8, ge=1, le=24, description="Night ends at this hour, the next day when at or before "
                                                            "night_start_hour.")
    night_chatbot: bool = Field(False, description="A chatbot takes night tickets first, at night_chatbot_deflection "
                                                   "instead of chatbot_deflection.")
    night_chatbot_deflection: float = Field(
        0.6, ge=0, le=1, description="Share of night tickets the night chatbot answers without an agent (its failures: "
                                     "chatbot_failure_rate, and the shopper queues for an agent)."
    )

    @field_validator("tickets_by_hour")
    @classmethod
    def _a_weight_per_hour(cls, weights):
        if isinstance(weights, list):
            if len(weights) != HOURS_PER_DAY:
                raise Refusal(N_("give 24 weights, one per hour 0-23 (got {count})"), count=len(weights))
            if min(weights) < 0 or sum(weights) <= 0:
                raise Refusal(N_("weights should be 0 or more, and not all 0"))
        return weights

    @model_validator(mode="after")
    def _night_not_empty(self) -> "ServiceDesk":
        if self.night_start_hour == self.night_end_hour:
            raise Refusal(N_("night_start_hour and night_end_hour are the same hour: give the night some hours"))
        return self

    def night_hours(self) -> np.ndarray:
        """True for each hour of the day that is night."""
        night = np.zeros(HOURS_PER_DAY, dtype=bool)
        night[hours_between(self.night_start_hour, self.night_end_hour)] = True
        return night

    def hour_shares(self) -> np.ndarray | None:
        """Share of tickets in each hour of the day; None for uniform (as they come)."""
        if self.tickets_by_hour == "uniform":
            return None
        weights = np.asarray(ECOMMERCE_TICKETS_BY_HOUR if self.tickets_by_hour == "ecommerce" else self.tickets_by_hour)
        return weights / weights.sum()

    def shift_agents_by_hour(self) -> np.ndarray:
        """Shift agents on duty in each hour of the day (the around-the-clock agents not included)."""
        counts = np.zeros(HOURS_PER_DAY, dtype=np.int64)
        for shift in self.shifts or ():
            counts[shift.hours()] += shift.agents
        return counts

    def agents_by_hour(self) -> np.ndarray:
        """Agents on duty in each hour of the day: around the clock, plus shifts when enabled."""
        counts = np.full(HOURS_PER_DAY, self.agents, dtype=np.int64)
        return counts + self.shift_agents_by_hour() if self.enabled else counts
