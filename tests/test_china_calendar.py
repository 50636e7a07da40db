"""Events on calendar dates, the china preset and the carriers' Spring Festival slowdown (docs/calendar.md)."""

import datetime

import numpy as np
import pytest
from pydantic import ValidationError

from growthsim.cli import main
from simulation.experiments.resources import _visit_multiplier
from simulation.kernel.calendar_events import CalendarEvent, apply_calendar
from simulation.kernel.calendar_presets import LUNAR_NEW_YEAR
from simulation.kernel.ledger import Ledger
from simulation.kernel.levers import Levers
from simulation.kernel.scenario import Scenario
from tests.conftest import scenario
from tests.paired import paired, run


def event(**fields) -> CalendarEvent:
    return CalendarEvent.model_validate({"name": "e", "kind": "festival_sale", **fields})


def days_on(e: CalendarEvent, start: str | None, horizon: int) -> list[int]:
    start_date = datetime.date.fromisoformat(start) if start else None
    return [day for day in range(horizon) if e.is_on(day, start_date)]


def test_a_month_day_resolves_against_start_date_and_repeats_every_year():
    # 2025-10-01 is day 0: 11.11 is day 41 (31 days of October, then 10); 618 of the next year is
    # day 260 (Oct 31 + Nov 30 + Dec 31 + Jan 31 + Feb 28 + Mar 31 + Apr 30 + May 31 = 243 = 1 June).
    start = datetime.date(2025, 10, 1)
    # a year later 365 days on, and 366 over 29 February 2028
    assert event(start="11-11").starts(start, 1200) == [41, 41 + 365, 41 + 365 + 365, 41 + 365 + 365 + 366]
    assert event(start="06-18").starts(start, 400) == [260]
    assert days_on(event(start="11-11", days=2), "2025-10-01", 420) == [41, 42, 406, 407]


def test_repetition_across_a_year_boundary_and_leap_years():
    assert days_on(event(start="12-31", days=3), "2025-12-01", 400) == [30, 31, 32, 395, 396, 397]
    # 2028 is a leap year: 1 March is day 60 from 1 January, and 29 February comes only then
    assert event(start="03-01").starts(datetime.date(2028, 1, 1), 500) == [60, 60 + 365]
    assert event(start="03-01").starts(datetime.date(2027, 1, 1), 500) == [59, 59 + 366]
    assert days_on(event(start="02-29"), "2027-01-01", 365 * 3 + 1) == [365 + 59]
    assert (datetime.date(2027, 1, 1) + datetime.timedelta(days=365 + 59)) == datetime.date(2028, 2, 29)


def test_an_iso_date_is_once_and_an_event_begun_before_day_0_is_on_for_what_is_left():
    assert days_on(event(start="2025-11-11"), "2025-10-01", 800) == [41]
    assert days_on(event(start="2025-11-11", every_days=30), "2025-10-01", 110) == [41, 71, 101]
    # the pre-sale from 24 October for 8 days, the run from 30 October: on days 0 and 1
    assert days_on(event(start="10-24", days=8), "2025-10-30", 10) == [0, 1]
    assert days_on(event(start="2025-10-20", days=5, every_days=10), "2025-10-30", 20) == [0, 1, 2, 3, 4, 10, 11, 12, 13, 14]


def test_without_start_date_day_0_is_1_january_2025_and_start_day_works_as_before():
    assert days_on(event(start="11-11"), None, 365) == [314]            # festival_season.yaml's 11.11
    e = event(start_day=30, days=3, every_days=365)
    assert days_on(e, "2031-06-01", 400) == [30, 31, 32, 395, 396, 397]   # a start_date does not move it


@pytest.mark.parametrize("fields, message", [
    (dict(start="13-45"), "not a month-day"),
    (dict(start="2025-02-30"), "not a month-day"),
    (dict(start="11/11"), "not a month-day"),
    (dict(), "exactly one of start_day"),
    (dict(start_day=3, start="11-11"), "exactly one of start_day"),
    (dict(start="11-11", every_days=30), "repeats every year"),
])
def test_a_bad_start_is_refused(fields, message):
    with pytest.raises(ValidationError, match=message):
        event(**fields)


CHINA_2025 = {"start_date": "2025-01-01", "calendar": {"preset": "china"}}


