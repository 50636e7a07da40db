"""Calendar events: a festival sale (11.11, Black Friday), a member day, a price change.

An event is on during `days` days from `start_day`, again every `every_days` if set.
While on, it moves the day's levers; a sale's promotion spend is booked as marketing. A
sale may ship every order free (`free_shipping`; the membership strategy grants a member
day's free shipping to members).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from simulation.kernel.ledger import Ledger
from simulation.kernel.config import Config
from simulation.kernel.levers import Levers


class CalendarEvent(Config):
    name: str = Field(description="Shown in outputs, e.g. '11.11' or 'Black Friday'.")
    kind: Literal["festival_sale", "member_day", "price_change"] = Field(description="What the event does.")
    start_day: int = Field(ge=0, description="First day the event is on.")
    days: int = Field(1, ge=1, description="How many days it lasts (a price change: until the end if every_days is unset and days is large).")
    every_days: int | None = Field(None, ge=1, description="Repeat period, e.g. 365 for a yearly festival, 30 for a monthly member day.")
    traffic: float = Field(1.0, gt=0, description="Visit rate multiplier while on (festival sale, member day).")
    discount: float = Field(0.0, ge=0, lt=1, description="Share of order value given as a discount while on (members only on a member day).")
    conversion: float = Field(1.0, gt=0, description="Checkout-to-order multiplier while on (urgency of a sale).")
    price: float = Field(1.0, gt=0, description="Price multiplier (price change): raises order value, lowers conversion by elasticity.")
    price_elasticity: float = Field(1.5, ge=0, description="Conversion x price^-elasticity; about 1-2 for online retail.")
    marketing_cost_per_day: float = Field(0.0, ge=0, description="Promotion spend per day while on.")
    free_shipping: bool = Field(
        False, description="Every order ships free while on (festival sale; members only on a member day): no shipping fee, "
                           "and checkout -> order x (1 + strategies.logistics.free_shipping_conversion_uplift)."
    )

    @model_validator(mode="after")
    def _free_shipping_on_a_sale_or_member_day(self) -> "CalendarEvent":
        if self.free_shipping and self.kind == "price_change":
            raise ValueError("free_shipping: only a festival_sale or a member_day ships free")
        return self

    def is_on(self, day: int) -> bool:
        since = day - self.start_day
        if since < 0:
            return False
        if self.every_days is not None:
            since %= self.every_days
        return since < self.days


def apply_calendar(day: int, events: list[CalendarEvent], levers: Levers, ledger: Ledger) -> list[str]:
    """Set today's levers from the events that are on; returns their names."""
    on = [event for event in events if event.is_on(day)]
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
        if event.free_shipping and event.kind == "festival_sale":
            levers.free_shipping = True
        if event.marketing_cost_per_day:
            ledger.book_cost("calendar", "acquisition", event.marketing_cost_per_day)
    return [event.name for event in on]
