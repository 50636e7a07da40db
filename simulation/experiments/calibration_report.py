"""`growthsim report DIR` on a calibration folder (`growthsim calibrate --out DIR`): the
source, every fitted model with its standard errors, the acquisition fit, and the holdout
check as Fader, Hardie & Lee (2005) draw it: weekly and cumulative tracking, conditional
expectations by calibration frequency, the calibration histogram. Read from
calibration.json alone (docs/calibration.md is its contract), so any folder written by
any version that keeps the contract reports the same way.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from simulation.experiments.report_page import svg

CALIBRATION_FILE = "calibration.json"
REPEAT_MODELS = {"bgnbd": "BG/NBD", "pareto_nbd": "Pareto/NBD"}
MODEL_TITLES = {**REPEAT_MODELS, "gamma_gamma": "Gamma-Gamma (spend)"}
# Colours of the tracking charts: the data in black, the model dashed, the twin with its band.
ACTUAL, EXPECTED, TWIN = "#222222", "#c44e52", "#4c72b0"


def is_calibration(folder: Path) -> bool:
    return (Path(folder) / CALIBRATION_FILE).exists()


def calibration_sections(folder: Path) -> tuple[str, str, list[tuple[str, str]]]:
    """The report's title, its line under the title, and its sections (title, HTML)."""
    data = json.loads((Path(folder) / CALIBRATION_FILE).read_text(encoding="utf-8"))
    source, holdout = data["source"], data.get("holdout")
    sections = [("Source", source_table(source)),
                ("Fitted models", models_table(data) + f"<p>The twin uses <b>{html.escape(_model_name(data['model']))}</b>: "
                                                        f"{html.escape(data.get('model_why') or '')}.</p>"),
                ("Acquisition", acquisition_table(data["acquisition"]))]
    if holdout:
        weekly = holdout["weekly"]
        sections += [("Holdout: repeat transactions", holdout_table(holdout)),
                     ("Weekly tracking", tracking_chart(weekly, cumulative=False) + _short_week(holdout["days"])
                      + weekly_table(weekly)),
                     ("Cumulative tracking", tracking_chart(weekly, cumulative=True, total=holdout.get("simulated"),
                                                            bands=holdout.get("cumulative"))),
                     ("Conditional expectations by calibration frequency",
                      frequency_chart(holdout["by_frequency"]) + frequency_table(holdout["by_frequency"]))]
    else:
        sections.append(("Holdout", "<p>No holdout: the whole export was used to fit (calibrated without "
                                    "<code>--calibration-end</code>), so there is no forecast to check. Calibrate "
                                    "with an end date a few months before the last order to see how well it forecasts.</p>"))
    histogram = data.get("calibration_histogram") or []
    if histogram:
        sections.append(("Calibration histogram", histogram_chart(histogram) + histogram_table(histogram)))
    title = f"growthsim calibrate: {source['file']}"
    meta = (f"{source['customers']:,} customers, orders {source['first_date']} to {source['last_date']}, "
            f"calibration end {source['calibration_end']}; the twin: {_model_name(data['model'])}, "
            f"{data['twin']['horizon_days']} days from {data['twin']['start_date']}")
    return title, meta, sections


def _short_week(days: int) -> str:
    """The holdout rarely ends on a week's end: its last week's drop is its fewer days."""
    left = days % 7
    return f"<p>The last week has {left} day{'s' if left > 1 else ''} of the holdout's {days}.</p>" if left else ""


def _model_name(model: str) -> str:
    return MODEL_TITLES.get(model, model)


def _table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _value(x) -> str:
    """A parameter or figure: four significant digits, `–` when undefined."""
    if x is None:
        return "–"
    if isinstance(x, int):
        return f"{x:,}"
    return f"{x:,.0f}" if abs(x) >= 10_000 else f"{x:.4g}"


def _count(x) -> str:
    """A number of transactions or customers: whole when counted, one decimal when expected."""
    if x is None:
        return "–"
    return f"{x:,}" if isinstance(x, int) else f"{x:,.1f}"


def _interval(interval: dict | None) -> str:
    """A simulated count's mean and 95 % interval (counts are never negative: nor is the interval shown)."""
    if not interval:
        return "–"
    return f"{_count(interval['mean'])} ({_count(max(interval['ci_low'], 0.0))} – {_count(interval['ci_high'])})"


