"""The orders of one day, as columns."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np


@dataclass
class OrderBatch:
    """Orders placed in one day, in time order. Strategies may raise `value` (basket) and
    add to `discount` and `return_probability`."""

    shopper: np.ndarray
    time: np.ndarray
    value: np.ndarray
    discount: np.ndarray
    return_probability: np.ndarray

    @classmethod
    def empty(cls) -> "OrderBatch":
        return cls(*(np.empty(0, dtype=np.int64 if i == 0 else float) for i in range(5)))

    def __len__(self) -> int:
        return len(self.shopper)

    @classmethod
    def concatenate(cls, batches: list["OrderBatch"]) -> "OrderBatch":
        return cls(*(np.concatenate([getattr(b, f.name) for b in batches]) for f in fields(cls)))

    def take(self, rows: np.ndarray) -> "OrderBatch":
        return type(self)(*(getattr(self, f.name)[rows] for f in fields(self)))
