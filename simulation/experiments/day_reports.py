"""Reports of simulated days, from wherever a replication runs to the caller of
`run_replications`: which replication, which days, and the values those days took in
the daily series the caller watches (for live charts).

A replication reports from its `on_day` hook, in batches: at most one report every
`REPORT_SECONDS`, of at most `MAX_BATCH_DAYS` days, and always one on its last day. A
batch pickles to well under the 4 KiB a pipe writes at once (PIPE_BUF), so a worker
ended in the middle of sending never leaves half a report in the queue. The same hook
stops the replication when the caller's `stop` event is set (in this process) and
ends a worker process whose parent has died, so no worker outlives the run
(docs/reliability.md).
"""

from __future__ import annotations

import os
import queue
import threading
import time
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from simulation.kernel.engine import Replication

REPORT_SECONDS = 0.05
MAX_BATCH_DAYS = 16


class Cancelled(Exception):
    """The run's `stop` event was set: the run was abandoned and its workers ended."""


@dataclass(frozen=True)
class DaysSimulated:
    """Days `first_day`..`last_day` (0-based) that one replication has just simulated."""

    replication: int
    first_day: int
    last_day: int
    values: dict[str, np.ndarray]   # each watched daily series on those days
    baseline: bool = False          # days of the scenario's baseline, run after it with the same seeds


Deliver = Callable[[DaysSimulated], None]


class DayReporter:
    """A replication's `on_day` hook: stops it when `stop` is set, ends this worker
    process when its parent is gone, and hands `deliver` the days simulated since its
    last report."""

    def __init__(self, replication: Replication, watch: Sequence[str], baseline: bool,
                 deliver: Deliver | None, stop: threading.Event | None = None,
                 parent_pid: int | None = None) -> None:
        self.replication, self.watch, self.baseline = replication, tuple(watch), baseline
        self.deliver, self.stop, self.parent_pid = deliver, stop, parent_pid
        self.last_day = replication.scenario.horizon_days - 1
        self.first_unreported = 0
        self.reported_at = time.monotonic()

    def __call__(self, day: int) -> None:
        if self.stop is not None and self.stop.is_set():
            raise Cancelled()
        if self.parent_pid is not None and os.getppid() != self.parent_pid:
            os._exit(1)   # orphaned: nobody is waiting for this replication
        if self.deliver is None:
            return
        batch = day - self.first_unreported + 1
        if day < self.last_day and batch < MAX_BATCH_DAYS and time.monotonic() - self.reported_at < REPORT_SECONDS:
            return
        days = slice(self.first_unreported, day + 1)
        values = {name: self.replication.daily[name][days].copy() for name in self.watch}
        self.deliver(DaysSimulated(self.replication.replication, self.first_unreported, day, values, self.baseline))
        self.first_unreported, self.reported_at = day + 1, time.monotonic()


class ReportDrain(threading.Thread):
    """In the caller's process: hands on the workers' reports as they arrive."""

    def __init__(self, source, deliver: Deliver) -> None:
        super().__init__(daemon=True)
        self.source, self.deliver, self._stopping = source, deliver, threading.Event()
        self.start()

    def run(self) -> None:
        while True:
            try:
                self.deliver(self.source.get(timeout=0.1))
            except queue.Empty:
                if self._stopping.is_set():
                    return

    def stop(self) -> None:
        """Return once every report already sent has been handed on."""
        self._stopping.set()
        self.join()
