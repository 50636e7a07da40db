"""The published models growthsim reduces to, as formulas (docs/model.md).

Tests hold the simulation to these; the docs and lessons quote them.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special


def bass_cumulative_share(t, p: float, q: float):
    """Bass (1969): share of the market acquired by time t, starting from nobody."""
    t = np.asarray(t, dtype=float)
    e = np.exp(-(p + q) * t)
    return (1.0 - e) / (1.0 + (q / p) * e)


def bgnbd_expected_purchases(t, r: float, alpha: float, a: float, b: float):
    """Fader, Hardie & Lee (2005), eq. 7: E[X(t)] for a shopper born at time 0."""
    t = np.asarray(t, dtype=float)
    z = t / (alpha + t)
    hyp = special.hyp2f1(r, b, a + b - 1.0, z)
    return (a + b - 1.0) / (a - 1.0) * (1.0 - (alpha / (alpha + t)) ** r * hyp)


def pareto_nbd_expected_purchases(t, r: float, alpha: float, s: float, beta: float):
    """Schmittlein, Morrison & Colombo (1987): E[X(t)] for a shopper born at time 0,
    lambda ~ Gamma(r, alpha) and mu ~ Gamma(s, beta) (s != 1)."""
    t = np.asarray(t, dtype=float)
    return r * beta / (alpha * (s - 1.0)) * (1.0 - (beta / (beta + t)) ** (s - 1.0))


def poisson_gamma_expected_purchases(t, r: float, alpha: float):
    """NBD with no dropout: E[X(t)] = r t / alpha."""
    return r * np.asarray(t, dtype=float) / alpha


def gamma_gamma_mean_spend(p: float, q: float, gamma: float) -> float:
    """Fader, Hardie & Lee (2005): population mean order value, p*gamma/(q-1)."""
    return p * gamma / (q - 1.0)


def erlang_c_probability_of_wait(agents: int, offered_load: float) -> float:
    """Erlang C: P(wait > 0) in M/M/c with offered load a = lambda/mu (< c)."""
    if offered_load >= agents:
        return 1.0
    # Erlang B by its stable recursion, then C from B.
    b = 1.0
    for k in range(1, agents + 1):
        b = offered_load * b / (k + offered_load * b)
    rho = offered_load / agents
    return b / (1.0 - rho + rho * b)


def erlang_c_mean_wait(agents: int, arrival_rate: float, mean_handle: float) -> float:
    """Mean wait in queue of M/M/c, in the time unit of the arguments."""
    load = arrival_rate * mean_handle
    if load >= agents:
        return math.inf
    return erlang_c_probability_of_wait(agents, load) * mean_handle / (agents - load)