def source_table(source: dict) -> str:
    bad = source.get("bad_rows") or {}
    columns = source.get("columns") or {}
    rows = [["file", html.escape(str(source["file"]))],
            ["rows read", _value(source.get("rows"))],
            ["bad rows", _value(sum(bad.values())) + "".join(f"<br>{html.escape(str(reason))}: {count:,}"
                                                             for reason, count in bad.items())],
            ["rows left out by status", _value(source.get("filtered_rows"))],
            ["refunds netted", _value(source.get("refunds_netted"))],
            ["columns", ", ".join(f"{html.escape(role)} = {html.escape(str(header))}" for role, header in columns.items())],
            ["customers (first purchase before the calibration end)", _value(source["customers"])],
            ["first and last order", f"{source['first_date']} – {source['last_date']}"],
            ["calibration end (the holdout's first day)", source["calibration_end"]]]
    return _table(["", ""], rows)


def models_table(data: dict) -> str:
    """Every fitted model's parameters with standard errors, its log-likelihood and problems."""
    rows = []
    for key, title in MODEL_TITLES.items():
        fit = data.get(key)
        if not fit:
            continue
        used = " (the twin's)" if key == data["model"] else ""
        params = [name for name in fit["se"]]
        cells = "<br>".join(f"{html.escape(name)} = {_value(fit[name])} ± {_value(fit['se'][name])}" for name in params)
        notes = "; ".join(fit.get("problems") or []) or ("converged" if fit.get("converged") else "did not converge")
        rows.append([f"{html.escape(title)}{used}", cells, _value(fit.get("loglik")), _value(fit.get("customers")),
                     html.escape(notes)])
    return _table(["model", "parameters ± standard error (rates per day)", "log-likelihood", "customers", "fit"], rows)


def acquisition_table(acquisition: dict) -> str:
    rows = []
    for name, fit in (acquisition.get("fits") or {acquisition["model"]: acquisition}).items():
        params = "<br>".join(f"{html.escape(k)} = {_value(v)} ± {_value(fit['se'].get(k))}" for k, v in fit["params"].items())
        chosen = " (the twin's)" if name == acquisition["model"] else ""
        rows.append([html.escape(name) + chosen, params or "–", _value(fit.get("loglik")), _value(fit.get("aic"))])
    return (_table(["acquisition", "parameters ± standard error (per day)", "log-likelihood", "AIC"], rows)
            + f"<p>{html.escape(acquisition.get('why') or '')}. The first {acquisition.get('burn_in_days', 0)} days "
              "are not fitted: an export that starts in the middle of a shop's life shows its old customers "
              "as new there.</p>")


def holdout_table(holdout: dict) -> str:
    twin = _interval(holdout.get("simulated")) if holdout.get("simulated") else "not simulated"
    errors = ", ".join(f"{_model_name(k)} {_value(v)}" for k, v in (holdout.get("weekly_error") or {}).items())
    rows = [["holdout days", _value(holdout["days"])],
            ["actual repeat transactions", _count(holdout["actual_repeat_transactions"])],
            ["the model's expectation", _count(holdout["expected_repeat_transactions"])],
            ["the twin's simulation, mean (95 % interval)", twin],
            ["mean absolute weekly error", errors or "–"]]
    return _table(["", ""], rows)


def _simulated(weekly: list[dict], key: str) -> np.ndarray:
    return np.array([(w.get("simulated") or {}).get(key, np.nan) for w in weekly], dtype=float)


