"""The fitters of simulation/experiments/calibration: each likelihood against an independent
computation, fits recovered from logs simulated with known parameters (a joint Wald test at a
1-in-10,000 false-alarm level), the optimum confirmed by a second optimiser from another
start, and the conditional expectations against what the simulated customers did next."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from simulation.experiments.calibration import bgnbd, gamma_gamma, pareto_nbd

ALARM = 1e-4
Z = stats.norm.ppf(1 - ALARM / 2)
BGNBD = {"r": 0.243, "alpha": 4.414 * 7, "a": 0.793, "b": 2.426}          # CDNOW, in days
PARETO = {"r": 0.553, "alpha": 10.58 * 7, "s": 0.606, "beta": 11.67 * 7}  # CDNOW, in days
SPEND = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def bgnbd_history(rng, n, T, holdout, r, alpha, a, b):
    """Repeat purchases after a first one at time 0, to T, then in (T, T + holdout]."""
    lam, p = rng.gamma(r, 1 / alpha, n), rng.beta(a, b, n)
    x, t_x, later = np.zeros(n), np.zeros(n), np.zeros(n)
    now, alive = np.zeros(n), np.ones(n, bool)
    while alive.any():
        now = now + rng.exponential(1 / lam)
        buying = alive & (now <= T + holdout)
        calibration = buying & (now <= T)
        x += calibration
        t_x = np.where(calibration, now, t_x)
        later += buying & ~calibration
        alive = buying & (rng.random(n) >= p)
    return x, t_x, later


def pareto_history(rng, n, T, holdout, r, alpha, s, beta):
    lam, lifetime = rng.gamma(r, 1 / alpha, n), rng.exponential(1 / rng.gamma(s, 1 / beta, n))
    x, t_x, later = np.zeros(n), np.zeros(n), np.zeros(n)
    now, alive = np.zeros(n), np.ones(n, bool)
    while alive.any():
        now = now + rng.exponential(1 / lam)
        buying = alive & (now <= np.minimum(T + holdout, lifetime))
        calibration = buying & (now <= T)
        x += calibration
        t_x = np.where(calibration, now, t_x)
        later += buying & ~calibration
        alive = buying
    return x, t_x, later


def wald(fit, truth) -> float:
    difference = fit.vector() - np.array([truth[name] for name in fit.params])
    return float(difference @ np.linalg.solve(fit.covariance, difference))


def expectation_over_draws(values: np.ndarray) -> tuple[float, float]:
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(values.size))


def test_the_pareto_nbd_likelihood_is_the_expectation_over_rates_and_lifetimes():
    """The closed form against the individual likelihood averaged over 2 million draws of
    (lambda, mu): within Z standard errors of that average, which is within 1 %."""
    r, alpha, s, beta = PARETO.values()
    rng = np.random.default_rng(1)
    lam, mu = rng.gamma(r, 1 / alpha, 2_000_000), rng.gamma(s, 1 / beta, 2_000_000)
    for x, t_x, T in ((0, 0.0, 200.0), (1, 50.0, 200.0), (4, 170.0, 260.0), (2, 30.0, 300.0)):
        alive = lam ** x * np.exp(-(lam + mu) * T)
        left = mu / (lam + mu) * lam ** x * (np.exp(-(lam + mu) * t_x) - np.exp(-(lam + mu) * T))
        mean, se = expectation_over_draws(alive + left)
        formula = float(np.exp(pareto_nbd.log_likelihood(r, alpha, s, beta, x, t_x, T)))
        assert abs(formula - mean) < Z * se and se < 0.01 * mean, (x, t_x, T, formula, mean, se)


def test_the_bgnbd_likelihood_is_the_expectation_over_rates_and_dropout():
    r, alpha, a, b = BGNBD.values()
    rng = np.random.default_rng(2)
    lam, p = rng.gamma(r, 1 / alpha, 2_000_000), rng.beta(a, b, 2_000_000)
    for x, t_x, T in ((0, 0.0, 200.0), (1, 50.0, 200.0), (3, 170.0, 260.0)):
        alive = (1 - p) ** x * lam ** x * np.exp(-lam * T)
        left = p * (1 - p) ** (x - 1) * lam ** x * np.exp(-lam * t_x) if x > 0 else 0.0
        mean, se = expectation_over_draws(alive + left)
        formula = float(np.exp(bgnbd.log_likelihood(r, alpha, a, b, x, t_x, T)))
        assert abs(formula - mean) < Z * se and se < 0.01 * mean, (x, t_x, T, formula, mean, se)


# The second optimiser: derivative-free Nelder-Mead where it is quick; for Pareto/NBD, whose
# likelihood (a 2F1 per customer) makes Nelder-Mead's thousands of evaluations take 90 s,
# BFGS (a dense quasi-Newton method without bounds, against the fit's limited-memory L-BFGS-B).
@pytest.mark.parametrize("model, history, truth, second", [(bgnbd, bgnbd_history, BGNBD, "Nelder-Mead"),
                                                           (pareto_nbd, pareto_history, PARETO, "BFGS")])
def test_known_parameters_are_recovered_at_the_maximum(model, history, truth, second):
    rng = np.random.default_rng(7)
    n = 8_000
    T = rng.uniform(180, 390, n)   # customers joined over seven months before the calibration end
    x, t_x, _ = history(rng, n, T, 0.0, **truth)
    fit = model.fit(x, t_x, T)
    assert fit.converged
    # Jointly within the 1-in-10,000 region of the asymptotic normal law of the estimate.
    assert wald(fit, truth) < stats.chi2.ppf(1 - ALARM, len(truth)), (fit.params, fit.se)
    # At the maximum: another optimiser from another start finds no higher likelihood.
    other = model.fit(x, t_x, T, method=second, starts=[tuple(2 * v for v in truth.values())])
    assert other.loglik <= fit.loglik + 1e-6
    assert other.loglik == pytest.approx(fit.loglik, abs=1e-3)


def test_gamma_gamma_recovers_known_spend_parameters():
    rng = np.random.default_rng(11)
    n, (p, q, gamma) = 8_000, SPEND.values()
    nu = rng.gamma(q, 1 / gamma, n)
    x = 1 + rng.poisson(2.0, n)
    m = np.array([rng.gamma(p, 1 / v, k).mean() for v, k in zip(nu, x)])
    fit = gamma_gamma.fit(x, m)
    assert wald(fit, SPEND) < stats.chi2.ppf(1 - ALARM, 3), (fit.params, fit.se)
    other = gamma_gamma.fit(x, m, method="Nelder-Mead", starts=[(1.0, 1.5, 5.0)])
    assert other.loglik <= fit.loglik + 1e-6 and other.loglik == pytest.approx(fit.loglik, abs=1e-3)


@pytest.mark.parametrize("model, history, truth", [(bgnbd, bgnbd_history, BGNBD),
                                                   (pareto_nbd, pareto_history, PARETO)])
def test_conditional_expectations_predict_what_customers_do_next(model, history, truth):
    """Summed over customers, E[Y(t) | x, t_x, T] at the true parameters is the holdout's
    expected total; customers are independent, so the sum's standard error comes from them."""
    rng = np.random.default_rng(3)
    n, holdout = 20_000, 91.0
    T = rng.uniform(180, 390, n)
    x, t_x, later = history(rng, n, T, holdout, **truth)
    expected = model.conditional_expected_purchases(holdout, *truth.values(), x, t_x, T)
    se = later.std(ddof=1) * np.sqrt(n)
    assert abs(later.sum() - expected.sum()) < Z * se, (later.sum(), expected.sum(), se)
    for group in (x == 0, x == 1, x >= 5):   # and within groups by calibration purchases
        se = later[group].std(ddof=1) * np.sqrt(group.sum())
        assert abs(later[group].sum() - expected[group].sum()) < Z * se


def test_a_fit_with_an_infinite_mean_is_flagged():
    rng = np.random.default_rng(5)
    x, t_x, _ = bgnbd_history(rng, 4_000, np.full(4_000, 300.0), 0.0, **BGNBD)   # CDNOW's a = 0.793 < 1
    fit = bgnbd.fit(x, t_x, np.full(4_000, 300.0))
    assert fit.params["a"] < 1 and any("infinite" in problem for problem in fit.problems)


def test_distinct_rows_packed_into_one_key_are_numpys_distinct_rows():
    from simulation.experiments.calibration.mle import distinct_rows
    rng = np.random.default_rng(8)
    days, counts = (rng.integers(0, k, 5_000).astype(float) for k in (600, 40))
    for columns in ((counts, days, days), (counts, rng.random(5_000))):   # whole numbers packed; else rows sorted
        unique, inverse = distinct_rows(*columns)
        expected, expected_inverse = np.unique(np.column_stack(columns), axis=0, return_inverse=True)
        assert np.array_equal(np.column_stack(unique), expected) and np.array_equal(inverse, expected_inverse.ravel())
