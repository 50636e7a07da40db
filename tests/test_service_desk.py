"""The service desk's queue on cases worked by hand, and against the FCFS recursion."""

import heapq
import math

import numpy as np
import pytest

from simulation.kernel.service_desk import AgentQueue, percentile_90


def play(queue: AgentQueue, arrivals, handle, patience=None, priority=None, until=100.0, first_id=0):
    """Tickets numbered from `first_id` in arrival order; returns {ticket: wait} of those decided."""
    n = len(arrivals)
    patience = np.full(n, np.inf) if patience is None else np.asarray(patience, float)
    priority = np.zeros(n) if priority is None else np.asarray(priority, float)
    decided = queue.play(np.arange(first_id, first_id + n), np.asarray(arrivals, float), np.asarray(handle, float),
                         patience, priority, until)
    return {int(ticket): wait for ticket, wait in decided}


def test_two_agents_serve_in_arrival_order():
    queue = AgentQueue([0.0, 0.0])
    waits = play(queue, [0.0, 0.0, 0.0, 0.5], [1.0, 2.0, 1.0, 1.0])
    # the third waits for the first agent (free at 1.0); the fourth for the next free (2.0).
    assert [waits[i] for i in range(4)] == [0.0, 0.0, 1.0, 1.5]
    assert sorted(queue.agent_free_at) == [2.0, 3.0]


def test_the_queue_carries_over_to_the_next_day():
    queue = AgentQueue([0.0])
    first = play(queue, [0.9, 0.95], [0.3, 0.1], until=1.0)
    assert first == {0: 0.0}                 # the second is still waiting at midnight
    later = play(queue, [1.5], [0.1], until=2.0, first_id=2)
    assert math.isclose(later[1], 0.25) and later[2] == 0.0


def test_a_shopper_who_would_wait_beyond_patience_abandons_and_uses_no_agent():
    queue = AgentQueue([0.0])
    waits = play(queue, [0.0, 0.1, 0.2], [1.0, 1.0, 1.0], patience=[np.inf, 0.5, 2.0])
    assert waits[0] == 0.0 and math.isnan(waits[1]) and math.isclose(waits[2], 0.8)
    assert queue.agent_free_at == [2.0]


def test_higher_priority_goes_first_but_nobody_is_interrupted():
    queue = AgentQueue([0.0])
    waits = play(queue, [0.0, 0.1, 0.2], [1.0, 1.0, 1.0], priority=[0, 0, 1])
    assert waits == {0: 0.0, 2: 0.8, 1: 1.9}


def test_with_no_agents_and_patience_every_ticket_is_abandoned():
    waits = play(AgentQueue([]), [0.0], [1.0], patience=[0.5])
    assert math.isnan(waits[0])


def test_equal_priorities_give_the_fcfs_recursion_exactly():
    rng = np.random.default_rng(7)
    arrivals = np.cumsum(rng.exponential(1 / 0.8, 5000))
    handle = rng.exponential(2.0, 5000)
    free, expected = [0.0, 0.0], []
    for arrival, handling in zip(arrivals, handle):   # Kiefer-Wolfowitz for FCFS with c servers
        start = max(arrival, free[0])
        expected.append(start - arrival)
        heapq.heapreplace(free, start + handling)
    queue, got = AgentQueue([0.0, 0.0]), {}
    day = np.floor(arrivals / 50).astype(int)
    for d in range(day.max() + 1):
        today = np.flatnonzero(day == d)
        got.update({int(t): w for t, w in queue.play(today, arrivals[today], handle[today], np.full(today.size, np.inf),
                                                     np.zeros(today.size), until=50.0 * (d + 1))})
    assert np.allclose([got[i] for i in range(len(expected))], expected, rtol=0, atol=1e-9)


def test_the_daily_p90_wait_is_numpys_percentile():
    rng = np.random.default_rng(4)
    for size in (1, 2, 3, 10, 11, 101, 1000):
        waits = rng.exponential(5.0, size)
        assert percentile_90(waits) == pytest.approx(np.percentile(waits, 90), rel=1e-12, abs=1e-12)
    assert math.isnan(percentile_90(np.empty(0)))