def names_on(sc: Scenario, day: int) -> tuple[list[str], Levers]:
    levers = Levers()
    return apply_calendar(day, sc.calendar, levers, Ledger(0.3), sc.start_date), levers


def test_the_china_preset_is_on_its_days():
    sc = Scenario.model_validate(CHINA_2025)
    # 2025: 1 June is day 151, 18 June day 168; 24 October day 296; 11 November 314; 12 December 345;
    # the lunar new year on 29 January (day 28): the carriers slow from 22 January (day 21) to 5 February (day 35).
    assert names_on(sc, 168)[0] == ["618"] and names_on(sc, 151)[0] == ["618 sale (JD anniversary)"]
    assert names_on(sc, 167)[0] == ["618 sale (JD anniversary)"] and names_on(sc, 169)[0] == []
    assert names_on(sc, 295)[0] == [] and names_on(sc, 296)[0] == ["Double 11 pre-sale (预售)"]
    assert names_on(sc, 305)[0] == ["Double 11 first wave (尾款)"] and names_on(sc, 313)[0] == ["Double 11 second pre-sale (预售)"]
    assert names_on(sc, 314)[0] == ["Double 11 (双11)"] and names_on(sc, 345)[0] == ["12.12 (双12)"]
    slowdown = [day for day in range(365) if names_on(sc, day)[0] == ["Spring Festival 2025 (春节) carriers' slowdown"]]
    assert slowdown == list(range(21, 36))
    names, levers = names_on(sc, 28)
    assert levers.carrier_capacity_multiplier == 0.4 and levers.transit_days_added == 3.0
    assert levers.visit_rate_multiplier == 1.0
    names, levers = names_on(sc, 314)
    assert levers.visit_rate_multiplier == 3.0 and levers.discount_rate == pytest.approx(0.2)
    assert levers.carrier_capacity_multiplier == 1.0 and levers.transit_days_added == 0.0


def test_the_lunar_new_year_table_is_the_public_dates():
    assert {year: day.isoformat() for year, day in LUNAR_NEW_YEAR.items() if 2024 <= year <= 2035} == {
        2024: "2024-02-10", 2025: "2025-01-29", 2026: "2026-02-17", 2027: "2027-02-06", 2028: "2028-01-26",
        2029: "2029-02-13", 2030: "2030-02-03", 2031: "2031-01-23", 2032: "2032-02-11", 2033: "2033-01-31",
        2034: "2034-02-19", 2035: "2035-02-08"}
    sc = Scenario.model_validate({"start_date": "2026-01-01", "horizon_days": 730, "calendar": {"preset": "china"}})
    for new_year in (datetime.date(2026, 2, 17), datetime.date(2027, 2, 6)):
        day = (new_year - sc.start_date).days
        assert names_on(sc, day)[1].transit_days_added == 3.0
        assert names_on(sc, day - 8)[1].transit_days_added == 0.0 and names_on(sc, day + 8)[1].transit_days_added == 0.0


def test_a_users_events_join_the_preset_and_one_of_the_same_name_replaces_its_event():
    mine = {"name": "Double 11 (双11)", "kind": "festival_sale", "start": "11-11", "traffic": 5.0,
            "marketing_cost_per_day": 9000}
    extra = {"name": "member day", "kind": "member_day", "start_day": 3}
    sc = Scenario.model_validate({"calendar": {"preset": "china", "events": [mine, extra]}})
    assert [e.name for e in sc.calendar].count("Double 11 (双11)") == 1
    assert names_on(sc, 314)[1].visit_rate_multiplier == 5.0 and names_on(sc, 3)[0] == ["member day"]
    # written back as written: the preset and the user's events, and read again the same
    dumped = sc.model_dump(mode="json")["calendar"]
    assert dumped["preset"] == "china" and [e["name"] for e in dumped["events"]] == ["Double 11 (双11)", "member day"]
    assert Scenario.model_validate(sc.model_dump(mode="json")) == sc
    assert Scenario.model_validate({"calendar": [extra]}).model_dump()["calendar"][0]["name"] == "member day"


def test_the_busiest_day_not_every_sale_at_once_bounds_the_visits():
    plain = Scenario.model_validate({})
    assert _visit_multiplier(Scenario.model_validate(CHINA_2025)) == pytest.approx(3.0 * _visit_multiplier(plain))


