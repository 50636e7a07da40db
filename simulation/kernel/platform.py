"""What a strategy sees of the platform it acts on: the one replication's state and the
few ways to change it. `simulation.kernel.engine.Replication` is the implementation;
a strategy uses nothing else of it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from simulation.kernel.feedback import SatisfactionTally
    from simulation.kernel.ledger import Ledger
    from simulation.kernel.levers import Levers
    from simulation.kernel.population import Shoppers
    from simulation.kernel.scenario import Scenario


class Platform(Protocol):
    scenario: "Scenario"        # read it; policies may change levers in it during the run
    shoppers: "Shoppers"        # every shopper so far, as columns; `register_column` adds a strategy's own
    levers: "Levers"            # today's scalar levers, reset each morning
    ledger: "Ledger"            # book through Strategy.book and Strategy.book_fee
    today: dict[str, float]     # the day's counters: only columns declared by the kernel or a plugin
    tally: "SatisfactionTally"  # read only: customers, promoters, detractors, alive, talkers
    channels: tuple[str, ...]   # acquisition channels of this run; `shoppers.channel` indexes it

    def channel_index(self, channel: str) -> int:
        """The index of `channel` in `shoppers.channel`."""

    def satisfaction_change(self, day: int, who: np.ndarray, change) -> None:
        """An experience moves these shoppers' satisfaction (feedback and NPS follow)."""

    def redraw_visits(self, who: np.ndarray, day: int) -> None:
        """These shoppers' visit rate changed during `day`: their next visit is redrawn from
        the next day (exact, by memorylessness)."""

    def redraw_visits_from(self, who: np.ndarray, time: float) -> None:
        """As `redraw_visits`, from `time` (e.g. the start of today for a rate set this morning)."""

    def revive(self, who: np.ndarray) -> None:
        """Bring shoppers back from latent dropout (a win-back): alive, and talking again."""
