"""Maximum likelihood over positive parameters: optimised on the log scale from several
starts, standard errors from the observed information (the inverse Hessian of the negative
log-likelihood at the optimum), carried back to the parameters by the delta method."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
from scipy import optimize
from scipy.differentiate import hessian


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


def standard_errors(negative_loglik: Callable[[np.ndarray], float], params: np.ndarray) -> np.ndarray:
    """Covariance of the parameters from the observed information on the log scale
    (delta method: cov(theta) = diag(theta) cov(log theta) diag(theta)); NaN where singular."""
    def batched(log_params: np.ndarray) -> np.ndarray:
        return np.apply_along_axis(negative_loglik, 0, log_params)

    information = hessian(batched, np.log(params)).ddf
    try:
        log_covariance = np.linalg.inv(information)
    except np.linalg.LinAlgError:
        return np.full((params.size, params.size), np.nan)
    return log_covariance * np.outer(params, params)


def fit_model(model: str, negative_loglik: Callable[[np.ndarray], float], names: Sequence[str],
              starts: Sequence[Sequence[float]], customers: int, method: str = "L-BFGS-B") -> Fit:
    params, loglik, converged = maximise(negative_loglik, names, starts, method)
    covariance = standard_errors(negative_loglik, params)
    se = np.sqrt(np.diag(covariance))
    return Fit(model, dict(zip(names, params.tolist())), loglik, dict(zip(names, se.tolist())), covariance,
               customers, converged)


def patterns(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """The distinct rows of these columns and how many customers share each: a million
    customers whose summaries are whole days shrink to far fewer likelihood terms."""
    stacked = np.column_stack(columns)
    unique, counts = np.unique(stacked, axis=0, return_counts=True)
    return [unique[:, k] for k in range(unique.shape[1])], counts.astype(float)


def fit_repeat_buying(model: str, log_likelihood: Callable, names: Sequence[str], x: np.ndarray, t_x: np.ndarray,
                      T: np.ndarray, starts: Sequence[Sequence[float]], method: str = "L-BFGS-B") -> Fit:
    """Fit a model of repeat buying (BG/NBD, Pareto/NBD) whose `log_likelihood(*params, x, t_x, T)`
    gives each customer's log-likelihood, to customers' (x, t_x, T)."""
    (xu, tu, Tu), weight = patterns(np.asarray(x, float), np.asarray(t_x, float), np.asarray(T, float))

    def negative_loglik(log_params: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            value = -float(np.dot(weight, log_likelihood(*np.exp(log_params), xu, tu, Tu)))
        return value if np.isfinite(value) else np.inf

    return fit_model(model, negative_loglik, names, starts, len(x), method)
