"""Service quality: agents and shifts, chatbot failures, proactive notices of late
orders, first-contact resolution. Each lever moves what it should, beyond noise,
in paired replications under common random numbers (tests/paired.py)."""

import math

import numpy as np
import pytest
from pydantic import ValidationError

from simulation.kernel.engine import Replication
from simulation.kernel.scenario import Scenario
from simulation.kernel.service_desk import AgentQueue
from tests.conftest import scenario
from tests.paired import PairedDifference, last, paired, run, total, with_changes

SQ = "strategies.service_quality."

# A desk with one agent at about a third of its capacity; no late orders unless a test makes them.
DESK = scenario(horizon_days=90, market={"size": 50_000, "initial_shoppers": 10_000},
                strategies={"service_quality": {"enabled": True, "agents": 1, "handle_minutes": 12,
                                                "tickets_per_order": 0.5},
                            "logistics": {"late_ticket_probability": 0}})

def changed(sc: Scenario, **keys) -> Scenario:
    return with_changes(sc, **{SQ + key: value for key, value in keys.items()})


# --- the queue: agents coming on and going off duty -------------------------------------

def play(queue, arrivals, handle, staffing=(), until=10.0):
    n = len(arrivals)
    decided = queue.play(np.arange(n), np.asarray(arrivals, float), np.asarray(handle, float), np.full(n, np.inf),
                         np.zeros(n), until, staffing=staffing)
    return {int(ticket): wait for ticket, wait in decided}


def test_an_agent_coming_on_duty_takes_the_waiting_ticket():
    waits = play(AgentQueue([0.0]), [0.0, 0.1], [1.0, 1.0], staffing=[(0.5, 2)])
    assert waits == {0: 0.0, 1: 0.4}


def test_an_agent_going_off_duty_finishes_its_ticket_and_takes_no_more():
    queue = AgentQueue([0.0, 0.0])
    # Both busy (until 1.0 and 0.6) when one goes off duty at 0.3: nobody is interrupted,
    # and the next tickets are served by the agent still on duty, one after the other.
    waits = play(queue, [0.0, 0.1, 0.4, 0.45], [1.0, 0.5, 0.1, 0.1], staffing=[(0.3, 1)])
    assert waits[0] == 0.0 and waits[1] == 0.0
    assert math.isclose(waits[2], 0.2) and math.isclose(waits[3], 0.25)
    assert queue.agent_free_at == [pytest.approx(0.8)]


def test_with_nobody_on_duty_at_night_tickets_wait_for_the_morning():
    waits = play(AgentQueue([0.0]), [0.1, 0.2], [0.01, 0.01], staffing=[(0.0, 0), (0.25, 1)])
    assert math.isclose(waits[0], 0.15) and math.isclose(waits[1], 0.06)


def test_staffing_changes_to_the_same_count_change_nothing():
    rng = np.random.default_rng(3)
    arrivals, handle = np.sort(rng.uniform(0, 5, 400)), rng.exponential(0.02, 400)
    plain = play(AgentQueue([0.0, 0.0]), arrivals, handle)
    hourly = play(AgentQueue([0.0, 0.0]), arrivals, handle, staffing=[(h / 24, 2) for h in range(5 * 24)])
    assert plain == hourly


# --- the desk in the simulation -------------------------------------------------------

def test_more_agents_shorter_waits_and_lower_churn():
    """A loaded desk: one agent at about 95 % utilisation (one ticket per order, 18
    minutes each), waits of about an hour; a second agent cuts them to a few minutes.
    With feedback on, the waits cost satisfaction, which raises dropout and so observed
    churn. Measured: churn falls by about 0.011 a month (about 2 % of 0.58) with an SE
    of about 0.001 over 8 paired replications, waits by about 57 minutes."""
    base = scenario(horizon_days=150, market={"size": 50_000, "initial_shoppers": 10_000},
                    behavior={"churn_window_days": 60},
                    strategies={"service_quality": {"agents": 1, "handle_minutes": 18, "tickets_per_order": 1.0},
                                "logistics": {"late_ticket_probability": 0}})
    more = changed(base, agents=2)
    waits = paired(base, more, lambda r: r.kpis["service_wait_mean_min"], 8)
    churn = paired(base, more, lambda r: r.kpis["churn_rate_monthly"], 8)
    assert waits.clearly_negative() and waits.mean < -30, waits
    assert churn.clearly_negative(), churn
    assert paired(base, more, lambda r: r.kpis["nps"], 8).clearly_positive()
    cost = paired(base, more, total("cost_service_quality"), 8)
    assert cost.mean == pytest.approx(150 * 1008.0)   # the second agent's days


