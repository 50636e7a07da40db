"""The orders of one day, as columns."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np


@dataclass
class OrderBatch:
    """Orders placed in one day, in time order. Strategies may raise `value` (basket),
    add to `discount` and `return_probability`, and grant free shipping (`ships_free`: set
    it, never clear it). Each order that does not ship free pays the shipping fee
    (simulation/kernel/ledger.py)."""

    shopper: np.ndarray
    time: np.ndarray
    value: np.ndarray
    discount: np.ndarray
    return_probability: np.ndarray
    ships_free: np.ndarray     # bool: the shopper pays no shipping fee on this order

    @classmethod
    def empty(cls) -> "OrderBatch":
        return cls(np.empty(0, dtype=np.int64), *(np.empty(0) for _ in range(4)), np.empty(0, dtype=bool))

    def __len__(self) -> int:
        return len(self.shopper)

    @classmethod
    def concatenate(cls, batches: list["OrderBatch"]) -> "OrderBatch":
        return cls(*(np.concatenate([getattr(b, f.name) for b in batches]) for f in fields(cls)))

    def take(self, rows: np.ndarray) -> "OrderBatch":
        return type(self)(*(getattr(self, f.name)[rows] for f in fields(self)))
