"""Experiences move satisfaction (docs/model.md §4-§6).

Deliveries and tickets report what happened to whom; satisfaction moves, stays in
[0, 1], and with feedback on the shopper's next visit is redrawn at its new rate.
"""

from __future__ import annotations

import numpy as np

from simulation.feedback import SatisfactionTally
from simulation.population import Shoppers
from simulation.scenario import Scenario
from simulation.shopper_step import ShopperStep


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique(values), the distinct values in order, by sorting: np.unique's default
    (hash-based) path is several times slower on shopper indices."""
    ordered = np.sort(values)
    first = np.empty(ordered.size, dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


class Experiences:
    def __init__(self, scenario: Scenario, shoppers: Shoppers, step: ShopperStep, tally: SatisfactionTally) -> None:
        self.scenario = scenario
        self.tally = tally
        self.shoppers = shoppers
        self.step = step

    def satisfaction_change(self, day: int, who: np.ndarray, change: np.ndarray | float) -> None:
        if len(who) == 0:
            return
        s = self.shoppers
        touched = sorted_unique(who)
        before = s.satisfaction[touched]
        np.add.at(s.satisfaction, who, np.broadcast_to(np.asarray(change, dtype=np.float32), who.shape))
        s.satisfaction[touched] = np.clip(s.satisfaction[touched], 0.0, 1.0)
        self.tally.changed(before, s.satisfaction[touched], s.alive[touched], s.orders[touched] > 0)
        if self.scenario.feedback.strength > 0:
            self.step.redraw_visits(touched, day)
