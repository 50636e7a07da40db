"""Calendar presets, and the `calendar:` key of a scenario (docs/calendar.md).

`calendar:` is a list of events (simulation/kernel/calendar_events.py), or
`{preset: china, events: [...]}`: the preset's events and the user's, one list; a user's
event with the name of a preset's event replaces it. Written back (model_dump), a list
with a preset's events is `{preset, events}` again, the user's events only.

`calendar: {preset: china}` gives the events of `china(...)` below. Their dates are public
facts, each with its source; the sizes of their effects (traffic, discount, conversion,
carriers' capacity and transit) are ASSUMPTIONS, not measured figures: replace one by
giving an event of the same name in `calendar.events`.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, TypeAdapter, ValidationError, ValidationInfo, WrapSerializer

from simulation.kernel.calendar_events import DEFAULT_START_DATE, CalendarEvent
from simulation.kernel.config import Config

# The lunar new year (春节, the first day of the first month of the Chinese calendar), by
# Gregorian year: a table of public dates (the Purple Mountain Observatory's calendar, as
# printed in every Chinese almanac and public-holiday notice of the State Council).
LUNAR_NEW_YEAR = {
    2020: datetime.date(2020, 1, 25),
    2021: datetime.date(2021, 2, 12),
    2022: datetime.date(2022, 2, 1),
    2023: datetime.date(2023, 1, 22),
    2024: datetime.date(2024, 2, 10),
    2025: datetime.date(2025, 1, 29),
    2026: datetime.date(2026, 2, 17),
    2027: datetime.date(2027, 2, 6),
    2028: datetime.date(2028, 1, 26),
    2029: datetime.date(2029, 2, 13),
    2030: datetime.date(2030, 2, 3),
    2031: datetime.date(2031, 1, 23),
    2032: datetime.date(2032, 2, 11),
    2033: datetime.date(2033, 1, 31),
    2034: datetime.date(2034, 2, 19),
    2035: datetime.date(2035, 2, 8),
    2036: datetime.date(2036, 1, 28),
}

# The carriers' Spring Festival slowdown: from a week before the lunar new year (about
# 小年, when couriers' staff start to travel home) to a week after (couriers resume fully
# around 初七/初八, the end of the public holiday). Each year the State Post Bureau's
# notice says which couriers keep running (春节不打烊) and that they run with fewer staff,
# later pick-ups and longer transit; its window and sizes below are assumptions.
SLOWDOWN_BEFORE_DAYS = 7
SLOWDOWN_DAYS = 15
SLOWDOWN_CAPACITY = 0.4            # assumption: the carriers take 40 % of the usual parcels a day
SLOWDOWN_TRANSIT_DAYS_ADDED = 3.0  # assumption: three days more in transit


def china(start_date: datetime.date | None, horizon_days: int | None) -> list[CalendarEvent]:
    """A Chinese platform's year: JD's 618, Tmall's Double 11 with its pre-sale, 12.12, and
    the carriers' Spring Festival slowdown in each year of the table."""
    events = [
        # JD's anniversary sale 618: JD.com was founded on 18 June 1998; its sale runs
        # 1-18 June with the peak on the 18th (JD's announcements; Tmall and others run
        # their own sales over the same days). Sizes: assumptions.
        CalendarEvent(name="618 sale (JD anniversary)", kind="festival_sale", start="06-01", days=17,
                      traffic=1.3, discount=0.05, conversion=1.05),
        CalendarEvent(name="618", kind="festival_sale", start="06-18", days=1,
                      traffic=2.5, discount=0.15, conversion=1.2),
        # Tmall's Double 11 (双11, since 2009): the pre-sale (预售) opens about 20-24 October
        # (20 Oct 2021, 24 Oct 2022 and 2023; 14 Oct 2024), shoppers pay a deposit (定金)
        # and the final payment (尾款) in a first wave from 1 November (since 2020); a second
        # pre-sale to 10 November has its final payments on 11 November, the peak. Simplified: the pre-sale is more visits and more orders
        # placed before the peak (its deposit orders); the 定金/尾款 mechanic (an order paid
        # and shipped later, a deposit forfeited) is left for a pre-sale tactic.
        # Sizes: assumptions.
        CalendarEvent(name="Double 11 pre-sale (预售)", kind="festival_sale", start="10-24", days=8,
                      traffic=1.3, conversion=1.1),
        CalendarEvent(name="Double 11 first wave (尾款)", kind="festival_sale", start="11-01", days=3,
                      traffic=1.8, discount=0.15, conversion=1.15),
        CalendarEvent(name="Double 11 second pre-sale (预售)", kind="festival_sale", start="11-04", days=7,
                      traffic=1.3, conversion=1.1),
        CalendarEvent(name="Double 11 (双11)", kind="festival_sale", start="11-11", days=1,
                      traffic=3.0, discount=0.20, conversion=1.2),
        # Taobao's Double 12 (双12, since 2012): 12 December (from 2023 Taobao has run its December
        # sale as 年终好价节; many shops still sell on 12.12). Sizes: assumptions.
        CalendarEvent(name="12.12 (双12)", kind="festival_sale", start="12-12", days=1,
                      traffic=1.8, discount=0.10, conversion=1.1),
    ]
    day0 = start_date or DEFAULT_START_DATE
    last = day0 + datetime.timedelta(days=max((horizon_days or 1) - 1, 0))
    for year in range(day0.year, last.year + 1):
        # the slowdown of any year lies within 14 January - 27 February
        if datetime.date(year, 2, 27) < day0 or datetime.date(year, 1, 14) > last:
            continue
        if year not in LUNAR_NEW_YEAR:
            raise ValueError(f"preset: the china preset knows the lunar new year of {min(LUNAR_NEW_YEAR)}-"
                             f"{max(LUNAR_NEW_YEAR)} only (a table of public dates), and this run "
                             f"({day0} to {last}) reaches the Spring Festival of {year}")
    for year, new_year in LUNAR_NEW_YEAR.items():
        begins = new_year - datetime.timedelta(days=SLOWDOWN_BEFORE_DAYS)
        events.append(CalendarEvent(
            name=f"Spring Festival {year} (春节) carriers' slowdown", kind="carrier_slowdown",
            start=begins.isoformat(), days=SLOWDOWN_DAYS,
            capacity=SLOWDOWN_CAPACITY, transit_days_added=SLOWDOWN_TRANSIT_DAYS_ADDED))
    return events