@pytest.mark.parametrize("calendar, where, message", [
    ("{preset: japan}", "calendar.preset", "unknown preset 'japan'"),
    ("{preset: china, evnts: []}", "calendar.evnts", "unknown key 'evnts'"),
    ("{preset: china, events: [{name: x, kind: festival_sale, start: \"13-45\"}]}", "calendar.events.0.start",
     "'13-45' is not a month-day"),
    ("[{name: x, kind: festival_sale, start: \"13-45\"}]", "calendar.0.start", "'13-45' is not a month-day"),
    ("[{name: x, kind: carrier_slowdown, start: 2025-01-20, capacity: -1}]", "calendar.0.capacity", "greater than or equal to 0"),
])
def test_bad_calendar_input_exits_2_naming_the_key(tmp_path, capsys, calendar, where, message):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"start_date: 2025-01-01\ncalendar: {calendar}\n", encoding="utf-8")
    assert main(["validate", str(bad)]) == 2
    error = capsys.readouterr().err
    assert where in error and message in error and "Traceback" not in error, error


def test_a_run_past_the_lunar_new_year_table_is_refused():
    with pytest.raises(ValidationError, match="knows the lunar new year of 2020-2036"):
        Scenario.model_validate({"start_date": "2036-06-01", "horizon_days": 365, "calendar": {"preset": "china"}})
    Scenario.model_validate({"start_date": "2036-06-01", "horizon_days": 200, "calendar": {"preset": "china"}})


SMALL = dict(horizon_days=60, start_date="2025-01-01", market={"size": 100_000, "initial_shoppers": 10_000})


def test_the_spring_festival_slowdown_makes_its_days_deliveries_later():
    """From 1 January 2025 the carriers slow on days 21-35: orders shipped then take three days
    more, so most are late (transit 2.5 days, a day in the warehouse, a promise of 5); the same
    days without the preset deliver on time. Paired over 4 replications of common random numbers."""
    base, festival = scenario(**SMALL), scenario(**SMALL, calendar={"preset": "china"})
    window = slice(24, 40)     # deliveries of orders shipped in the slowdown
    on_time = paired(base, festival, lambda r: r.daily["on_time_deliveries"][window].sum()
                     / r.daily["deliveries"][window].sum(), replications=4)
    assert on_time.clearly_negative() and on_time.mean < -0.3, on_time
    later = paired(base, festival, lambda r: np.nanmean(r.daily["delivery_days_mean"][window]), replications=4)
    assert later.clearly_positive() and later.mean > 2.0, later
    before = paired(base, festival, lambda r: r.daily["on_time_deliveries"][:20].sum(), replications=4)
    assert before.mean == 0 and before.se == 0        # before the slowdown nothing differs


def test_the_slowdown_ships_at_most_its_share_of_capacity():
    # about 70 orders a day; a warehouse of 100 a day ships them all, until the carriers take 40
    tight = dict(SMALL, strategies={"logistics": {"capacity_per_day": 100}})
    daily = run(scenario(**tight, calendar={"preset": "china"}), 0).daily
    shipped, orders, backlog = daily["shipped"], daily["orders"], daily["backlog"]
    waiting = np.concatenate([[0.0], backlog[:-1]]) + orders          # what the warehouse could ship each day
    assert np.all(backlog == waiting - shipped)                        # nothing lost, nothing made up
    assert np.all(shipped[:21] == np.minimum(100, waiting[:21]))       # before: all it can, up to capacity
    assert np.all(shipped[21:36] == 40) and shipped[:21].min() > 40, shipped[15:40]   # the slowdown: 40 % of it
    assert backlog[35] > backlog[:21].max()


def test_the_schema_gives_both_forms_of_the_calendar():
    schema = Scenario.model_json_schema()
    forms = schema["properties"]["calendar"]["anyOf"]
    assert {"$ref": "#/$defs/CalendarPlan"} in forms and any(form.get("type") == "array" for form in forms)
    assert "2025-01-01" in schema["properties"]["calendar"]["description"]
    assert "carrier_slowdown" in schema["$defs"]["CalendarEvent"]["properties"]["kind"]["enum"]
