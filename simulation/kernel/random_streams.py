"""One tree of random streams per replication (docs/model.md, "Randomness").

Replication `k` of seed `s` is `SeedSequence(s, spawn_key=(k,))`; each subsystem has
its own child of that. The kernel's subsystems are children 0, 1, ...; a strategy's
stream, `strategy:NAME`, is keyed by a hash of its name, so that installing another
strategy plugin changes no other strategy's numbers. Adding draws to one subsystem
leaves every other subsystem's numbers as they were, which is what common random
numbers need.
"""

from __future__ import annotations

import hashlib

import numpy as np

SUBSYSTEMS = ("acquisition", "traits", "visits", "funnel", "dropout", "orders", "fulfilment", "service")
STRATEGY_BRANCH = len(SUBSYSTEMS)   # strategies' streams are children of this child


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed, spawn_key=(replication,))


def _name_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")


class Streams(dict):
    """A generator per subsystem, each from its own child SeedSequence, made on first use."""

    def __init__(self, seed: int, replication: int) -> None:
        super().__init__()
        self.root = replication_seed(seed, replication)

    def _child(self, *key: int) -> np.random.Generator:
        sequence = np.random.SeedSequence(self.root.entropy, spawn_key=self.root.spawn_key + key)
        return np.random.Generator(np.random.PCG64(sequence))

    def __missing__(self, name: str) -> np.random.Generator:
        if name in SUBSYSTEMS:
            generator = self._child(SUBSYSTEMS.index(name))
        elif name.startswith("strategy:"):
            generator = self._child(STRATEGY_BRANCH, _name_key(name.removeprefix("strategy:")))
        else:
            raise KeyError(f"no random stream {name!r}")
        self[name] = generator
        return generator


def streams(seed: int, replication: int) -> Streams:
    return Streams(seed, replication)
