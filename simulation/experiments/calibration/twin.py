"""The twin: a scenario whose shoppers are the shop's own customers, as fitted.

Fitted from orders: acquisition, purchase rates, dropout and spend. Not fitted (orders say
nothing of them): service, logistics, strategies, satisfaction and its feedback, margins;
they come from the scenario the twin extends, the warehouse and the desk scaled to the
twin's orders a day so they are as healthy as in the file they came from.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import secrets

import numpy as np
import polars as pl

from simulation.experiments.calibration.acquisition import AcquisitionFit
from simulation.experiments.calibration.customers import Summary
from simulation.experiments.calibration.models import PatternScores
from simulation.experiments.calibration.mle import Fit
from simulation.kernel.scenario import DAYS_PER_YEAR, Scenario

# The operations sized to a platform's orders a day: (section path, key, at least).
OPERATIONS_SCALED = ((("strategies", "logistics"), "capacity_per_day", 1),
                     (("strategies", "service_quality"), "agents", 1))
CLV_YEARS = 10
CUSTOMERS_FILE = "customers.parquet"


def customer_scores(scores: PatternScores, summary: Summary, spend: Fit, *, discount_rate: float,
                    gross_margin: float, keep_ids: bool) -> pl.DataFrame:
    """One row per calibration customer: its history, P(alive), expected transactions in a
    year, expected value of a transaction and CLV: gross margin of the expected transactions'
    value over CLV_YEARS years, each year's discounted at `discount_rate` from its middle."""
    p, q, gamma = spend.params.values()
    x = summary.x
    expected_value = np.where(x > 0, p * (gamma + summary.mean_value * x) / (p * x + q - 1.0), p * gamma / (q - 1.0))
    yearly = np.array([scores.expected(DAYS_PER_YEAR * year) for year in range(1, CLV_YEARS + 1)])
    per_year = np.diff(yearly, axis=0, prepend=0.0)
    discount = (1.0 + discount_rate) ** -(np.arange(1, CLV_YEARS + 1) - 0.5)
    clv = gross_margin * expected_value * (discount @ per_year)[scores.inverse]
    first = np.datetime64(summary.first_date) + summary.first_purchase.astype("timedelta64[D]")
    return pl.DataFrame({
        "customer": summary.customer.astype(str) if keep_ids else pseudonyms(summary.customer),
        "first_purchase": first, "x": x.astype(np.int64), "t_x": summary.t_x.astype(np.int64),
        "T": summary.T.astype(np.int64), "recency": summary.recency.astype(np.int64),
        "mean_value": summary.mean_value, "p_alive": scores.p_alive()[scores.inverse],
        "expected_transactions_365": yearly[0][scores.inverse], "expected_value": expected_value, "clv": clv,
    })


def pseudonyms(ids: np.ndarray) -> list[str]:
    """A keyed hash of each customer id (BLAKE2b with a random key that is not kept): buyer
    names are personal data, and without the key no one can go back from a pseudonym."""
    key = secrets.token_bytes(32)
    return [hashlib.blake2b(str(i).encode(), key=key, digest_size=8).hexdigest() for i in ids]


def orders_a_day(scores: PatternScores, new_per_day: float) -> float:
    """The twin's expected transactions on its first day: its customers' and its newcomers'."""
    return scores.total_expected(1.0) + new_per_day


def scaled_operations(base: Scenario, factor: float) -> dict:
    """The operations of `base` sized by `factor`, as nested scenario data."""
    out: dict = {}
    for path, key, least in OPERATIONS_SCALED:
        section = base
        for part in path:
            section = getattr(section, part)
        target = out
        for part in path:
            target = target.setdefault(part, {})
        target[key] = max(least, math.ceil(getattr(section, key) * factor))
    return out


def base_orders_a_day(base: Scenario) -> float:
    """Orders on the first day of the scenario the twin extends: its shoppers' mean purchase rate."""
    rate = base.behavior.purchase_rate
    return base.market.initial_shoppers * rate.shape / rate.rate


def twin_scenario(base: Scenario, summary: Summary, model: str, fit: Fit, spend: Fit, acquisition: AcquisitionFit,
                  scores: PatternScores, *, source: str, horizon_days: int) -> tuple[Scenario, float]:
    """The twin: `base` (what it extends) with the fitted keys set, and the factor its
    operations were scaled by."""
    customers = int(summary.x.size)
    new_per_day = acquisition.params.get("new_per_day", 0.0)
    if acquisition.model == "bass":
        new_per_day = float(np.mean(summary.new_per_day[-28:]))   # recent, for sizing the operations
    factor = orders_a_day(scores, new_per_day) / max(base_orders_a_day(base), 1e-9)
    behavior = {"purchase_rate": {"shape": fit.params["r"], "rate": fit.params["alpha"]},
                "spend": dict(spend.params), "one_transaction_a_day": True}
    if model == "bgnbd":
        behavior["dropout"] = {"enabled": True, "rule": "per_purchase", "a": fit.params["a"], "b": fit.params["b"]}
    else:
        behavior["dropout"] = {"enabled": True, "rule": "over_time", "s": fit.params["s"], "beta": fit.params["beta"]}
    if acquisition.model == "bass":
        size = max(customers, int(math.ceil(acquisition.params["m"])))
        acquisition_data = {"rule": "bass", "innovation": acquisition.params["p"],
                            "imitation": acquisition.params["q"], "talkers": "acquired"}
    else:
        rate = acquisition.params.get("new_per_day", 0.0)
        # Room for every newcomer the constant stream could bring (ten times its mean).
        size = customers + int(math.ceil(10 * rate * horizon_days)) + (100 if rate else 0)
        acquisition_data = {"rule": "constant", "new_per_day": rate}
    acquisition_data["joins_with_order"] = True
    start = summary.calibration_end
    description = (f"A twin of the customers in {source}: {customers:,} customers who bought from "
                   f"{summary.first_date} to {start - datetime.timedelta(days=1)}, fitted by growthsim calibrate "
                   f"({_model_name(model)} r {fit.params['r']:.3g}, alpha {fit.params['alpha']:.3g} days; Gamma-Gamma "
                   f"spend; acquisition {acquisition.model}). Day 0 is {start}. Operations and strategies come from "
                   f"the scenario it extends, the warehouse and desk scaled by {factor:.3g} to its orders a day.")
    data = {"name": "twin", "description": description, "start_date": start.isoformat(), "horizon_days": horizon_days,
            "market": {"size": size, "initial_shoppers": customers, "customers": CUSTOMERS_FILE},
            "acquisition": acquisition_data, "behavior": behavior, "feedback": {"neutral_at": "first_day"}}
    data.update(scaled_operations(base, factor))
    whole = _merge(base.model_dump(mode="json", exclude={"expect", "baseline", "title"}), data)
    return Scenario.model_validate(whole), factor


def _model_name(model: str) -> str:
    return {"bgnbd": "BG/NBD", "pareto_nbd": "Pareto/NBD"}[model]


def _merge(a: dict, b: dict) -> dict:
    out = dict(a)
    for key, value in b.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out
