"""With every strategy and feedback off, the simulation is the published models
(docs/model.md). Each check compares a simulated mean with the formula, with a
tolerance of a stated number of standard errors computed from the simulated data."""

import numpy as np
from scipy import stats

from simulation.kernel import published
from simulation.kernel.api import Strategy, StrategyConfig
from simulation.kernel.engine import Replication, simulate
from tests.conftest import scenario

# Two-sided 1-in-10,000 false alarm per comparison: these checks run on every commit.
Z = stats.norm.ppf(1 - 0.0001 / 2)   # 3.89


def t_quantile(replications: int) -> float:
    return stats.t.ppf(1 - 0.0001 / 2, replications - 1)


def test_cumulative_shoppers_follow_the_bass_curve_when_nobody_churns():
    p, q, market, replications = 0.002, 0.03, 200_000, 8
    sc = scenario(horizon_days=200, market={"size": market, "initial_shoppers": 0},
                  acquisition={"innovation": p, "imitation": q},
                  behavior={"dropout": {"enabled": False}}, feedback={"strength": 0})
    days = np.array([25, 50, 100, 150, 199])
    shares = np.array([simulate(sc, k).daily["cumulative_shoppers"][days] / market for k in range(replications)])
    expected = published.bass_cumulative_share(days + 1, p, q)   # day d ends at time d+1
    mean, se = shares.mean(axis=0), shares.std(axis=0, ddof=1) / np.sqrt(replications)
    assert np.all(np.abs(mean - expected) < t_quantile(replications) * se), (mean, expected, se)
    assert np.all(se < 0.002)   # the test has power: a 1 % bias in the curve would fail it


def purchases_by(transactions: dict, shoppers: int, t: float) -> np.ndarray:
    """Each shopper's purchases in (0, t]."""
    before = transactions["time"] < t
    return np.bincount(transactions["shopper"][before], minlength=shoppers)


def test_repeat_purchases_follow_bgnbd_with_feedback_off():
    n, br = 20_000, scenario().behavior
    sc = scenario(horizon_days=365, market={"size": n, "initial_shoppers": n},
                  acquisition={"innovation": 0, "imitation": 0}, feedback={"strength": 0})
    run = simulate(sc, 0, transactions=True)
    for t in (30, 90, 180, 365):
        x = purchases_by(run.transactions, n, t)
        expected = published.bgnbd_expected_purchases(t, br.purchase_rate.shape, br.purchase_rate.rate,
                                                      br.dropout.a, br.dropout.b)
        se = x.std(ddof=1) / np.sqrt(n)     # shoppers are independent
        assert abs(x.mean() - expected) < Z * se, (t, x.mean(), expected, se)


def over_time_dropout(n: int, horizon: int):
    return scenario(horizon_days=horizon, market={"size": n, "initial_shoppers": n},
                    acquisition={"innovation": 0, "imitation": 0}, feedback={"strength": 0},
                    behavior={"dropout": {"rule": "over_time"}})


def test_repeat_purchases_follow_pareto_nbd_with_dropout_over_time():
    n, sc = 20_000, over_time_dropout(20_000, 365)
    br = sc.behavior
    run = simulate(sc, 0, transactions=True)
    for t in (30, 90, 180, 365):
        x = purchases_by(run.transactions, n, t)
        expected = published.pareto_nbd_expected_purchases(t, br.purchase_rate.shape, br.purchase_rate.rate,
                                                           br.dropout.s, br.dropout.beta)
        se = x.std(ddof=1) / np.sqrt(n)
        assert abs(x.mean() - expected) < Z * se, (t, x.mean(), expected, se)


class HalvesDropout(Strategy):
    name = "halves_dropout"

    def dropout_factor(self, who):
        return 0.5


def test_a_strategy_that_halves_dropout_acts_on_the_over_time_rule_too():
    """Halving every shopper's dropout rate mu ~ Gamma(s, beta) is mu ~ Gamma(s, 2 beta):
    the closed form with beta doubled, and not the one with beta as it was."""
    n, sc = 20_000, over_time_dropout(20_000, 180)
    br = sc.behavior
    replication = Replication(sc, 0, record_transactions=True)
    replication.strategies.append(HalvesDropout(StrategyConfig(), replication, np.random.default_rng(0)))
    x = purchases_by(replication.run().transactions, n, 180)
    se = x.std(ddof=1) / np.sqrt(n)
    halved, as_was = (published.pareto_nbd_expected_purchases(180, br.purchase_rate.shape, br.purchase_rate.rate,
                                                              br.dropout.s, beta) for beta in (2 * br.dropout.beta,
                                                                                               br.dropout.beta))
    assert abs(x.mean() - halved) < Z * se, (x.mean(), halved, se)
    assert abs(x.mean() - as_was) > Z * se, (x.mean(), as_was, se)   # the test can tell them apart