def test_a_shift_plan_matching_the_around_the_clock_count_changes_nothing():
    around_the_clock = with_changes(DESK, **{SQ + "agents": 2, SQ + "handle_minutes": 20})
    by_shifts = changed(around_the_clock, agents=0, agent_cost_per_hour=42.0,
                        shifts=[{"start_hour": 0, "end_hour": 8, "agents": 2}, {"start_hour": 8, "end_hour": 20, "agents": 2},
                                {"start_hour": 20, "end_hour": 24, "agents": 2}])
    a, b = run(around_the_clock, 0), run(by_shifts, 0)
    assert a.kpis["service_wait_mean_min"] > 0
    for column in a.daily:   # the same waits, and 48 agent-hours at 42 cost what 2 agents at 1008 do
        assert np.array_equal(a.daily[column], b.daily[column], equal_nan=True), column


def test_fewer_agents_at_night_longer_night_waits():
    """3 agents by day (8-20) and 1 at night, against 2 around the clock: the same 48
    agent-hours, but tickets arriving at night wait longer."""
    around_the_clock = with_changes(DESK, **{SQ + "agents": 2, SQ + "handle_minutes": 20, SQ + "tickets_per_order": 1.0})
    thin_nights = changed(around_the_clock, agents=0, shifts=[{"start_hour": 8, "end_hour": 20, "agents": 3},
                                                               {"start_hour": 20, "end_hour": 8, "agents": 1}])
    night = np.r_[0:8, 20:24]

    def waits_by_hour(sc, k):
        replication = Replication(sc, k)
        replication.run()
        return replication.desk.mean_wait_by_hour()

    differences, night_over_day = [], []
    for k in range(5):
        plan, flat = waits_by_hour(thin_nights, k), waits_by_hour(around_the_clock, k)
        differences.append(plan[night].mean() - flat[night].mean())
        night_over_day.append(plan[night].mean() - plan[10:20].mean())
    assert PairedDifference(np.array(differences)).clearly_positive(), differences
    assert min(night_over_day) > 10.0, night_over_day   # minutes
    daily = run(thin_nights, 0).daily
    assert np.all(daily["agent_hours"] == 48)   # 12 h x 3 + 12 h x 1


def test_chatbot_failures_send_shoppers_to_agents_and_cost_satisfaction():
    bot = changed(DESK, chatbot_deflection=0.5)
    failing = changed(bot, chatbot_failure_rate=0.5)
    assert paired(bot, failing, total("tickets_answered")).clearly_positive()
    assert paired(bot, failing, last("satisfaction_mean")).clearly_negative()
    assert all(run(failing, k).daily["chatbot_failures"].sum() > 0 for k in range(6))
    assert all(run(bot, k).daily["chatbot_failures"].sum() == 0 for k in range(6))


def test_the_chatbot_is_paid_per_conversation():
    bot = changed(DESK, chatbot_deflection=0.5, chatbot_cost_per_conversation=0.8)
    r = run(bot, 0)
    desk_cost = r.daily["cost_service_quality"] - 1008.0   # the around-the-clock agent
    assert np.allclose(desk_cost, 0.8 * r.daily["tickets_deflected"])
    assert r.daily["tickets_deflected"].sum() > 0


# Late orders: a carrier as slow as the promise makes about half the orders late.
LATE = with_changes(DESK, **{"strategies.logistics.transit_days_mean": 5.0, "strategies.logistics.transit_days_sd": 2.0,
                             "strategies.logistics.late_ticket_probability": 0.3})


def test_proactive_notices_fewer_tickets_and_less_disappointment():
    told = changed(LATE, proactive_notices=True)
    assert paired(LATE, told, total("tickets")).clearly_negative()
    assert paired(LATE, told, last("satisfaction_mean")).clearly_positive()
    r = run(told, 0)
    assert r.daily["late_notices"].sum() > 0 and run(LATE, 0).daily["late_notices"].sum() == 0
    assert np.allclose(r.daily["cost_service_quality"] - 1008.0, 0.05 * r.daily["late_notices"])


def test_unresolved_tickets_come_back_and_cost_satisfaction():
    partly = changed(DESK, first_contact_resolution=0.7)
    tickets = paired(DESK, partly, total("tickets"))
    assert tickets.clearly_positive(), tickets
    assert paired(DESK, partly, last("satisfaction_mean")).clearly_negative()
    r = run(partly, 0)
    # About 0.3 of answered tickets come back (and again 0.3 of those): at least 20 % more tickets.
    assert r.daily["tickets"].sum() > 1.2 * run(DESK, 0).daily["tickets"].sum()
    assert r.daily["tickets_unresolved"].sum() > 0


def test_switched_on_with_neutral_settings_nothing_moves():
    off = changed(DESK, enabled=False)
    a, b = run(off, 1), run(DESK, 1)   # DESK: on, no shifts, no chatbot, no notices, every ticket resolved
    for column in a.daily:
        assert np.array_equal(a.daily[column], b.daily[column], equal_nan=True), column


