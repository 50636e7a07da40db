"""Acquisition: the Bass diffusion model, one day at a time (docs/model.md §1).

Within a day the talkers `A` grow with the joiners, so the share acquired `f = N/M`
follows the Riccati equation `df/dt = (p + q(f - d0))(1 - f)`, `d0 = (N0 - A0)/M`.
Its two roots are `f = 1` and `f = -a/q` with `a = p - q*d0`, and
`(f - 1)/(f + a/q)` decays as `exp(-(q + a) t)`. Using the closed form instead of a
daily Euler step keeps the simulated curve on Bass's, not a discretisation of it.
"""

from __future__ import annotations

import math


def bass_day_join_probability(p: float, q: float, acquired: float, talkers: float, market: float, dt: float = 1.0) -> float:
    """Probability that a prospect still outside at the start of the day joins within `dt` days."""
    if acquired >= market:
        return 0.0
    f0 = acquired / market
    a = p - q * (acquired - talkers) / market     # hazard at f is a + q*f
    hazard0 = a + q * f0
    if hazard0 <= 0.0:
        return 0.0
    if q <= 1e-12 * max(hazard0, 1e-300):
        f1 = 1.0 - (1.0 - f0) * math.exp(-hazard0 * dt)
    else:
        ratio0 = (f0 - 1.0) / (f0 + a / q)            # f0 + a/q = hazard0/q > 0
        ratio = ratio0 * math.exp(-(q + a) * dt)
        f1 = (1.0 + ratio * a / q) / (1.0 - ratio)
    return min(1.0, max(0.0, (f1 - f0) / (1.0 - f0)))


def external_share(p: float, q: float, talkers: float, market: float) -> float:
    """Share of today's joiners attributed to external influence rather than word of mouth."""
    total = p + q * talkers / market
    return p / total if total > 0 else 1.0
