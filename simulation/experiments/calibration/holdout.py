"""How well a fit forecasts the period it did not see (Fader, Hardie & Lee 2005, figures 2-4):
the calibration customers' repeat transactions in the holdout, actual against the model's
conditional expectation, cumulative and week by week, and by number of calibration
purchases; and, in the calibration period, repeat transactions per customer against the
model's distribution."""

from __future__ import annotations

import numpy as np

from simulation.experiments.calibration.customers import DAYS_PER_WEEK, Summary
from simulation.experiments.calibration.models import PatternScores
from simulation.experiments.calibration.mle import Fit

FREQUENCY_CAP = 7   # customers with 7 or more calibration repeat purchases form one group ("7+")
HISTOGRAM_SEED = 20050101


def week_ends(days: int) -> np.ndarray:
    """The day (from the holdout's start) at the end of each week, the last week possibly short."""
    return np.minimum(np.arange(1, -(-days // DAYS_PER_WEEK) + 1) * DAYS_PER_WEEK, days).astype(float)


def tracking(scores: PatternScores, summary: Summary) -> dict:
    """Expected against actual, cumulative and weekly, and by calibration frequency."""
    days = summary.holdout_days
    cumulative = np.array([scores.total_expected(t) for t in week_ends(days)])
    weekly_expected = np.diff(cumulative, prepend=0.0)
    actual_weekly = summary.holdout_weekly[:weekly_expected.size]
    expected_by_customer = scores.expected(float(days))[scores.inverse]
    group = np.minimum(summary.x, FREQUENCY_CAP).astype(int)
    by_frequency = []
    for x in range(FREQUENCY_CAP + 1):
        members = group == x
        count = int(members.sum())
        by_frequency.append({"x": f"{x}+" if x == FREQUENCY_CAP else x, "customers": count,
                             "actual": float(summary.holdout[members].mean()) if count else None,
                             "expected": float(expected_by_customer[members].mean()) if count else None})
    return {
        "days": days,
        "actual_repeat_transactions": int(summary.holdout.sum()),
        "expected_repeat_transactions": float(cumulative[-1]) if cumulative.size else 0.0,
        "weekly": [{"week": k + 1, "actual": int(a), "expected": float(e)}
                   for k, (a, e) in enumerate(zip(actual_weekly, weekly_expected))],
        "by_frequency": by_frequency,
        "weekly_error": float(np.mean(np.abs(actual_weekly - weekly_expected))) if cumulative.size else 0.0,
    }


def calibration_histogram(model: str, fit: Fit, summary: Summary, draws: int = 1_000_000) -> list[dict]:
    """Customers by repeat transactions in the calibration (0, 1, ..., 7+), actual against the
    model's: the expected count over customers with these T, by simulating the fitted model
    (a fixed seed, up to `draws` customers; its standard error is under 0.1 % of a group of
    1,000 customers or more)."""
    rng = np.random.default_rng(HISTOGRAM_SEED)
    T = summary.T if summary.T.size <= draws else rng.choice(summary.T, draws)
    counts = _simulated_repeat_purchases(model, fit.params, T, rng)
    scale = summary.T.size / T.size
    actual = np.bincount(np.minimum(summary.x, FREQUENCY_CAP).astype(int), minlength=FREQUENCY_CAP + 1)
    expected = np.bincount(np.minimum(counts, FREQUENCY_CAP), minlength=FREQUENCY_CAP + 1) * scale
    return [{"x": f"{x}+" if x == FREQUENCY_CAP else x, "actual": int(actual[x]), "expected": float(expected[x])}
            for x in range(FREQUENCY_CAP + 1)]


def _simulated_repeat_purchases(model: str, params: dict[str, float], T: np.ndarray,
                                rng: np.random.Generator) -> np.ndarray:
    """Repeat purchases in (0, T] of customers drawn from the fitted model, born at 0."""
    n = T.size
    lam = rng.gamma(params["r"], 1.0 / params["alpha"], n)
    if model == "bgnbd":
        p, end = rng.beta(params["a"], params["b"], n), T
    else:
        p, end = np.zeros(n), np.minimum(T, rng.exponential(1.0 / rng.gamma(params["s"], 1.0 / params["beta"], n)))
    count, now, alive = np.zeros(n, dtype=np.int64), np.zeros(n), np.ones(n, dtype=bool)
    while alive.any():
        who = np.flatnonzero(alive)
        now[who] += rng.exponential(1.0 / lam[who])
        buying = now[who] <= end[who]
        count[who[buying]] += 1
        alive[who] = buying & (rng.random(who.size) >= p[who])
        if count.max(initial=0) > 100_000:
            break   # a rate so high its customers never stop: the histogram's top group holds them
    return count
