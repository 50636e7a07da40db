"""Events that carry their time of day, filed by the day they happen.

Deliveries and tickets are decided on one day and happen on a later one; each
subsystem files them here and takes a day's worth when that day comes.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np


class DayBuckets:
    def __init__(self, columns: tuple[str, ...]) -> None:
        self.columns = ("time", *columns)
        self._days: dict[int, list[dict[str, np.ndarray]]] = defaultdict(list)

    def add(self, time: np.ndarray, **columns: np.ndarray) -> None:
        if len(time) == 0:
            return
        days = np.floor(time).astype(np.int64)
        order = np.argsort(days, kind="stable")
        days = days[order]
        bounds = [0, *(np.flatnonzero(days[1:] != days[:-1]) + 1).tolist(), len(days)]
        for start, end in zip(bounds[:-1], bounds[1:]):
            rows = order[start:end]
            self._days[int(days[start])].append({"time": time[rows], **{k: v[rows] for k, v in columns.items()}})

    def take(self, day: int) -> dict[str, np.ndarray]:
        """Everything filed for `day`, sorted by time of day, and forget it."""
        parts = self._days.pop(day, [])
        if not parts:
            return {name: np.empty(0) for name in self.columns}
        merged = {name: np.concatenate([part[name] for part in parts]) for name in self.columns}
        order = np.argsort(merged["time"], kind="stable")
        return {name: values[order] for name, values in merged.items()}