PRESETS = {"china": china}


# --- the `calendar:` key: a list, or a preset and a list -----------------------------------

_EVENTS = TypeAdapter(list[CalendarEvent])


class CalendarPlan(Config):
    """`calendar: {preset: china, events: [...]}` as written (the schema's second form)."""

    preset: Literal["china"] | None = Field(None, description="A preset's events (docs/calendar.md): china: 618, Double 11 "
                                                               "with its pre-sale, 12.12, the Spring Festival slowdown of carriers.")
    events: list[CalendarEvent] = Field([], description="Your events, besides the preset's; one with the name of a "
                                                         "preset's event replaces it.")


def _expand(value: Any, info: ValidationInfo) -> Any:
    """`{preset, events}` -> the preset's events and the user's, as one list. Errors name the key."""
    if not isinstance(value, dict):
        return value
    unknown = sorted(set(value) - set(CalendarPlan.model_fields))
    if unknown:
        raise ValueError(f"{unknown[0]}: unknown key {unknown[0]!r}; valid keys: preset, events")
    preset = value.get("preset")
    if preset is not None and preset not in PRESETS:
        raise ValueError(f"preset: unknown preset {preset!r}; presets: {', '.join(sorted(PRESETS))}")
    try:
        events = _EVENTS.validate_python(value.get("events") or [])
    except ValidationError as error:
        first = error.errors()[0]
        where = "events" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"])
        message = str(first["ctx"]["error"]) if first["type"] == "value_error" else first["msg"]
        raise ValueError(f"{where}: {message}") from None
    if preset is None:
        return events
    start_date, horizon = info.data.get("start_date"), info.data.get("horizon_days")
    mine = {event.name for event in events}
    theirs = [event for event in PRESETS[preset](start_date, horizon) if event.name not in mine]
    for event in theirs:
        event._preset = preset
    return theirs + events


def _fold(events: list[CalendarEvent], handler, info) -> Any:
    """A list with a preset's events is written back as `{preset, events}` (the user's)."""
    presets = {event._preset for event in events if event._preset is not None}
    if not presets:
        return handler(events)
    return {"preset": presets.pop(), "events": handler([event for event in events if event._preset is None])}


Calendar = Annotated[
    list[CalendarEvent],
    BeforeValidator(_expand, json_schema_input_type=list[CalendarEvent] | CalendarPlan),
    WrapSerializer(_fold),
]
