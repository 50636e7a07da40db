"""One tree of random streams per replication (DESIGN.md §4).

Replication `k` of seed `s` is `SeedSequence(s, spawn_key=(k,))`; each subsystem has
its own child of that, named below. Adding draws to one subsystem leaves every other
subsystem's numbers as they were, which is what common random numbers need.
"""

from __future__ import annotations

import numpy as np

from strategies import STRATEGY_NAMES

SUBSYSTEMS = ("acquisition", "traits", "visits", "funnel", "dropout", "orders", "fulfilment", "service",
              *(f"strategy:{name}" for name in STRATEGY_NAMES))


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed, spawn_key=(replication,))


def streams(seed: int, replication: int) -> dict[str, np.random.Generator]:
    """A generator per subsystem, each from its own child SeedSequence."""
    root = replication_seed(seed, replication)
    return {
        name: np.random.Generator(np.random.PCG64(np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key + (i,))))
        for i, name in enumerate(SUBSYSTEMS)
    }
