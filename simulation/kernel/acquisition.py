"""Acquisition: the Bass diffusion model, one day at a time (docs/model.md §1).

Within a day the talkers `A` grow with the joiners, so the share acquired `f = N/M`
follows the Riccati equation `df/dt = (p + q(f - d0))(1 - f)`, `d0 = (N0 - A0)/M`.
Its two roots are `f = 1` and `f = -a/q` with `a = p - q*d0`, and
`(f - 1)/(f + a/q)` decays as `exp(-(q + a) t)`. Using the closed form instead of a
daily Euler step keeps the simulated curve on Bass's, not a discretisation of it.
"""

from __future__ import annotations

import numpy as np


def bass_day_join_probability(p: float, q: float, acquired, talkers, market: float, dt: float = 1.0):
    """Probability that a prospect still outside at the start of the day joins within `dt` days.
    Scalars, or arrays of `acquired` and `talkers` (a calibration evaluates every day at once)."""
    acquired, talkers = np.asarray(acquired, dtype=float), np.asarray(talkers, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        f0 = acquired / market
        a = p - q * (acquired - talkers) / market     # hazard at f is a + q*f
        hazard0 = a + q * f0
        no_imitation = q <= 1e-12 * np.maximum(hazard0, 1e-300)
        plain = 1.0 - (1.0 - f0) * np.exp(-hazard0 * dt)
        ratio0 = (f0 - 1.0) / (f0 + a / q) if q > 0 else np.zeros_like(f0)   # f0 + a/q = hazard0/q > 0
        ratio = ratio0 * np.exp(-(q + a) * dt)
        riccati = (1.0 + ratio * a / q) / (1.0 - ratio) if q > 0 else plain
        f1 = np.where(no_imitation, plain, riccati)
        probability = np.clip((f1 - f0) / (1.0 - f0), 0.0, 1.0)
    probability = np.where((acquired >= market) | (hazard0 <= 0.0), 0.0, probability)
    return float(probability) if probability.ndim == 0 else probability


def external_share(p: float, q: float, talkers: float, market: float) -> float:
    """Share of today's joiners attributed to external influence rather than word of mouth."""
    total = p + q * talkers / market
    return p / total if total > 0 else 1.0