def test_a_shift_around_midnight_and_an_empty_shift():
    from simulation.kernel.api import Shift
    from strategies.service_quality import ServiceQuality
    plan = ServiceQuality(enabled=True, agents=1, shifts=[Shift(start_hour=22, end_hour=6, agents=2)])
    assert list(plan.agents_by_hour()) == [3] * 6 + [1] * 16 + [3] * 2
    assert list(plan.model_copy(update={"enabled": False}).agents_by_hour()) == [1] * 24
    with pytest.raises(ValidationError):
        Shift(start_hour=8, end_hour=8, agents=1)


# --- around the clock (7x24): tickets by hour, night waits, the night chatbot, the night premium ---

# A day desk (one agent 8-22, nobody at night) with tickets by hour of day.
DAY_DESK = changed(DESK, agents=0, tickets_by_hour="ecommerce",
                   shifts=[{"start_hour": 8, "end_hour": 22, "agents": 1}])


def test_tickets_come_by_the_hour_profile():
    """About 21.6 % of the e-commerce profile's tickets come between 22:00 and 08:00; over
    6 replications of some 20,000 tickets each, the share's SE is about 0.0012 (binomial):
    within 5 SE. Uniform arrivals put 10/24 of them at night, as the orders come."""
    from simulation.kernel.operations import ServiceDesk
    expected = float(ServiceDesk(tickets_by_hour="ecommerce").hour_shares()[ServiceDesk().night_hours()].sum())
    tickets = sum(run(DAY_DESK, k).daily["tickets"].sum() for k in range(6))
    night = sum(run(DAY_DESK, k).daily["tickets_night"].sum() for k in range(6))
    se = math.sqrt(expected * (1 - expected) / tickets)
    assert abs(night / tickets - expected) < 5 * se, (night / tickets, expected, se)
    uniform = run(DESK, 0).daily
    share = uniform["tickets_night"].sum() / uniform["tickets"].sum()
    assert abs(share - 10 / 24) < 5 * math.sqrt(share * (1 - share) / uniform["tickets"].sum())


def test_tickets_by_hour_validates_a_profile_of_24_weights():
    from simulation.kernel.operations import ServiceDesk
    with pytest.raises(ValidationError):
        ServiceDesk(tickets_by_hour=[1.0] * 23)
    with pytest.raises(ValidationError):
        ServiceDesk(tickets_by_hour=[0.0] * 24)
    with pytest.raises(ValidationError):
        ServiceDesk(night_start_hour=6, night_end_hour=6)
    flat = ServiceDesk(tickets_by_hour=[2.0] * 24).hour_shares()
    assert np.allclose(flat, 1 / 24)


def test_a_night_shift_cuts_night_waits_and_costs_the_night_premium():
    """Nobody at night: a night ticket waits for 08:00, hours on average. A night agent (22-8)
    answers it in minutes. Its ten hours, all at night, cost 10 x 42 x 1.2 = 504 a day, exactly."""
    covered = changed(DAY_DESK, night_premium=0.2, shifts=[{"start_hour": 8, "end_hour": 22, "agents": 1},
                                                           {"start_hour": 22, "end_hour": 8, "agents": 1}])
    waits = paired(DAY_DESK, covered, "service_wait_night_mean_min")
    assert waits.clearly_negative(), waits
    assert waits.mean < -120, waits     # hours of waiting for the morning, gone
    assert paired(DAY_DESK, covered, last("satisfaction_mean")).clearly_positive()
    assert np.allclose(run(covered, 0).daily["cost_service_quality"] - run(DAY_DESK, 0).daily["cost_service_quality"],
                       10 * 42.0 * 1.2)


def test_the_night_chatbot_answers_night_tickets_and_its_failures_queue():
    """The night chatbot takes 60 % of night tickets first: fewer wait for the morning, so
    shoppers are happier; its failures send shoppers to the morning queue, annoyed. It is
    paid per conversation and acts at night only."""
    bot = changed(DAY_DESK, night_chatbot=True, night_chatbot_deflection=0.6, chatbot_cost_per_conversation=1.0)
    answered_at_night = paired(DAY_DESK, bot, total("tickets_night_answered"))
    assert answered_at_night.clearly_negative(), answered_at_night
    assert paired(DAY_DESK, bot, last("satisfaction_mean")).clearly_positive()
    r = run(bot, 0).daily
    # Deflected: about 0.6 of the night's tickets (SE about 0.004 over some 4,000), none by day.
    share = r["tickets_deflected"].sum() / r["tickets_night"].sum()
    assert abs(share - 0.6) < 5 * math.sqrt(0.6 * 0.4 / r["tickets_night"].sum()), share
    assert np.allclose(r["cost_service_quality"] - run(DAY_DESK, 0).daily["cost_service_quality"],
                       1.0 * r["tickets_deflected"])
    failing = changed(bot, chatbot_failure_rate=0.5)
    assert paired(bot, failing, total("tickets_night_answered")).clearly_positive()
    assert paired(bot, failing, last("satisfaction_mean")).clearly_negative()


def test_the_night_chatbot_needs_the_strategy_switched_on():
    off = changed(DAY_DESK, enabled=False, night_chatbot=True)
    assert run(off, 0).daily["tickets_deflected"].sum() == 0
