"""Maximum likelihood over positive parameters: optimised on the log scale from several
starts, standard errors from the observed information (the inverse Hessian of the negative
log-likelihood at the optimum), carried back to the parameters by the delta method."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
from scipy import optimize


SCREEN_CUSTOMERS = 20_000   # starts are tried on this many customers when there are more
SCREEN_SEED = 1987


@dataclass
class Fit:
    """A model's maximum-likelihood fit: parameters, their standard errors and covariance."""

    model: str
    params: dict[str, float]
    loglik: float
    se: dict[str, float]
    covariance: np.ndarray          # of the parameters, in the order of `params`
    customers: int
    converged: bool
    problems: list[str] = field(default_factory=list)   # e.g. a parameter outside the valid range

    def vector(self) -> np.ndarray:
        return np.array(list(self.params.values()))


def maximise(negative_loglik: Callable[[np.ndarray], float], names: Sequence[str], starts: Sequence[Sequence[float]],
             method: str = "L-BFGS-B") -> tuple[np.ndarray, float, bool]:
    """The parameters (natural scale) that maximise the likelihood, the log-likelihood there,
    and whether the optimiser says it converged; the best of the starts."""
    best = None
    for start in starts:
        found = optimize.minimize(negative_loglik, np.log(np.asarray(start, dtype=float)), method=method,
                                  options={"maxiter": 10_000} if method != "Nelder-Mead" else
                                  {"maxiter": 20_000, "xatol": 1e-10, "fatol": 1e-12})
        if np.isfinite(found.fun) and (best is None or found.fun < best.fun):
            best = found
    if best is None:
        raise FloatingPointError(f"the likelihood is not finite at any start: {list(names)}")
    return np.exp(best.x), -float(best.fun), bool(best.success)


def standard_errors(negative_loglik: Callable[[np.ndarray], float], params: np.ndarray, step: float = 1e-3) -> np.ndarray:
    """Covariance of the parameters from the observed information on the log scale
    (delta method: cov(theta) = diag(theta) cov(log theta) diag(theta)); NaN where singular.

    The Hessian by central differences, a step of 0.1 % on the log scale: 1 + 2k^2
    evaluations for k parameters (33 for four), against 400 for scipy.differentiate's
    adaptive scheme, with the same standard errors to five digits (checked on both fits);
    a million customers' likelihood costs a twentieth of a second per evaluation."""
    centre = np.log(params)
    k = centre.size
    shift = np.eye(k) * step

    def at(*offsets: np.ndarray) -> float:
        return negative_loglik(centre + sum(offsets))

    information = np.empty((k, k))
    middle = at()
    for i in range(k):
        information[i, i] = (at(shift[i]) - 2 * middle + at(-shift[i])) / step ** 2
        for j in range(i):
            information[i, j] = information[j, i] = (
                at(shift[i], shift[j]) - at(shift[i], -shift[j]) - at(-shift[i], shift[j]) + at(-shift[i], -shift[j])
            ) / (4 * step ** 2)
    try:
        log_covariance = np.linalg.inv(information)
    except np.linalg.LinAlgError:
        return np.full((params.size, params.size), np.nan)
    return log_covariance * np.outer(params, params)


def fit_model(model: str, negative_loglik: Callable[[np.ndarray], float], names: Sequence[str],
              starts: Sequence[Sequence[float]], customers: int, method: str = "L-BFGS-B",
              screen: Callable[[np.ndarray], float] | None = None) -> Fit:
    """`screen`, the likelihood of a random subsample: the starts are tried on it, and only
    the best optimum found there is taken on to the whole data."""
    if screen is not None and len(starts) > 1:
        starts = [maximise(screen, names, starts, method)[0]]
    params, loglik, converged = maximise(negative_loglik, names, starts, method)
    covariance = standard_errors(negative_loglik, params)
    se = np.sqrt(np.diag(covariance))
    return Fit(model, dict(zip(names, params.tolist())), loglik, dict(zip(names, se.tolist())), covariance,
               customers, converged)