def test_without_dropout_purchases_are_nbd():
    n, rate = 20_000, scenario().behavior.purchase_rate
    sc = scenario(horizon_days=180, market={"size": n, "initial_shoppers": n},
                  acquisition={"innovation": 0, "imitation": 0}, feedback={"strength": 0},
                  behavior={"dropout": {"enabled": False}})
    run = simulate(sc, 0, transactions=True)
    x = purchases_by(run.transactions, n, 180)
    expected = published.poisson_gamma_expected_purchases(180, rate.shape, rate.rate)
    assert abs(x.mean() - expected) < Z * x.std(ddof=1) / np.sqrt(n)


def test_order_values_follow_gamma_gamma():
    n, spend = 20_000, scenario().behavior.spend
    sc = scenario(horizon_days=365, market={"size": n, "initial_shoppers": n},
                  acquisition={"innovation": 0, "imitation": 0}, feedback={"strength": 0})
    tx = simulate(sc, 0, transactions=True).transactions
    totals = np.bincount(tx["shopper"], weights=tx["value"], minlength=n)
    counts = np.bincount(tx["shopper"], minlength=n)
    mean = totals.sum() / counts.sum()
    # Orders of one shopper share its spend scale: cluster-robust standard error of a ratio.
    se = np.sqrt(np.sum((totals - mean * counts) ** 2)) / counts.sum()
    expected = published.gamma_gamma_mean_spend(spend.p, spend.q, spend.gamma)
    assert abs(mean - expected) < Z * se, (mean, expected, se)


def test_service_waits_are_erlang_c_for_poisson_tickets_and_exponential_handling():
    """A steady population (no acquisition, no dropout) orders as a Poisson process of
    rate sum(lambda); every order raises a ticket after an exponential delay, which
    keeps it Poisson. Two agents, 12-minute handling: utilisation about 0.65."""
    n, agents, handle, warm_up, replications = 20_000, 2, 12.0, 5, 8
    sc = scenario(horizon_days=100, market={"size": n, "initial_shoppers": n},
                  acquisition={"innovation": 0, "imitation": 0}, feedback={"strength": 0},
                  behavior={"dropout": {"enabled": False}},
                  strategies={"service_quality": {"agents": agents, "handle_minutes": handle,
                                                  "tickets_per_order": 1.0, "chatbot_deflection": 0},
                              "logistics": {"late_ticket_probability": 0}})
    gaps, expectations = [], []
    for k in range(replications):
        run = simulate(sc, k, transactions=True)
        d = run.daily
        served = d["tickets_answered"][warm_up:]
        simulated = np.sum(np.nan_to_num(d["service_wait_mean_min"][warm_up:]) * served) / served.sum()
        tickets_per_minute = run.shoppers["purchase_rate"].astype(float).sum() / (24 * 60)
        expected = published.erlang_c_mean_wait(agents, tickets_per_minute, handle)
        gaps.append(simulated - expected)
        expectations.append(expected)
    gaps = np.array(gaps)
    se = gaps.std(ddof=1) / np.sqrt(replications)   # replications are independent; waits within one are not
    assert abs(gaps.mean()) < t_quantile(replications) * se, (gaps, se)
    # Power: a 10 % error in handling time moves this wait by about 25 %, many SEs.
    assert se < 0.05 * np.mean(expectations), (se, expectations)


def test_erlang_c_formula_against_a_case_worked_by_hand():
    # M/M/1: P(wait) = rho, W = rho/(mu - lambda). lambda = 0.5, mu = 1: W = 1.
    assert published.erlang_c_probability_of_wait(1, 0.5) == 0.5
    assert published.erlang_c_mean_wait(1, 0.5, 1.0) == 1.0
    # M/M/2 with a = 1: C = 1/3 (Erlang C tables), W = C * h / (c - a) = 1/3.
    assert abs(published.erlang_c_probability_of_wait(2, 1.0) - 1 / 3) < 1e-12
