"""`growthsim calibrate`: a shop's orders in, a twin and how well it forecasts out.

calibrate()          fits every model (no files touched), chooses, builds the twin;
simulate_holdout()   runs the twin over the holdout (its replications' mean and interval);
write_calibration()  writes DIR whole or not at all: calibration.json (docs/calibration.md),
                     scenario.yaml, customers.parquet, scores.csv.
"""

from __future__ import annotations

import datetime
import json
import threading
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np
import polars as pl

from simulation.experiments.calibration.acquisition import AcquisitionFit, fit_acquisition
from simulation.experiments.calibration.customers import DAYS_PER_WEEK, Summary, summarise
from simulation.experiments.calibration.holdout import calibration_histogram, tracking
from simulation.experiments.calibration.mle import Fit
from simulation.experiments.calibration.models import PatternScores, choose_model, fit_all, usable
from simulation.experiments.calibration.twin import CUSTOMERS_FILE, customer_scores, twin_scenario
from simulation.experiments.replicate import Interval, run_replications
from simulation.kernel.scenario import DAYS_PER_YEAR, Scenario
from simulation.storage.loading import resolved_yaml
from simulation.storage.outputs import jsonable, replacing_folder, write_atomically

if TYPE_CHECKING:
    from simulation.storage.order_export import OrderLog

MIN_REPEAT_BUYERS = 20   # fewer customers with a repeat purchase than this leave the models unidentified


class CalibrationError(ValueError):
    """The orders cannot be calibrated as asked (the message says why and what to change)."""


@dataclass(frozen=True)
class CalibrationOptions:
    calibration_end: datetime.date | None = None
    discount_rate: float = 0.10          # yearly, for CLV
    acquisition: str = "auto"            # auto | none | constant | bass
    model: str = "auto"                  # auto | bgnbd | pareto_nbd
    keep_ids: bool = False


@dataclass
class Calibration:
    source: str
    log: OrderLog
    summary: Summary
    fits: dict[str, Fit]
    spend: Fit
    acquisition: AcquisitionFit
    acquisition_fits: dict[str, AcquisitionFit]
    acquisition_why: str
    model: str
    model_why: str
    tracking: dict[str, dict]            # per repeat model, when there is a holdout
    histogram: list[dict]
    twin: Scenario
    operations_factor: float
    scores: pl.DataFrame
    simulated: dict | None = None        # the twin over the holdout


Step = Callable[[str], None]


def calibrate(log: OrderLog, base: Scenario, options: CalibrationOptions = CalibrationOptions(),
              step: Step | None = None) -> Calibration:
    """Fit the orders of `log`; `base` gives what orders cannot (operations, strategies, margins)."""
    step = step or (lambda _: None)
    step("summarising customers")
    orders = log.orders
    if orders.height == 0:
        raise CalibrationError(f"{log.report.file}: no orders left to fit")
    summary = _summary(orders, options.calibration_end, log.report.file)
    if np.count_nonzero(summary.x > 0) < MIN_REPEAT_BUYERS:
        raise CalibrationError(f"{log.report.file}: only {np.count_nonzero(summary.x > 0)} customers bought again before "
                               f"{summary.calibration_end}; at least {MIN_REPEAT_BUYERS} are needed to fit repeat buying "
                               "(a later --calibration-end, or a longer export)")
    step("fitting BG/NBD, Pareto/NBD and Gamma-Gamma spend")
    fits, spend = fit_all(summary)
    step("fitting acquisition")
    try:
        acquisition, acquisition_fits, acquisition_why = fit_acquisition(summary.new_per_day, options.acquisition)
    except ValueError as error:
        raise CalibrationError(str(error)) from None
    step("holdout expectations")
    scores_by_model = {name: PatternScores(name, fit, summary) for name, fit in fits.items() if usable(fit)}
    holdout = summary.holdout_days > 0 and options.calibration_end is not None
    tracked = {name: tracking(scores, summary) for name, scores in scores_by_model.items()} if holdout else {}
    model, why = choose_model(options.model, fits, {n: t["weekly_error"] for n, t in tracked.items()} or None)
    problems = fits[model].problems + spend.problems
    if problems or model not in scores_by_model:
        raise CalibrationError(f"{log.report.file}: the {model} fit cannot drive a twin: " + "; ".join(problems or
                               ["its standard errors or parameters are not finite"]) + _fits_text(fits, spend))
    step("scoring customers")
    histogram = calibration_histogram(model, fits[model], summary)
    scores = customer_scores(scores_by_model[model], summary, spend, discount_rate=options.discount_rate,
                             gross_margin=base.economics.gross_margin, keep_ids=options.keep_ids)
    horizon = summary.holdout_days if holdout else int(DAYS_PER_YEAR)
    twin, factor = twin_scenario(base, summary, model, fits[model], spend, acquisition, scores_by_model[model],
                                 source=Path(log.report.file).name, horizon_days=horizon)
    return Calibration(log.report.file, log, summary, fits, spend, acquisition, acquisition_fits, acquisition_why,
                       model, why, tracked, histogram, twin, factor, scores)


def _summary(orders: pl.DataFrame, end: datetime.date | None, file: str) -> Summary:
    first, last = orders["day"].min(), orders["day"].max()
    if end is not None and not first < end <= last:
        raise CalibrationError(f"{file}: --calibration-end {end} is outside the orders' dates: it must be after the "
                               f"first ({first}) and at most the last ({last})")
    return summarise(orders, end)


