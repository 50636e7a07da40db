"""The running satisfaction tally (simulation/kernel/feedback.py) is what a recount of every
shopper at the end of a run gives: NPS over customers, the alive, Bass's talkers."""

import numpy as np
import pytest

from simulation.kernel.engine import Replication
from simulation.kernel.feedback import word_of_mouth_weight
from tests.conftest import scenario


def test_the_running_tally_equals_a_recount_of_every_shopper():
    sc = scenario(horizon_days=120, market={"size": 50_000, "initial_shoppers": 5_000})
    replication = Replication(sc)
    replication.run()
    s, tally = replication.shoppers, replication.tally
    n = s.n
    customers = s.satisfaction[:n][s.orders[:n] > 0]
    answer = np.minimum(10, np.floor(11.0 * customers))   # "would you recommend us?", 0-10
    assert customers.size > 1000
    assert (tally.customers, tally.promoters, tally.detractors) == (
        customers.size, np.count_nonzero(answer >= 9), np.count_nonzero(answer <= 6))
    assert tally.customer_satisfaction == pytest.approx(customers.sum(dtype=np.float64), rel=1e-9)
    alive = s.satisfaction[:n][s.alive[:n]]
    assert tally.alive == alive.size
    assert tally.talkers == pytest.approx(np.sum(word_of_mouth_weight(alive, sc.feedback), dtype=np.float64), rel=1e-9)
