"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987; Fader & Hardie 2005, "A note on deriving
the Pareto/NBD model and related expressions"): purchase rate lambda ~ Gamma(r, alpha) and an
exponential lifetime of rate mu ~ Gamma(s, beta), so a customer may leave on any day.
Rates per day; alpha and beta in days."""

from __future__ import annotations

import numpy as np
from scipy import special

from simulation.experiments.calibration.mle import Fit, fit_repeat_buying

NAMES = ("r", "alpha", "s", "beta")


def _log_f(r, alpha, s, beta, x, y_offset):
    """log of 2F1(r+s+x, b; r+s+x+1; z) / y^(r+s+x) at y = max(alpha, beta) + y_offset, with
    b = s+1 (alpha >= beta) or r+x (alpha < beta), by Euler's transform
    2F1(a, b; a+1; z) = (1-z)^(1-b) 2F1(1, a+1-b; a+1; z), whose series stays bounded."""
    a = r + s + x
    larger, smaller = np.maximum(alpha, beta), np.minimum(alpha, beta)
    second = np.where(alpha >= beta, s + 1.0, r + x)
    y = larger + y_offset
    z = (larger - smaller) / y
    return ((1.0 - second) * np.log1p(-z) + np.log(special.hyp2f1(1.0, a + 1.0 - second, a + 1.0, z))
            - a * np.log(y))


def _log_a0(r, alpha, s, beta, x, t_x, T, pairs: "Pairs | None" = None):
    """log A0 = log(F(t_x) - F(T)); -inf when t_x = T. With `pairs` (the distinct (x, t_x)
    and (x, T) of these customers) F is computed once per pair: a million customers have
    some 170,000 distinct (x, t_x, T) but a tenth as many pairs, and F is the costly part."""
    if pairs is None:
        first, last = _log_f(r, alpha, s, beta, x, t_x), _log_f(r, alpha, s, beta, x, T)
    else:
        f = _log_f(r, alpha, s, beta, pairs.x, pairs.y)
        first, last = f[pairs.at_t_x], f[pairs.at_T]
    with np.errstate(divide="ignore"):
        return first + np.log1p(-np.exp(np.minimum(last - first, 0.0)))


class Pairs:
    """The distinct (x, y) among customers' (x, t_x) and (x, T), and where each customer's are."""

    def __init__(self, x, t_x, T) -> None:
        stacked = np.concatenate([np.column_stack([x, t_x]), np.column_stack([x, T])])
        unique, inverse = np.unique(stacked, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        self.x, self.y = unique[:, 0], unique[:, 1]
        self.at_t_x, self.at_T = inverse[: len(x)], inverse[len(x):]


def log_likelihood(r, alpha, s, beta, x, t_x, T, pairs: Pairs | None = None) -> np.ndarray:
    """Each customer's log-likelihood of (x, t_x, T)."""
    head = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    left = np.log(s / (r + s + x)) + _log_a0(r, alpha, s, beta, x, t_x, T, pairs)
    return head + np.logaddexp(alive, left)


def p_alive(r, alpha, s, beta, x, t_x, T) -> np.ndarray:
    log_ratio = (np.log(s / (r + s + x)) + (r + x) * np.log(alpha + T) + s * np.log(beta + T)
                 + _log_a0(r, alpha, s, beta, x, t_x, T))
    return 1.0 / (1.0 + np.exp(log_ratio))


def expected_purchases(t, r, alpha, s, beta):
    """E[X(t)] for a customer born at time 0."""
    t = np.asarray(t, dtype=float)
    if s == 1.0:
        return r * beta / alpha * np.log((beta + t) / beta)
    return r * beta / (alpha * (s - 1.0)) * (1.0 - (beta / (beta + t)) ** (s - 1.0))


def expected_purchases_if_alive(t, r, alpha, s, beta, x, t_x, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T, alive at T]: repeat transactions in the next t days of a customer still alive."""
    x = np.asarray(x, dtype=float)
    if s == 1.0:
        return (r + x) * (beta + T) / (alpha + T) * np.log((beta + T + t) / (beta + T))
    return ((r + x) * (beta + T) / ((alpha + T) * (s - 1.0))
            * (1.0 - ((beta + T) / (beta + T + t)) ** (s - 1.0)))


def conditional_expected_purchases(t, r, alpha, s, beta, x, t_x, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: repeat transactions in the next t days."""
    return expected_purchases_if_alive(t, r, alpha, s, beta, x, t_x, T) * p_alive(r, alpha, s, beta, x, t_x, T)


def fit(x: np.ndarray, t_x: np.ndarray, T: np.ndarray, *, method: str = "L-BFGS-B",
        starts: list[tuple[float, ...]] | None = None) -> Fit:
    typical = float(np.mean(T))
    starts = starts or [(1.0, typical, 1.0, typical), (0.5, typical / 3, 0.5, 3 * typical),
                        (2.0, 3 * typical, 2.0, typical / 3)]
    return fit_repeat_buying("pareto_nbd", log_likelihood, NAMES, x, t_x, T, starts, method, shared=Pairs)
