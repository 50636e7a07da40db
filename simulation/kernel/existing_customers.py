"""A platform's own customers on day 0, each drawn from the fitted model given its history.

`growthsim calibrate` writes one row per customer (`market.customers`, Parquet) with the
summary the models are fitted on: x repeat transactions, t_x the day of the last after the
first purchase, T the days from the first purchase to day 0, the mean value of the repeat
transactions, and P(alive) under the fit. A replication draws each customer's latent state
from the posterior (Fader, Hardie & Lee 2005; docs/calibration.md):

* alive with probability P(alive | x, t_x, T);
* alive: lambda ~ Gamma(r + x, alpha + T); BG/NBD p ~ Beta(a, b + x); Pareto/NBD
  mu ~ Gamma(s, beta + T);
* gone: BG/NBD, having left at its last purchase, lambda ~ Gamma(r + x, alpha + t_x),
  p ~ Beta(a + 1, b + x - 1); Pareto/NBD, having left at a time tau in (t_x, T) of density
  proportional to (alpha + tau)^-(r + x) (beta + tau)^-(s + 1), lambda ~ Gamma(r + x, alpha + tau),
  mu ~ Gamma(s + 1, beta + tau). Gone customers are kept (not alive) so that a win-back
  tactic has someone to win back;
* spend nu ~ Gamma(p x + q, gamma + m x) (Gamma-Gamma), the prior Gamma(q, gamma) when x = 0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

COLUMNS = ("x", "t_x", "T", "mean_value", "p_alive", "recency")   # recency: days from the last transaction to day 0
TAU_GRID = 64   # points on (t_x, T) for drawing a gone Pareto/NBD customer's time of leaving


class CustomersFileError(ValueError):
    """The customers file is missing, unreadable or lacks a column."""


def read_customers(path: str | Path) -> dict[str, np.ndarray]:
    """The columns of a customers file the draws need, as float arrays."""
    import polars as pl   # only a twin needs it

    try:
        table = pl.read_parquet(path, columns=list(COLUMNS))
    except (OSError, pl.exceptions.PolarsError) as error:
        raise CustomersFileError(f"{path}: cannot read the customers file: {error}") from None
    return {name: table[name].cast(pl.Float64).to_numpy() for name in COLUMNS}


def customers_in_file(path: str | Path) -> int:
    """Rows of a customers file (its metadata only), checking it has every column the draws need."""
    import polars as pl

    try:
        schema = pl.read_parquet_schema(path)
        rows = pl.scan_parquet(path).select(pl.len()).collect().item()
    except (OSError, pl.exceptions.PolarsError) as error:
        raise CustomersFileError(f"cannot read the customers file: {error}") from None
    missing = [name for name in COLUMNS if name not in schema]
    if missing:
        raise CustomersFileError(f"the customers file lacks the columns {missing} (growthsim calibrate writes them)")
    return int(rows)


def posterior_traits(behavior, customers: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Each customer's purchase rate, dropout trait, spend rate and whether it is alive,
    drawn given its history (module docstring). `behavior` is the scenario's section."""
    x, t_x, T, m = (customers[name] for name in ("x", "t_x", "T", "mean_value"))
    n = x.size
    alive = rng.random(n) < customers["p_alive"]
    purchase, dropout = behavior.purchase_rate, behavior.dropout
    r, alpha = purchase.shape, purchase.rate
    traits: dict[str, np.ndarray] = {"alive": alive}
    if dropout.enabled and dropout.rule == "over_time":
        tau = T.copy()
        gone = np.flatnonzero(~alive)
        tau[gone] = _time_of_leaving(r, alpha, dropout.s, dropout.beta, x[gone], t_x[gone], T[gone], rng)
        traits["purchase_rate"] = rng.gamma(r + x, 1.0 / (alpha + tau))
        traits["dropout_rate"] = rng.gamma(np.where(alive, dropout.s, dropout.s + 1.0), 1.0 / (dropout.beta + tau))
        traits["hazard_left"] = rng.standard_exponential(n)   # memoryless: an alive customer's lifetime left
    else:
        traits["purchase_rate"] = rng.gamma(r + x, 1.0 / (alpha + np.where(alive, T, t_x)))
        if dropout.enabled:
            # Gone after its last purchase (possible only when x > 0): Beta(a + 1, b + x - 1).
            gone = ~alive & (x > 0)
            traits["dropout_probability"] = rng.beta(dropout.a + gone, dropout.b + x - gone)
    spend = behavior.spend
    repeat = x > 0
    shape = np.where(repeat, spend.p * x + spend.q, spend.q)
    rate = np.where(repeat, spend.gamma + np.where(repeat, m, 0.0) * x, spend.gamma)
    traits["spend_rate"] = rng.gamma(shape, 1.0 / rate)
    return traits


def _time_of_leaving(r, alpha, s, beta, x, t_x, T, rng: np.random.Generator, chunk: int = 65_536) -> np.ndarray:
    """For each customer, a time in (t_x, T) drawn with density proportional to
    (alpha + tau)^-(r + x) (beta + tau)^-(s + 1): on a grid of cells, a cell by its mass
    (midpoint rule), then uniformly within it. Vectorised over customers, a chunk at a
    time so the grid stays small."""
    if x.size > chunk:
        return np.concatenate([_time_of_leaving(r, alpha, s, beta, x[k:k + chunk], t_x[k:k + chunk], T[k:k + chunk], rng)
                               for k in range(0, x.size, chunk)])
    fraction = (np.arange(TAU_GRID) + 0.5) / TAU_GRID
    width = (T - t_x)[:, None]
    tau = t_x[:, None] + fraction[None, :] * width
    log_density = -(r + x)[:, None] * np.log(alpha + tau) - (s + 1.0) * np.log(beta + tau)
    weight = np.exp(log_density - log_density.max(axis=1, keepdims=True))
    cumulative = np.cumsum(weight, axis=1)
    pick = rng.random(x.size)[:, None] * cumulative[:, -1:]
    cell = np.minimum((cumulative < pick).sum(axis=1), TAU_GRID - 1)
    return t_x + (cell + rng.random(x.size)) / TAU_GRID * (T - t_x)