def _fits_text(fits: dict[str, Fit], spend: Fit) -> str:
    return "".join(f"\n  {fit.model}: " + ", ".join(f"{k} {v:.4g}" for k, v in fit.params.items())
                   for fit in (*fits.values(), spend))


def simulate_holdout(calibration: Calibration, *, replications: int = 10, jobs: int | None = None,
                     progress=None, stop: threading.Event | None = None) -> dict:
    """Run the twin over the holdout: its customers' repeat transactions, cumulative and week by
    week, as the mean of `replications` with a 95 % interval. Setting `stop` abandons it
    (Cancelled, as run_replications)."""
    with tempfile.TemporaryDirectory(prefix="growthsim-twin-") as folder:
        path = Path(folder) / CUSTOMERS_FILE
        calibration.scores.write_parquet(path)
        twin = calibration.twin.model_copy(update={"market": calibration.twin.market.model_copy(
            update={"customers": str(path)})})
        runs = run_replications(twin, replications=replications, jobs=jobs, progress=progress, stop=stop).runs
    days = calibration.summary.holdout_days
    weeks = -(-days // DAYS_PER_WEEK)
    weekly = np.array([np.bincount(np.arange(days) // DAYS_PER_WEEK, weights=run.daily["orders_by_initial_shoppers"][:days],
                                   minlength=weeks) for run in runs])
    total = weekly.sum(axis=1)
    calibration.simulated = {
        "replications": len(runs),
        "total": _interval(total),
        "weekly": [_interval(weekly[:, k]) for k in range(weeks)],
        "cumulative": [_interval(column) for column in np.cumsum(weekly, axis=1).T],
    }
    return calibration.simulated


def _interval(values: np.ndarray) -> dict:
    interval = Interval.of(values)
    return {"mean": interval.mean, "ci_low": interval.ci_low, "ci_high": interval.ci_high}


def calibration_json(calibration: Calibration) -> dict:
    """The contract of calibration.json (docs/calibration.md)."""
    c, s, report = calibration, calibration.summary, calibration.log.report
    data = {
        "source": {"file": c.source, "rows": report.rows, "bad_rows": report.bad_rows, "filtered_rows": report.filtered_rows,
                   "refunds_netted": report.refunds_netted, "columns": report.columns, "customers": int(s.x.size),
                   "first_date": s.first_date.isoformat(), "last_date": s.last_date.isoformat(),
                   "calibration_end": s.calibration_end.isoformat()},
        "units": "days",
        "model": c.model, "model_why": c.model_why,
        **{name: _fit_json(fit) for name, fit in c.fits.items()},
        "gamma_gamma": _fit_json(c.spend),
        "acquisition": c.acquisition.as_json() | {"why": c.acquisition_why,
                                                  "fits": {n: f.as_json() for n, f in c.acquisition_fits.items()}},
        "calibration_histogram": c.histogram,
        "twin": {"horizon_days": c.twin.horizon_days, "start_date": c.twin.start_date.isoformat(),
                 "operations_scaled_by": c.operations_factor},
        "holdout": None,
    }
    if c.tracking:
        chosen = c.tracking[c.model]
        holdout = {key: chosen[key] for key in ("days", "actual_repeat_transactions", "expected_repeat_transactions")}
        holdout["simulated"] = c.simulated["total"] if c.simulated else None
        holdout["weekly"] = [row | {"simulated": c.simulated["weekly"][k] if c.simulated else None}
                             for k, row in enumerate(chosen["weekly"])]
        cumulative_actual = np.cumsum([row["actual"] for row in chosen["weekly"]])
        cumulative_expected = np.cumsum([row["expected"] for row in chosen["weekly"]])
        holdout["cumulative"] = [{"week": row["week"], "actual": int(a), "expected": float(e),
                                  "simulated": c.simulated["cumulative"][k] if c.simulated else None}
                                 for k, (row, a, e) in enumerate(zip(chosen["weekly"], cumulative_actual,
                                                                     cumulative_expected))]
        holdout["by_frequency"] = chosen["by_frequency"]
        holdout["weekly_error"] = {name: t["weekly_error"] for name, t in c.tracking.items()}
        data["holdout"] = holdout
    return data


def calibration_json_text(calibration: Calibration) -> str:
    """calibration.json as written and printed: strict JSON (an undefined figure is null)."""
    return json.dumps(jsonable(calibration_json(calibration)), indent=2, ensure_ascii=False)


def _fit_json(fit: Fit) -> dict:
    return {**fit.params, "loglik": fit.loglik, "se": fit.se, "customers": fit.customers, "converged": fit.converged,
            "problems": fit.problems}


def write_calibration(calibration: Calibration, out: Path) -> list[Path]:
    """DIR whole or not at all (a folder written beside it takes its place in one step)."""
    names = ("calibration.json", "scenario.yaml", CUSTOMERS_FILE, "scores.csv")
    with replacing_folder(out) as folder:
        calibration.scores.write_parquet(folder / CUSTOMERS_FILE)
        calibration.scores.write_csv(folder / "scores.csv")
        write_atomically(folder / "calibration.json", lambda f: f.write(calibration_json_text(calibration)))
        header = f"# {calibration.twin.description}\n# Written by growthsim calibrate; docs/calibration.md says what is fitted.\n"
        write_atomically(folder / "scenario.yaml", lambda f: f.write(header + resolved_yaml(calibration.twin)))
    return [Path(out) / name for name in names]

