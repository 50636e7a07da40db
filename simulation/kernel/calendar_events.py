"""Calendar events: a festival sale (11.11, Black Friday), a member day, a price change,
a carriers' slowdown (the Spring Festival); and calendar presets (docs/calendar.md).

An event is on during `days` days from its start, again every `every_days` if set. Its
start is a day of the run (`start_day`), or a calendar date (`start`): a month-day
("11-11", every year) or an ISO date ("2025-11-11", once), resolved against the
scenario's `start_date` (day 0; without one, day 0 is DEFAULT_START_DATE, 1 January 2025).
While on, it moves the day's levers; a sale's promotion spend is booked as marketing.

`calendar:` is a list of events, or `{preset: china, events: [...]}`: the preset's events
and the user's (simulation/kernel/calendar_presets.py).
A sale may ship every order free (`free_shipping`; the membership strategy grants a member
day's free shipping to members).
"""

from __future__ import annotations

import datetime
import math
import re
from typing import Any, Literal

import numpy as np

from pydantic import Field, PrivateAttr, field_validator, model_validator

from simulation.kernel.ledger import Ledger
from simulation.kernel.config import Config
from simulation.kernel.levers import Levers
from simulation.kernel.language import N_, Refusal

DEFAULT_START_DATE = datetime.date(2025, 1, 1)   # day 0 of a scenario without a start_date