def weighted_sum(weight: np.ndarray, values: np.ndarray) -> float:
    """sum(weight * values), without BLAS: np.dot hands long vectors to OpenBLAS's threads,
    which on a busy two-core machine made one likelihood evaluation 20 to 100 times slower."""
    return float(np.sum(weight * values))


class Distinct:
    """Columns' distinct values and where each row's is: a term that depends on one column
    alone is computed once per value and gathered (a million customers have a few hundred
    distinct x and T, against some 170,000 distinct (x, t_x, T)); the fit's speed-up."""

    def __init__(self, **columns: np.ndarray) -> None:
        self.columns = {name: np.unique(values, return_inverse=True) for name, values in columns.items()}

    def of(self, name: str, term: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        values, where = self.columns[name]
        return term(values)[where.ravel()]


def per_value(distinct: Distinct | None, name: str, column: np.ndarray, term: Callable) -> np.ndarray:
    """`term(column)`, through `distinct` when there is one."""
    return term(column) if distinct is None else distinct.of(name, term)


def patterns(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """The distinct rows of these columns and how many customers share each: a million
    customers whose summaries are whole days shrink to far fewer likelihood terms."""
    unique, inverse = distinct_rows(*columns)
    return unique, np.bincount(inverse, minlength=unique[0].size).astype(float)


def distinct_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """The distinct rows of these columns (as columns, in order) and each row's place among
    them. Whole non-negative numbers (days, counts) are packed into one integer key, which
    sorts several times faster than rows do."""
    whole = all(c.size == 0 or (c.min() >= 0 and np.array_equal(c, np.floor(c))) for c in columns)
    spans = [int(c.max()) + 1 if c.size else 1 for c in columns]
    if whole and np.prod(np.array(spans, dtype=float)) < 2.0 ** 62:
        key = np.zeros(columns[0].size, dtype=np.int64)
        for column, span in zip(columns, spans):
            key = key * span + column.astype(np.int64)
        unique_keys, inverse = np.unique(key, return_inverse=True)
        unique = []
        for span in reversed(spans):
            unique_keys, digit = np.divmod(unique_keys, span)
            unique.append(digit.astype(float))
        return unique[::-1], inverse.ravel()
    stacked = np.column_stack(columns)
    unique, inverse = np.unique(stacked, axis=0, return_inverse=True)
    return [unique[:, k] for k in range(unique.shape[1])], inverse.ravel()


def fit_repeat_buying(model: str, log_likelihood: Callable, names: Sequence[str], x: np.ndarray, t_x: np.ndarray,
                      T: np.ndarray, starts: Sequence[Sequence[float]], method: str = "L-BFGS-B",
                      shared: Callable | None = None) -> Fit:
    """Fit a model of repeat buying (BG/NBD, Pareto/NBD) whose `log_likelihood(*params, x, t_x, T)`
    gives each customer's log-likelihood, to customers' (x, t_x, T). `shared(x, t_x, T)`, if
    given, prepares what every evaluation shares, passed to `log_likelihood` last."""
    columns = [np.asarray(c, float) for c in (x, t_x, T)]

    def likelihood_of(rows: slice | np.ndarray) -> Callable[[np.ndarray], float]:
        (xu, tu, Tu), weight = patterns(*(c[rows] for c in columns))
        extra = () if shared is None else (shared(xu, tu, Tu),)

        def negative_loglik(log_params: np.ndarray) -> float:
            with np.errstate(all="ignore"):
                value = -weighted_sum(weight, log_likelihood(*np.exp(log_params), xu, tu, Tu, *extra))
            return value if np.isfinite(value) else np.inf
        return negative_loglik

    return fit_model(model, likelihood_of(slice(None)), names, starts, len(x), method, screen=screen(likelihood_of, len(x)))


def screen(likelihood_of: Callable, customers: int) -> Callable[[np.ndarray], float] | None:
    """The likelihood of SCREEN_CUSTOMERS customers drawn at random (a fixed seed) when there
    are more: trying every start on all of a million customers would cost minutes."""
    if customers <= SCREEN_CUSTOMERS:
        return None
    return likelihood_of(np.random.default_rng(SCREEN_SEED).choice(customers, SCREEN_CUSTOMERS, replace=False))
