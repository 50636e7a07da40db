"""New customers a day, fitted to first purchases: none, constant or Bass diffusion.

An export that starts in the middle of a shop's life is left truncated: a customer who
bought before the export looks new at its first order inside it. The first `burn_in` days
are therefore not fitted: the customers first seen in them are taken as acquired before
(Bass's m counts them, as the customers already on the platform), and the fit explains
the first purchases a day after them (Schmittlein & Mahajan 1982: a Poisson count a day,
given those acquired so far). The Bass day is the engine's own
(simulation/kernel/acquisition.py) with everyone acquired talking, so the twin's
acquisition is the model fitted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import special

from simulation.experiments.calibration.mle import fit_model
from simulation.kernel.acquisition import bass_day_join_probability

MODELS = ("none", "constant", "bass")
BURN_IN_DAYS = 90   # at most; a quarter of the calibration period when that is shorter


@dataclass
class AcquisitionFit:
    model: str
    params: dict[str, float]
    se: dict[str, float]
    loglik: float            # of the first purchases a day after the burn-in
    aic: float
    burn_in_days: int
    problems: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"model": self.model, "params": self.params, "se": self.se, "loglik": self.loglik, "aic": self.aic,
                "burn_in_days": self.burn_in_days, "problems": self.problems}


def burn_in(calibration_days: int) -> int:
    return min(BURN_IN_DAYS, calibration_days // 4)


def poisson_loglik(counts: np.ndarray, means: np.ndarray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = special.xlogy(counts, means) - means - special.gammaln(counts + 1.0)
    return float(np.sum(terms))


def fit_none(new_per_day: np.ndarray) -> AcquisitionFit:
    """No new customers: impossible (log-likelihood -inf) once anyone is first seen after the burn-in."""
    skip = burn_in(new_per_day.size)
    later = new_per_day[skip:]
    loglik = 0.0 if not later.any() else -np.inf
    return AcquisitionFit("none", {}, {}, loglik, -2 * loglik, skip)


def fit_constant(new_per_day: np.ndarray) -> AcquisitionFit:
    """A Poisson number a day with a constant mean: the maximum is the mean count."""
    skip = burn_in(new_per_day.size)
    later = new_per_day[skip:]
    rate = float(later.mean()) if later.size else 0.0
    se = float(np.sqrt(rate / later.size)) if later.size else float("nan")
    loglik = poisson_loglik(later, np.full(later.size, rate))
    return AcquisitionFit("constant", {"new_per_day": rate}, {"new_per_day": se}, loglik, 2 - 2 * loglik, skip)


def bass_means(p: float, q: float, market: float, acquired: np.ndarray) -> np.ndarray:
    """Expected first purchases on each day, given those acquired before it."""
    return (market - acquired) * bass_day_join_probability(p, q, acquired, acquired, market)


def fit_bass(new_per_day: np.ndarray) -> AcquisitionFit:
    """Bass's p, q (per day) and m (customers ever), m above every customer seen; m is fitted as
    the customers beyond those seen (`m_beyond`), so all three stay positive on the log scale."""
    skip = burn_in(new_per_day.size)
    acquired_before = np.cumsum(new_per_day) - new_per_day     # at the start of each day
    counts, acquired = new_per_day[skip:], acquired_before[skip:]
    seen = float(new_per_day.sum())

    def negative_loglik(log_params: np.ndarray) -> float:
        p, q, beyond = np.exp(log_params)
        value = -poisson_loglik(counts, bass_means(p, q, seen + beyond, acquired))
        return value if np.isfinite(value) else np.inf

    daily = max(float(counts.mean()), 1e-3) if counts.size else 1.0
    starts = [(daily / (seen * k), 1e-3, seen * k) for k in (0.5, 2.0, 10.0)] + [(daily / seen, 0.02, seen)]
    fit = fit_model("bass", negative_loglik, ("p", "q", "m_beyond"), starts, int(seen))
    params = {"p": fit.params["p"], "q": fit.params["q"], "m": seen + fit.params["m_beyond"]}
    se = {"p": fit.se["p"], "q": fit.se["q"], "m": fit.se["m_beyond"]}
    problems = [] if fit.converged else ["the optimiser did not report convergence"]
    if not all(np.isfinite(list(se.values()))):
        problems.append("standard errors undefined: m is at the customers already seen (the market looks exhausted)")
    return AcquisitionFit("bass", params, se, fit.loglik, 6 - 2 * fit.loglik, skip, problems)


def fit_acquisition(new_per_day: np.ndarray, model: str = "auto") -> tuple[AcquisitionFit, dict[str, AcquisitionFit], str]:
    """The fit chosen, every model's fit, and why: `auto` takes the lowest AIC."""
    fits = {"none": fit_none(new_per_day), "constant": fit_constant(new_per_day)}
    if new_per_day[burn_in(new_per_day.size):].sum() > 0:
        fits["bass"] = fit_bass(new_per_day)
    if model != "auto":
        if model not in fits:
            raise ValueError(f"--acquisition {model}: no customer is first seen after the burn-in, nothing to fit")
        return fits[model], fits, f"--acquisition {model}"
    best = min(fits.values(), key=lambda fit: fit.aic)
    others = ", ".join(f"{name} {fit.aic:.1f}" for name, fit in fits.items() if fit is not best)
    return best, fits, f"lowest AIC: {best.model} {best.aic:.1f} (against {others})"
