"""Where a shopper leaves for good (latent dropout), by the rule the scenario names.

`behavior.dropout.rule`:

* `per_purchase` (BG/NBD, Fader, Hardie & Lee 2005): each shopper has a dropout
  probability p ~ Beta(a, b) and, after each purchase, becomes inactive with probability p.
* `over_time` (Pareto/NBD, Schmittlein, Morrison & Colombo 1987): each shopper has a
  dropout rate mu ~ Gamma(s, rate beta) per day and may leave at any moment: its lifetime
  from joining is exponential with rate mu. Kept as a budget of hazard, Exp(1) at joining,
  used up day by day at the day's rate; the shopper leaves when the budget runs out,
  at the moment within the day where it does (exact for a constant rate).

Either way the rate or probability is multiplied by the levers, satisfaction feedback and
every strategy's `dropout_factor`; at neutral factors the model is the published one.
"""

from __future__ import annotations

import numpy as np

from simulation.kernel import feedback
from simulation.kernel.levers import Levers, product_of
from simulation.kernel.population import Shoppers
from simulation.kernel.scenario import Scenario
from simulation.kernel.strategy import Strategy


class Dropout:
    """Per purchase (BG/NBD); the base of the over-time rule."""

    def __init__(self, scenario: Scenario, shoppers: Shoppers, levers: Levers, strategies: list[Strategy],
                 tally: feedback.SatisfactionTally, rng: np.random.Generator) -> None:
        self.scenario, self.shoppers, self.levers = scenario, shoppers, levers
        self.strategies, self.tally, self.rng = strategies, tally, rng

    def scaled(self, base: np.ndarray, who: np.ndarray) -> np.ndarray:
        """`base` (these shoppers' dropout probability or rate) x levers x satisfaction
        feedback x every strategy's dropout_factor."""
        scaled = base * self.levers.dropout_multiplier
        scaled = scaled * (feedback.dropout_multiplier(self.shoppers.satisfaction[who], self.scenario.feedback)
                           / self.tally.neutral.dropout)
        return scaled * product_of(strategy.dropout_factor(who) for strategy in self.strategies)

    def leave(self, who: np.ndarray) -> None:
        s = self.shoppers
        s.alive[who] = False
        s.next_visit[who] = np.inf
        self.tally.dropped_out(s.satisfaction[who])

    # --- the day, as the shopper step asks ---------------------------------------------

    def start_day(self, day: int) -> None:
        """Before today's visits."""

    def visits_end(self, who: np.ndarray, day: int) -> np.ndarray | float:
        """Until when these shoppers may visit today: the end of the day, or earlier if they leave."""
        return day + 1.0

    def after_purchases(self, buyers: np.ndarray) -> None:
        """BG/NBD: after each purchase, inactive for good with probability p (scaled)."""
        probability = self.scaled(self.shoppers.dropout_probability[buyers], buyers)
        self.leave(buyers[self.rng.random(buyers.size) < probability])

    def end_day(self, day: int) -> None:
        """After today's visits."""

    def revived(self, who: np.ndarray) -> None:
        """Shoppers brought back from dropout (already alive again)."""


class OverTimeDropout(Dropout):
    """Pareto/NBD: a dropout rate per shopper, a lifetime used up day by day."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.leaving = np.empty(0, dtype=np.int64)   # shoppers who leave during today
        for column, dtype, fill in (("dropout_rate", np.float32, 0.0), ("hazard_left", np.float64, np.inf),
                                    ("leaves_at", np.float64, np.inf)):
            self.shoppers.register_column(column, dtype, fill)

    def start_day(self, day: int) -> None:
        s = self.shoppers
        alive = np.flatnonzero(s.alive[: s.n])
        start = np.maximum(s.join_time[alive], float(day))       # the hazard runs from joining
        rate = self.scaled(s.dropout_rate[alive].astype(np.float64), alive)
        hazard = rate * ((day + 1.0) - start)
        left = s.hazard_left[alive]
        ends = left < hazard
        self.leaving = alive[ends]
        s.leaves_at[self.leaving] = start[ends] + left[ends] / rate[ends]
        s.hazard_left[alive[~ends]] = left[~ends] - hazard[~ends]

    def visits_end(self, who: np.ndarray, day: int) -> np.ndarray:
        return np.minimum(day + 1.0, self.shoppers.leaves_at[who])

    def after_purchases(self, buyers: np.ndarray) -> None:
        """No dropout at a purchase under this rule."""

    def end_day(self, day: int) -> None:
        self.leave(self.leaving[self.shoppers.alive[self.leaving]])
        self.leaving = np.empty(0, dtype=np.int64)

    def revived(self, who: np.ndarray) -> None:
        s = self.shoppers
        s.hazard_left[who] = self.rng.standard_exponential(who.size)
        s.leaves_at[who] = np.inf


def dropout_rule(scenario: Scenario, *args) -> Dropout:
    rule = scenario.behavior.dropout
    return OverTimeDropout(scenario, *args) if rule.enabled and rule.rule == "over_time" else Dropout(scenario, *args)
