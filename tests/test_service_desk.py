"""The service desk's queue discipline on cases worked by hand."""

import numpy as np

from simulation.service_desk import first_come_first_served


def test_two_agents_serve_in_arrival_order():
    agents = [0.0, 0.0]
    waits = first_come_first_served(np.array([0.0, 0.0, 0.0, 0.5]), np.array([1.0, 2.0, 1.0, 1.0]),
                                     np.full(4, np.inf), agents)
    # third waits for the first agent (free at 1.0); fourth for the next free (2.0 vs 2.0).
    assert waits.tolist() == [0.0, 0.0, 1.0, 1.5]
    assert sorted(agents) == [2.0, 3.0]


def test_the_queue_carries_over_to_the_next_call():
    agents = [0.0]
    first_come_first_served(np.array([0.9]), np.array([0.3]), np.array([np.inf]), agents)
    waits = first_come_first_served(np.array([1.0]), np.array([0.1]), np.array([np.inf]), agents)
    assert np.isclose(waits[0], 0.2)


def test_a_shopper_who_would_wait_beyond_patience_abandons_and_uses_no_agent():
    agents = [0.0]
    waits = first_come_first_served(np.array([0.0, 0.1, 0.2]), np.array([1.0, 1.0, 1.0]),
                                    np.array([np.inf, 0.5, 2.0]), agents)
    assert waits[0] == 0.0 and np.isnan(waits[1]) and np.isclose(waits[2], 0.8)
    assert agents == [2.0]


def test_with_no_agents_every_ticket_is_abandoned():
    waits = first_come_first_served(np.array([0.0]), np.array([1.0]), np.array([np.inf]), [])
    assert np.isnan(waits).all()
