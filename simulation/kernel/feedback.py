"""Where satisfaction acts on the shopper (docs/model.md §3, §6).

Every feedback loop is here and scaled by `feedback.strength`: at 0 each multiplier
is exactly 1 and the model is Bass + BG/NBD.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.kernel.scenario import Feedback


def purchase_rate_multiplier(satisfaction: np.ndarray, feedback: Feedback) -> np.ndarray | float:
    """Happier shoppers visit, and so buy, more often."""
    if feedback.strength == 0:
        return 1.0
    gap = satisfaction - feedback.reference_satisfaction
    return np.exp(feedback.strength * feedback.purchase_rate_sensitivity * gap)


def dropout_multiplier(satisfaction: np.ndarray, feedback: Feedback) -> np.ndarray | float:
    """Unhappier shoppers are likelier to leave for good after a purchase."""
    if feedback.strength == 0:
        return 1.0
    gap = satisfaction - feedback.reference_satisfaction
    return np.exp(-feedback.strength * feedback.dropout_sensitivity * gap)


def word_of_mouth_weight(satisfaction: np.ndarray, feedback: Feedback) -> np.ndarray | float:
    """How much one talking shopper counts in Bass's A(t): promoters more, detractors less."""
    if feedback.strength == 0:
        return 1.0
    gap = satisfaction - feedback.reference_satisfaction
    return np.maximum(0.0, 1.0 + feedback.strength * feedback.word_of_mouth_sensitivity * gap)




@dataclass(frozen=True)
class Neutral:
    """What each loop's multiplier is divided by. 1: a loop is neutral at
    `feedback.reference_satisfaction`. With `feedback.neutral_at: first_day` (a calibrated
    twin), its mean over the shoppers on day 0, so that the population as it starts buys,
    leaves and talks at the fitted rates, and satisfaction moves outcomes only as it moves
    from there."""

    purchase: float = 1.0
    dropout: float = 1.0
    word_of_mouth: float = 1.0

    @classmethod
    def of(cls, satisfaction: np.ndarray, feedback: Feedback) -> "Neutral":
        if feedback.strength == 0 or not satisfaction.size:
            return cls()
        return cls(*(float(np.mean(multiplier(satisfaction, feedback)))
                     for multiplier in (purchase_rate_multiplier, dropout_multiplier, word_of_mouth_weight)))


class SatisfactionTally:
    """Running sums over satisfaction, updated only where something changed.

    The recorder needs NPS over customers and the word-of-mouth weight of the alive
    every day; recounting a million shoppers daily cost more than all the visits.
    """

    def __init__(self, feedback: Feedback) -> None:
        self.feedback = feedback
        self.customers = 0
        self.promoters = 0
        self.detractors = 0
        self.customer_satisfaction = 0.0
        self.alive = 0
        self.talkers = 0.0   # Bass A(t): sum of word-of-mouth weights over the alive
        self.neutral = Neutral()

    def set_neutral(self, neutral: Neutral) -> None:
        """Divide the loops' multipliers by `neutral` from now on (the talkers counted so far too)."""
        self.talkers *= self.neutral.word_of_mouth / neutral.word_of_mouth
        self.neutral = neutral

    def _customers(self, satisfaction: np.ndarray, sign: int) -> None:
        # A shopper's 0-10 "would you recommend us?" answer is min(10, floor(11 x sat)): a
        # promoter answers 9 or 10 (11 sat >= 9), a detractor 0 to 6 (11 sat < 7).
        scaled = 11.0 * satisfaction
        self.customers += sign * satisfaction.size
        self.promoters += sign * int(np.count_nonzero(scaled >= 9.0))
        self.detractors += sign * int(np.count_nonzero(scaled < 7.0))
        self.customer_satisfaction += sign * float(satisfaction.sum(dtype=np.float64))

    def _alive(self, satisfaction: np.ndarray, sign: int) -> None:
        self.alive += sign * satisfaction.size
        weight = word_of_mouth_weight(satisfaction, self.feedback) / self.neutral.word_of_mouth
        self.talkers += sign * (float(np.sum(weight, dtype=np.float64)) if np.ndim(weight) else weight * satisfaction.size)

    def joined(self, satisfaction: np.ndarray) -> None:
        self._alive(satisfaction, +1)

    def dropped_out(self, satisfaction: np.ndarray) -> None:
        self._alive(satisfaction, -1)

    def first_order(self, satisfaction: np.ndarray) -> None:
        self._customers(satisfaction, +1)

    def changed(self, before: np.ndarray, after: np.ndarray, alive: np.ndarray, customer: np.ndarray) -> None:
        self._customers(before[customer], -1)
        self._customers(after[customer], +1)
        self._alive(before[alive], -1)
        self._alive(after[alive], +1)

    def net_promoter_score(self) -> float:
        if self.customers == 0:
            return float("nan")
        return 100.0 * (self.promoters - self.detractors) / self.customers

    def mean_customer_satisfaction(self) -> float:
        return self.customer_satisfaction / self.customers if self.customers else float("nan")
