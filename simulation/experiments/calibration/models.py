"""The repeat-buying models fitted side by side, their closed forms by name, and the choice
between them: the lower holdout error when there is a holdout, else the lower AIC."""

from __future__ import annotations

from types import ModuleType

import numpy as np

from simulation.experiments.calibration import bgnbd, gamma_gamma, pareto_nbd
from simulation.experiments.calibration.customers import Summary
from simulation.experiments.calibration.mle import Fit, distinct_rows, weighted_sum

REPEAT_MODELS: dict[str, ModuleType] = {"bgnbd": bgnbd, "pareto_nbd": pareto_nbd}


def fit_all(summary: Summary) -> tuple[dict[str, Fit], Fit]:
    """Both repeat-buying models, and Gamma-Gamma spend. (A million customers take seconds:
    two processes would save less than starting them costs.)"""
    fits = {name: model.fit(summary.x, summary.t_x, summary.T) for name, model in REPEAT_MODELS.items()}
    return fits, gamma_gamma.fit(summary.x, summary.mean_value)


def aic(fit: Fit) -> float:
    return 2 * len(fit.params) - 2 * fit.loglik


def usable(fit: Fit) -> bool:
    """A fit that can drive a scenario: finite expectations (BG/NBD a > 1) and finite
    standard errors."""
    return not fit.problems and all(np.isfinite(v) for v in fit.params.values())


class PatternScores:
    """A model's closed forms over the customers, computed once per distinct (x, t_x, T)."""

    def __init__(self, name: str, fit: Fit, summary: Summary) -> None:
        self.model, self.params = REPEAT_MODELS[name], tuple(fit.params.values())
        (self.x, self.t_x, self.T), self.inverse = distinct_rows(summary.x, summary.t_x, summary.T)
        self.weight = np.bincount(self.inverse, minlength=self.x.size).astype(float)
        with np.errstate(all="ignore"):
            self.alive = self.model.p_alive(*self.params, self.x, self.t_x, self.T)

    def expected(self, t: float) -> np.ndarray:
        """E[Y(t) | x, t_x, T] of each distinct pattern."""
        with np.errstate(all="ignore"):
            return self.model.expected_purchases_if_alive(t, *self.params, self.x, self.t_x, self.T) * self.alive

    def total_expected(self, t: float) -> float:
        return weighted_sum(self.weight, self.expected(t))

    def p_alive(self) -> np.ndarray:
        return self.alive


def choose_model(requested: str, fits: dict[str, Fit], holdout_errors: dict[str, float] | None) -> tuple[str, str]:
    """The model the twin runs and why."""
    if requested != "auto":
        return requested, f"--model {requested}"
    candidates = {name: fit for name, fit in fits.items() if usable(fit)} or fits
    if holdout_errors:
        best = min(candidates, key=lambda name: holdout_errors[name])
        scores = ", ".join(f"{name} {holdout_errors[name]:.3g}" for name in candidates)
        return best, f"lower holdout error (mean absolute weekly error in repeat transactions: {scores})"
    best = min(candidates, key=lambda name: aic(fits[name]))
    scores = ", ".join(f"{name} {aic(fits[name]):.1f}" for name in candidates)
    return best, f"lower AIC, without a holdout ({scores})"