def tracking_chart(weekly: list[dict], *, cumulative: bool, total: dict | None = None,
                   bands: list[dict] | None = None) -> str:
    """Repeat transactions per week (or cumulative): actual, the model's expectation and the
    twin's mean with its 95 % band. The cumulative band is the replications' cumulative
    intervals (`bands`: holdout.cumulative); a folder written without them shows the total's
    interval at the last week."""
    weeks = np.array([w["week"] for w in weekly])
    actual = np.array([w["actual"] for w in weekly], dtype=float)
    expected = np.array([w["expected"] for w in weekly], dtype=float)
    mean, low, high = (_simulated(weekly, k) for k in ("mean", "ci_low", "ci_high"))
    if cumulative:
        actual, expected, mean = np.cumsum(actual), np.cumsum(expected), np.cumsum(mean)
        bands = [b["simulated"] for b in bands or () if b.get("simulated")]
        low, high = ((np.array([b["ci_low"] for b in bands], dtype=float), np.array([b["ci_high"] for b in bands], dtype=float))
                     if bands else (np.full(weeks.size, np.nan), np.full(weeks.size, np.nan)))
    figure, axes = plt.subplots(figsize=(7.5, 3.2))
    axes.plot(weeks, actual, color=ACTUAL, linewidth=1.6, label="actual")
    axes.plot(weeks, expected, color=EXPECTED, linewidth=1.6, linestyle="--", label="model's expectation")
    if np.isfinite(mean).any():
        shown = "95 % interval of the total" if cumulative and not bands else "95 % band"
        axes.plot(weeks, mean, color=TWIN, linewidth=1.2, label=f"twin's simulation (mean, {shown})")
        if np.isfinite(low).any():
            axes.fill_between(weeks, np.maximum(low, 0), high, color=TWIN, alpha=0.2)
        elif cumulative and total:
            axes.errorbar(weeks[-1], total["mean"], yerr=[[total["mean"] - max(total["ci_low"], 0)],
                                                          [total["ci_high"] - total["mean"]]],
                          color=TWIN, capsize=3)
    what = "Cumulative repeat transactions" if cumulative else "Repeat transactions per week"
    axes.set(title=f"{what} in the holdout", xlabel="week of the holdout", ylabel="transactions")
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    axes.legend(frameon=False, fontsize=8)
    return svg(figure)


def weekly_table(weekly: list[dict]) -> str:
    rows, actual_total, expected_total = [], 0, 0.0
    for w in weekly:
        actual_total += w["actual"]
        expected_total += w["expected"]
        rows.append([w["week"], _count(w["actual"]), _count(w["expected"]), _interval(w.get("simulated")),
                     _count(actual_total), _count(expected_total)])
    return _table(["week", "actual", "expected", "twin (95 % interval)", "cumulative actual", "cumulative expected"], rows)


def frequency_chart(groups: list[dict]) -> str:
    labels = [str(g["x"]) for g in groups]
    positions = np.arange(len(groups))
    figure, axes = plt.subplots(figsize=(7.5, 3.0))
    axes.plot(positions, [np.nan if g["actual"] is None else g["actual"] for g in groups], "o-", color=ACTUAL,
              label="actual")
    axes.plot(positions, [np.nan if g["expected"] is None else g["expected"] for g in groups], "s--", color=EXPECTED,
              label="model's expectation")
    axes.set_xticks(positions, labels)
    axes.set(title="Holdout repeat transactions per customer, by calibration repeat transactions",
             xlabel="repeat transactions in the calibration period", ylabel="per customer")
    axes.grid(alpha=0.3)
    axes.legend(frameon=False, fontsize=8)
    return svg(figure)


def _per_customer(x) -> str:
    return "–" if x is None else f"{x:.3f}"


def frequency_table(groups: list[dict]) -> str:
    return _table(["calibration repeat transactions", "customers", "actual per customer", "expected per customer"],
                  [[html.escape(str(g["x"])), _count(g["customers"]), _per_customer(g["actual"]), _per_customer(g["expected"])]
                   for g in groups])


def histogram_chart(histogram: list[dict]) -> str:
    positions = np.arange(len(histogram))
    figure, axes = plt.subplots(figsize=(7.5, 3.0))
    axes.bar(positions - 0.2, [h["actual"] for h in histogram], width=0.4, color=ACTUAL, label="actual")
    axes.bar(positions + 0.2, [h["expected"] for h in histogram], width=0.4, color=EXPECTED, alpha=0.8, label="model")
    axes.set_xticks(positions, [str(h["x"]) for h in histogram])
    axes.set(title="Customers by repeat transactions in the calibration period",
             xlabel="repeat transactions", ylabel="customers")
    axes.legend(frameon=False, fontsize=8)
    return svg(figure)


def histogram_table(histogram: list[dict]) -> str:
    return _table(["repeat transactions", "customers, actual", "customers, model"],
                  [[html.escape(str(h["x"])), _count(h["actual"]), _count(h["expected"])] for h in histogram])
