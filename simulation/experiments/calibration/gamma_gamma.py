"""Gamma-Gamma spend (Fader, Hardie & Lee 2005, "RFM and CLV"): each transaction's value
z ~ Gamma(p, nu), nu ~ Gamma(q, gamma); fitted to customers with repeat transactions, on
the mean value m of their x repeat transactions."""

from __future__ import annotations

import numpy as np
from scipy import special

from simulation.experiments.calibration.mle import Distinct, Fit, fit_model, patterns, per_value, screen, weighted_sum

NAMES = ("p", "q", "gamma")


def log_likelihood(p, q, gamma, x, m, distinct: Distinct | None = None) -> np.ndarray:
    """Each customer's log-likelihood of its x repeat transactions of mean value m.
    `distinct`: the fit's speed-up, terms of x alone computed once per value (mle.Distinct)."""
    gammaln = special.gammaln
    px = p * x
    of_x = per_value(distinct, "x", x, lambda v: gammaln(p * v + q) - gammaln(p * v) + p * v * np.log(v))
    return of_x - gammaln(q) + q * np.log(gamma) + (px - 1.0) * np.log(m) - (px + q) * np.log(gamma + m * x)


def population_mean_value(p, q, gamma) -> float:
    """E[z] over customers, p gamma / (q - 1); infinite for q <= 1."""
    return p * gamma / (q - 1.0)


def conditional_mean_value(p, q, gamma, x, m) -> np.ndarray:
    """E[mean value | m, x] = p (gamma + m x) / (p x + q - 1)."""
    return p * (gamma + m * x) / (p * x + q - 1.0)


def fit(x: np.ndarray, m: np.ndarray, *, method: str = "L-BFGS-B",
        starts: list[tuple[float, ...]] | None = None) -> Fit:
    x, m = np.asarray(x, float), np.asarray(m, float)
    keep = (x > 0) & (m > 0)
    x, m = x[keep], m[keep]

    def likelihood_of(rows: slice | np.ndarray):
        (xu, mu), weight = patterns(x[rows], m[rows])
        distinct = Distinct(x=xu)

        def negative_loglik(log_params: np.ndarray) -> float:
            p, q, gamma = np.exp(log_params)
            value = -weighted_sum(weight, log_likelihood(p, q, gamma, xu, mu, distinct))
            return value if np.isfinite(value) else np.inf
        return negative_loglik

    typical = float(np.mean(m))
    starts = starts or [(1.0, 2.0, typical), (5.0, 4.0, 3 * typical), (0.5, 1.5, typical / 3)]
    result = fit_model("gamma_gamma", likelihood_of(slice(None)), NAMES, starts, x.size, method,
                       screen=screen(likelihood_of, x.size))
    if result.params["q"] <= 1.0:
        result.problems.append(f"q = {result.params['q']:.3g} <= 1: the mean order value is infinite; "
                               "the fit is reported but cannot drive a scenario")
    return result
