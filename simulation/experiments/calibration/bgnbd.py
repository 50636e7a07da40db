"""BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): purchase rate
lambda ~ Gamma(r, alpha), and after each repeat purchase dropout with p ~ Beta(a, b).
Rates per day; alpha in days."""

from __future__ import annotations

import numpy as np
from scipy import special

from simulation.experiments.calibration.mle import Distinct, Fit, fit_repeat_buying, per_value

NAMES = ("r", "alpha", "a", "b")


def log_likelihood(r, alpha, a, b, x, t_x, T, distinct: Distinct | None = None) -> np.ndarray:
    """Each customer's log-likelihood of (x, t_x, T). `distinct`: the fit's speed-up, terms of
    one column computed once per value (mle.Distinct)."""
    gammaln, log = special.gammaln, np.log
    repeat = x > 0
    a1_a2 = (per_value(distinct, "x", x, lambda v: gammaln(r + v) + gammaln(b + v) - gammaln(a + b + v))
             - gammaln(r) + r * log(alpha) + gammaln(a + b) - gammaln(b))
    a3 = -(r + x) * per_value(distinct, "T", T, lambda v: log(alpha + v))
    a4 = np.where(repeat, per_value(distinct, "x", x, lambda v: log(a) - log(np.where(v > 0, b + v - 1, 1.0)))
                  - (r + x) * per_value(distinct, "t_x", t_x, lambda v: log(alpha + v)), -np.inf)
    return a1_a2 + np.logaddexp(a3, a4)


def p_alive(r, alpha, a, b, x, t_x, T) -> np.ndarray:
    """P(alive at T | x, t_x, T)."""
    x = np.asarray(x, dtype=float)
    ratio = np.where(x > 0, a / np.where(x > 0, b + x - 1, 1.0) * ((alpha + T) / (alpha + t_x)) ** (r + x), 0.0)
    return 1.0 / (1.0 + ratio)


def expected_purchases(t, r, alpha, a, b):
    """E[X(t)] for a customer born at time 0 (eq. 7)."""
    t = np.asarray(t, dtype=float)
    hyp = special.hyp2f1(r, b, a + b - 1.0, t / (alpha + t))
    return (a + b - 1.0) / (a - 1.0) * (1.0 - (alpha / (alpha + t)) ** r * hyp)


def expected_purchases_if_alive(t, r, alpha, a, b, x, t_x, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T, alive at T]: repeat transactions in the next t days of a customer still alive."""
    x = np.asarray(x, dtype=float)
    z = t / (alpha + T + t)
    hyp = special.hyp2f1(r + x, b + x, a + b + x - 1.0, z)
    return (a + b + x - 1.0) / (a - 1.0) * (1.0 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)


def conditional_expected_purchases(t, r, alpha, a, b, x, t_x, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: repeat transactions in the next t days (eq. 10); infinite for a <= 1."""
    return expected_purchases_if_alive(t, r, alpha, a, b, x, t_x, T) * p_alive(r, alpha, a, b, x, t_x, T)


def fit(x: np.ndarray, t_x: np.ndarray, T: np.ndarray, *, method: str = "L-BFGS-B",
        starts: list[tuple[float, ...]] | None = None) -> Fit:
    typical = float(np.mean(T))
    starts = starts or [(1.0, typical, 1.0, 1.0), (0.3, typical / 5, 0.8, 2.5), (3.0, 3 * typical, 2.0, 0.5)]
    result = fit_repeat_buying("bgnbd", log_likelihood, NAMES, x, t_x, T, starts, method,
                               shared=lambda x, t_x, T: Distinct(x=x, t_x=t_x, T=T))
    if result.params["a"] <= 1.0:
        result.problems.append(f"a = {result.params['a']:.3g} <= 1: expected purchases are infinite; "
                               "the fit is reported but cannot drive a scenario")
    return result