_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class CalendarEvent(Config):
    name: str = Field(description="Shown in outputs, e.g. '11.11' or 'Black Friday'.")
    kind: Literal["festival_sale", "member_day", "price_change", "carrier_slowdown"] = Field(
        description="What the event does; carrier_slowdown: the carriers ship less and slower (a holiday).")
    start_day: int | None = Field(None, ge=0, description="First day of the run the event is on; or give `start`.")
    start: str | None = Field(
        None, description="First calendar date the event is on, instead of start_day: a month-day \"MM-DD\" (e.g. "
                          "\"11-11\": every year; \"02-29\" only in leap years) or an ISO date \"YYYY-MM-DD\" (once, "
                          "or every every_days from it); against the scenario's start_date (without one, day 0 is "
                          "2025-01-01). An event that started before day 0 is on for what is left of it.")
    days: int = Field(1, ge=1, description="How many days it lasts (a price change: until the end if every_days is unset and days is large).")
    every_days: int | None = Field(None, ge=1, description="Repeat period, e.g. 365 for a yearly festival, 30 for a monthly member day "
                                                           "(not with a month-day start, which repeats every year).")
    traffic: float = Field(1.0, gt=0, description="Visit rate multiplier while on (festival sale, member day).")
    discount: float = Field(0.0, ge=0, lt=1, description="Share of order value given as a discount while on (members only on a member day).")
    conversion: float = Field(1.0, gt=0, description="Checkout-to-order multiplier while on (urgency of a sale).")
    price: float = Field(1.0, gt=0, description="Price multiplier (price change): raises order value, lowers conversion by elasticity.")
    price_elasticity: float = Field(1.5, ge=0, description="Conversion x price^-elasticity; about 1-2 for online retail.")
    capacity: float = Field(1.0, ge=0, description="Carrier slowdown: the warehouse ships at most capacity_per_day x this a day while on.")
    transit_days_added: float = Field(0.0, ge=0, description="Carrier slowdown: days added to the transit of every order shipped while on.")
    marketing_cost_per_day: float = Field(0.0, ge=0, description="Promotion spend per day while on.")
    free_shipping: bool = Field(
        False, description="Every order ships free while on (festival sale; members only on a member day): no shipping fee, "
                           "and checkout -> order x (1 + strategies.logistics.free_shipping_conversion_uplift)."
    )

    @model_validator(mode="after")
    def _free_shipping_on_a_sale_or_member_day(self) -> "CalendarEvent":
        if self.free_shipping and self.kind not in ("festival_sale", "member_day"):
            raise Refusal(N_("free_shipping: only a festival_sale or a member_day ships free"))
        return self

    _preset: str | None = PrivateAttr(None)   # the preset this event came from, if any (folded back when dumped)

    @field_validator("start", mode="before")
    @classmethod
    def _date_text(cls, value: Any) -> Any:
        # YAML reads an unquoted 2025-11-11 as a date
        return value.isoformat() if isinstance(value, datetime.date) else value

    @field_validator("start")
    @classmethod
    def _a_date(cls, value: str | None) -> str | None:
        if value is None:
            return None
        month_day = _MONTH_DAY.match(value)
        try:
            if month_day:
                datetime.date(2024, int(month_day.group(1)), int(month_day.group(2)))   # a leap year: 02-29 is a date
                return f"{int(month_day.group(1)):02d}-{int(month_day.group(2)):02d}"
            if _ISO_DATE.match(value):
                datetime.date.fromisoformat(value)
                return value
        except ValueError:
            pass
        raise Refusal(N_("{value} is not a month-day \"MM-DD\" (e.g. \"11-11\") or an ISO date \"YYYY-MM-DD\""), value=repr(value))

    @model_validator(mode="after")
    def _one_start(self) -> "CalendarEvent":
        if (self.start_day is None) == (self.start is None):
            raise Refusal(N_("give exactly one of start_day (a day of the run) or start (a date)"))
        if self.every_days is not None and self.start is not None and _MONTH_DAY.match(self.start):
            raise Refusal(N_("every_days: a month-day start repeats every year; give an ISO date or start_day to repeat "
                             "every every_days"))
        return self

    # --- when it is on -------------------------------------------------------------------

    def starts(self, start_date: datetime.date | None, until_day: int) -> list[int]:
        """The days of the run (negative: before day 0) on which an occurrence begins that
        is on for some day in [0, until_day)."""
        if self.start_day is not None:
            first = self.start_day
        elif _MONTH_DAY.match(self.start):
            day0 = start_date or DEFAULT_START_DATE
            month, day = map(int, self.start.split("-"))
            years_back = math.ceil(self.days / 365) + 1
            last_year = (day0 + datetime.timedelta(days=max(until_day, 0))).year
            out = []
            for year in range(day0.year - years_back, last_year + 1):
                try:
                    begins = (datetime.date(year, month, day) - day0).days
                except ValueError:      # 02-29 in a year that has none
                    continue
                if begins + self.days > 0 and begins < until_day:
                    out.append(begins)
            return out
        else:
            first = (datetime.date.fromisoformat(self.start) - (start_date or DEFAULT_START_DATE)).days
        if self.every_days is None:
            return [first] if first + self.days > 0 and first < until_day else []
        skip = max(0, (-first - self.days) // self.every_days + 1)   # occurrences over before day 0
        return list(range(first + skip * self.every_days, until_day, self.every_days))

    def is_on(self, day: int, start_date: datetime.date | None = None) -> bool:
        if self.start_day is not None:   # as it always was
            since = day - self.start_day
            if since < 0:
                return False
            if self.every_days is not None:
                since %= self.every_days
            return since < self.days
        return any(begins <= day < begins + self.days for begins in self.starts(start_date, day + 1))


def apply_calendar(day: int, events: list[CalendarEvent], levers: Levers, ledger: Ledger,
                   start_date: datetime.date | None = None) -> list[str]:
    """Set today's levers from the events that are on; returns their names."""
    on = [event for event in events if event.is_on(day, start_date)]
    for event in on:
        if event.kind == "festival_sale":
            levers.visit_rate_multiplier *= event.traffic
            levers.discount_rate = 1 - (1 - levers.discount_rate) * (1 - event.discount)
            levers.multiply_stage("order", event.conversion)
        elif event.kind == "member_day":
            levers.member_day = event
        elif event.kind == "price_change":
            levers.order_value_multiplier *= event.price
            levers.multiply_stage("order", event.price ** -event.price_elasticity)
        elif event.kind == "carrier_slowdown":
            levers.carrier_capacity_multiplier *= event.capacity
            levers.transit_days_added += event.transit_days_added
        if event.free_shipping and event.kind == "festival_sale":
            levers.free_shipping = True
        if event.marketing_cost_per_day:
            ledger.book_cost("calendar", "acquisition", event.marketing_cost_per_day)
    return [event.name for event in on]


def busiest_traffic(events: list[CalendarEvent], start_date: datetime.date | None, horizon_days: int) -> float:
    """The largest visit multiplier festival sales give one day of the run (sales on the same day multiply)."""
    traffic = np.ones(horizon_days)
    for event in events:
        if event.kind == "festival_sale" and event.traffic > 1:
            on = np.zeros(horizon_days, dtype=bool)   # occurrences that overlap count once, as in is_on
            for begins in event.starts(start_date, horizon_days):
                on[max(begins, 0):max(begins + event.days, 0)] = True
            traffic[on] *= event.traffic
    return float(traffic.max(initial=1.0))
