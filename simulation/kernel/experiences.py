"""Experiences move satisfaction (docs/model.md §4-§6).

Deliveries and tickets report what happened to whom; satisfaction moves, stays in
[0, 1], and with feedback on the shopper's next visit is redrawn at its new rate.
"""

from __future__ import annotations

import numpy as np

from simulation.kernel.feedback import SatisfactionTally
from simulation.kernel.population import Shoppers, sorted_unique
from simulation.kernel.scenario import Scenario
from simulation.kernel.shopper_step import ShopperStep


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
