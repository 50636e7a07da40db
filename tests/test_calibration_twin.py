"""From orders to a twin (simulation/experiments/calibration): the summary counted by hand,
acquisition fits recovering known rates, the posterior draws of the customers on day 0,
and the twin replaying the fitted model over a holdout. Statistical checks fix their seeds
and allow Z standard errors at a 1-in-10,000 false-alarm level."""

from __future__ import annotations

import datetime
import json
from types import SimpleNamespace

import numpy as np
import polars as pl
import pytest
from scipy import integrate, stats

from simulation.experiments.calibration.acquisition import bass_means, fit_acquisition, fit_bass, fit_constant
from simulation.experiments.calibration.calibrate import (CalibrationError, CalibrationOptions, calibrate,
                                                          simulate_holdout, write_calibration)
from simulation.experiments.calibration.customers import summarise
from simulation.kernel.existing_customers import _time_of_leaving, posterior_traits
from simulation.kernel.scenario import Behavior, Scenario

ALARM = 1e-4
Z = stats.norm.ppf(1 - ALARM / 2)
START = datetime.date(2024, 1, 1)


def orders_of(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    return pl.DataFrame({"customer": [r[0] for r in rows], "day": [datetime.date.fromisoformat(r[1]) for r in rows],
                         "amount": [r[2] for r in rows]})


def shop_orders(rng: np.random.Generator, *, new_per_day: float, days: int, r=0.3, alpha=20.0, a=2.0, b=5.0,
                p=6.0, q=4.0, gamma=90.0) -> pl.DataFrame:
    """Customers born at a constant rate (their first order), then BG/NBD repeat purchases
    and Gamma-Gamma values; times in days from START."""
    births = np.repeat(np.arange(days), rng.poisson(new_per_day, days)) + rng.random()
    n = births.size
    lam, dropout, nu = rng.gamma(r, 1 / alpha, n), rng.beta(a, b, n), rng.gamma(q, 1 / gamma, n)
    who, when = [np.arange(n)], [births]
    now, alive = births.copy(), np.ones(n, dtype=bool)
    while alive.any():
        now = now + rng.exponential(1 / lam)
        buying = alive & (now < days)
        who.append(np.flatnonzero(buying))
        when.append(now[buying])
        alive = buying & (rng.random(n) >= dropout)
    customer, time = np.concatenate(who), np.concatenate(when)
    return pl.DataFrame({"customer": customer.astype(str),
                         "day": np.datetime64(START) + np.floor(time).astype("timedelta64[D]"),
                         "amount": rng.gamma(p, 1 / nu[customer])}).with_columns(pl.col("day").cast(pl.Date))


def log_of(orders: pl.DataFrame) -> SimpleNamespace:
    """What the reader gives: the orders and a report of reading them."""
    report = SimpleNamespace(file="shop.csv", rows=orders.height, bad_rows={}, filtered_rows=0, refunds_netted=0,
                             columns={"customer": "customer", "date": "day", "amount": "amount"})
    return SimpleNamespace(orders=orders, report=report)


def test_a_customers_orders_on_one_day_are_one_transaction_and_the_summary_is_by_hand():
    orders = orders_of([
        ("ann", "2024-01-01", 10.0), ("ann", "2024-01-01", 5.0),    # one transaction of 15: her first
        ("ann", "2024-01-04", 20.0), ("ann", "2024-01-09", 40.0),   # two repeats before the end
        ("ann", "2024-01-10", 7.0), ("ann", "2024-01-20", 1.0),     # two in the holdout (days 0 and 10)
        ("bob", "2024-01-05", 30.0),                                # one purchase, no repeat
        ("cat", "2024-01-12", 9.0),                                 # first seen in the holdout: not a calibration customer
    ])
    s = summarise(orders, datetime.date(2024, 1, 10))
    assert list(s.customer) == ["ann", "bob"]
    assert list(s.x) == [2, 0] and list(s.t_x) == [8, 0] and list(s.T) == [9, 5]
    assert list(s.mean_value) == [30.0, 0.0] and list(s.first_value) == [15.0, 30.0]
    assert list(s.holdout) == [2, 0] and s.holdout_days == 11
    assert list(s.holdout_weekly) == [1, 1]   # days 0-6 and 7-10
    assert list(s.new_per_day) == [1, 0, 0, 0, 1, 0, 0, 0, 0] and s.transactions == 4


def test_constant_acquisition_is_recovered_within_its_standard_error():
    rng = np.random.default_rng(21)
    counts = rng.poisson(37.5, 400).astype(float)
    fit = fit_constant(counts)
    skip = fit.burn_in_days
    assert skip == 90 and fit.params["new_per_day"] == pytest.approx(counts[skip:].mean())
    assert abs(fit.params["new_per_day"] - 37.5) < Z * fit.se["new_per_day"]


def test_bass_acquisition_is_recovered_jointly_and_chosen_over_a_constant_rate():
    rng = np.random.default_rng(22)
    p, q, m, days = 0.0005, 0.012, 40_000.0, 450   # the peak near day 250: m is not reached by the end
    counts, acquired = np.zeros(days), 0.0
    for day in range(days):   # the engine's own day of Bass diffusion, everyone acquired talking
        counts[day] = rng.poisson(bass_means(p, q, m, np.array([acquired]))[0])
        acquired += counts[day]
    fit = fit_bass(counts)
    truth = np.array([p, q, m])
    estimate = np.array([fit.params[k] for k in ("p", "q", "m")])
    se = np.array([fit.se[k] for k in ("p", "q", "m")])
    assert np.all(np.abs(estimate - truth) < Z * se), (estimate, se)
    chosen, fits, why = fit_acquisition(counts)
    assert chosen.model == "bass" and "lowest AIC" in why and fits["constant"].aic > fits["bass"].aic


def test_the_customers_on_day_0_are_drawn_from_the_posterior_given_their_history():
    """BG/NBD: alive, lambda ~ Gamma(r + x, alpha + T) and p ~ Beta(a, b + x); gone after the last
    purchase, lambda ~ Gamma(r + x, alpha + t_x) and p ~ Beta(a + 1, b + x - 1); spend
    nu ~ Gamma(p x + q, gamma + m x). Means over 200,000 copies of one history."""
    behavior = Behavior.model_validate({"purchase_rate": {"shape": 0.5, "rate": 20.0},
                                        "dropout": {"a": 2.0, "b": 5.0}, "spend": {"p": 6.0, "q": 4.0, "gamma": 90.0}})
    n, x, t_x, T, m = 200_000, 3.0, 60.0, 100.0, 120.0
    customers = {"x": np.full(n, x), "t_x": np.full(n, t_x), "T": np.full(n, T), "mean_value": np.full(n, m),
                 "p_alive": np.full(n, 0.6), "recency": np.full(n, T - t_x)}
    traits = posterior_traits(behavior, customers, np.random.default_rng(4))
    alive = traits["alive"]
    assert abs(alive.mean() - 0.6) < Z * np.sqrt(0.6 * 0.4 / n)
    for group, denominator, a, b in ((alive, 20.0 + T, 2.0, 5.0 + x), (~alive, 20.0 + t_x, 3.0, 5.0 + x - 1)):
        for values, mean in ((traits["purchase_rate"][group], (0.5 + x) / denominator),
                             (traits["dropout_probability"][group], a / (a + b))):
            assert abs(values.mean() - mean) < Z * values.std() / np.sqrt(values.size), (values.mean(), mean)
    spend = traits["spend_rate"]
    assert abs(spend.mean() - (6.0 * x + 4.0) / (90.0 + m * x)) < Z * spend.std() / np.sqrt(n)


def test_a_gone_pareto_customer_left_at_a_time_of_the_posterior_density():
    r, alpha, s, beta, x, t_x, T = 0.5, 30.0, 0.6, 80.0, 2.0, 40.0, 300.0
    n = 200_000
    tau = _time_of_leaving(r, alpha, s, beta, np.full(n, x), np.full(n, t_x), np.full(n, T), np.random.default_rng(6))
    density = lambda u: (alpha + u) ** -(r + x) * (beta + u) ** -(s + 1)   # noqa: E731
    mass = integrate.quad(density, t_x, T)[0]
    mean = integrate.quad(lambda u: u * density(u), t_x, T)[0] / mass
    # The grid's midpoint rule is exact to within (T - t_x)^2 / (24 * 64^2) of the density's scale: far below the noise.
    assert np.all((tau > t_x) & (tau < T))
    assert abs(tau.mean() - mean) < Z * tau.std() / np.sqrt(n), (tau.mean(), mean)


@pytest.fixture(scope="module")
def shop() -> pl.DataFrame:
    return shop_orders(np.random.default_rng(1), new_per_day=40.0, days=540)


@pytest.fixture(scope="module")
def neutral_base() -> Scenario:
    """The bundled baseline without satisfaction feedback: the twin is then exactly the fitted model."""
    from simulation.storage.loading import load_scenario
    from growthsim.bundled import scenario_file
    from pathlib import Path
    base = load_scenario(scenario_file(Path("baseline")))
    return base.model_copy(update={"feedback": base.feedback.model_copy(update={"strength": 0.0})})


@pytest.mark.slow
def test_the_twin_replays_the_fitted_model_over_the_holdout(shop, neutral_base):
    """Run as calibrated, the twin's customers make the model's expected repeat transactions:
    within Z standard errors of its replications, plus the bias of one transaction a day against
    the model's continuous time (a buyer waits for the next day: at most E[lambda^2]/E[lambda]
    of the transactions, bounded from the customers' posterior means)."""
    calibration = calibrate(log_of(shop), neutral_base, CalibrationOptions(datetime.date(2025, 3, 1), model="bgnbd"))
    expected = calibration.tracking["bgnbd"]["expected_repeat_transactions"]
    simulated = simulate_holdout(calibration, replications=12, jobs=1)
    scores = calibration.scores
    r, alpha = calibration.fits["bgnbd"].params["r"], calibration.fits["bgnbd"].params["alpha"]
    second_moment = ((r + scores["x"] + 1) / (alpha + scores["T"])).to_numpy()
    bias = float(np.average(second_moment, weights=scores["expected_transactions_365"].to_numpy()))
    total = simulated["total"]
    se = (total["ci_high"] - total["ci_low"]) / 2 / stats.t.ppf(0.975, 11)
    assert abs(total["mean"] - expected) < Z * se + bias * expected, (total, expected, bias)
    assert calibration.twin.horizon_days == calibration.summary.holdout_days


def test_calibration_json_holds_every_block_and_dir_is_written_whole(shop, neutral_base, tmp_path):
    calibration = calibrate(log_of(shop), neutral_base, CalibrationOptions(datetime.date(2025, 3, 1)))
    simulate_holdout(calibration, replications=2, jobs=1)
    written = write_calibration(calibration, tmp_path / "twin")
    assert sorted(p.name for p in (tmp_path / "twin").iterdir()) == sorted(p.name for p in written)
    data = json.loads((tmp_path / "twin" / "calibration.json").read_text())
    assert data["units"] == "days" and data["model"] in ("bgnbd", "pareto_nbd") and data["model_why"]
    for block, names in (("bgnbd", "r alpha a b"), ("pareto_nbd", "r alpha s beta"), ("gamma_gamma", "p q gamma")):
        assert set(names.split()) <= set(data[block]) and set(data[block]["se"]) == set(names.split())
    holdout = data["holdout"]
    assert holdout["actual_repeat_transactions"] == int(calibration.summary.holdout.sum())
    assert len(holdout["weekly"]) == -(-holdout["days"] // 7) and len(holdout["by_frequency"]) == 8
    assert set(holdout["simulated"]) == {"mean", "ci_low", "ci_high"}
    scores = pl.read_csv(tmp_path / "twin" / "scores.csv")
    assert scores.height == data["source"]["customers"] and scores["customer"].n_unique() == scores.height
    assert not set(scores["customer"].cast(str)) & set(shop["customer"])   # pseudonyms, not the file's ids
    from simulation.storage.loading import load_scenario
    twin = load_scenario(tmp_path / "twin" / "scenario.yaml")
    assert twin.market.initial_shoppers == scores.height and twin.start_date == datetime.date(2025, 3, 1)


def test_too_few_repeat_buyers_and_an_end_outside_the_data_are_refused(neutral_base):
    few = orders_of([(f"c{k}", "2024-01-0%d" % (1 + k % 5), 10.0) for k in range(30)])
    with pytest.raises(CalibrationError, match="bought again"):
        calibrate(log_of(few), neutral_base)
    with pytest.raises(CalibrationError, match="outside the orders' dates"):
        calibrate(log_of(few), neutral_base, CalibrationOptions(datetime.date(2023, 1, 1)))


@pytest.mark.parametrize("acquisition", [{"rule": "constant", "new_per_day": 25.0},
                                         {"rule": "bass", "innovation": 0.0005, "imitation": 0.012, "talkers": "acquired"}])
def test_the_twins_acquisition_follows_the_rule_fitted(acquisition):
    """Each day's new shoppers against the rule's expectation given those acquired before it
    (the calibration's likelihood): the sum of the differences is a martingale whose variance
    is at most the sum of the expectations (binomial or Poisson counts)."""
    from simulation.kernel.engine import simulate
    scenario = Scenario.model_validate({"horizon_days": 300, "market": {"size": 20_000, "initial_shoppers": 500},
                                        "acquisition": acquisition | {"joins_with_order": True},
                                        "feedback": {"strength": 0.0}})
    daily = simulate(scenario).daily
    new = daily["new_shoppers"] - daily["new_shoppers_initial"]
    acquired_before = np.cumsum(daily["new_shoppers"]) - daily["new_shoppers"] + daily["new_shoppers_initial"] * (
        np.arange(300) == 0)
    if acquisition["rule"] == "constant":
        expected = np.full(300, 25.0)
    else:
        expected = bass_means(0.0005, 0.012, 20_000, acquired_before)
    assert abs((new - expected).sum()) < Z * np.sqrt(expected.sum()), (new.sum(), expected.sum())
    # Each joins with its first order: day 1's orders include every newcomer of the day.
    assert np.all(daily["orders"] >= new)
