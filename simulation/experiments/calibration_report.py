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

from simulation.experiments.report_page import chart_, svg
from simulation.kernel.language import N_, _, ngettext

CALIBRATION_FILE = "calibration.json"
REPEAT_MODELS = {"bgnbd": "BG/NBD", "pareto_nbd": "Pareto/NBD"}
MODEL_TITLES = {**REPEAT_MODELS, "gamma_gamma": N_("Gamma-Gamma (spend)")}
# Colours of the tracking charts: the data in black, the model dashed, the twin with its band.
ACTUAL, EXPECTED, TWIN = "#222222", "#c44e52", "#4c72b0"


def is_calibration(folder: Path) -> bool:
    return (Path(folder) / CALIBRATION_FILE).exists()


def calibration_sections(folder: Path) -> tuple[str, str, list[tuple[str, str]]]:
    """The report's title, its line under the title, and its sections (title, HTML)."""
    data = json.loads((Path(folder) / CALIBRATION_FILE).read_text(encoding="utf-8"))
    source, holdout = data["source"], data.get("holdout")
    uses = html.escape(_("The twin uses {model}: {why}.")).format(
        model=f"<b>{html.escape(_model_name(data['model']))}</b>", why=html.escape(data.get("model_why") or ""))
    sections = [(_("Source"), source_table(source)),
                (_("Fitted models"), models_table(data) + f"<p>{uses}</p>"),
                (_("Acquisition"), acquisition_table(data["acquisition"]))]
    if holdout:
        weekly = holdout["weekly"]
        sections += [(_("Holdout: repeat transactions"), holdout_table(holdout)),
                     (_("Weekly tracking"), tracking_chart(weekly, cumulative=False) + _short_week(holdout["days"])
                      + weekly_table(weekly)),
                     (_("Cumulative tracking"), tracking_chart(weekly, cumulative=True, total=holdout.get("simulated"),
                                                            bands=holdout.get("cumulative"))),
                     (_("Conditional expectations by calibration frequency"),
                      frequency_chart(holdout["by_frequency"]) + frequency_table(holdout["by_frequency"]))]
    else:
        sections.append((_("Holdout"), "<p>" + html.escape(_(
            "No holdout: the whole export was used to fit (calibrated without --calibration-end), so there is no "
            "forecast to check. Calibrate with an end date a few months before the last order to see how well it "
            "forecasts.")) + "</p>"))
    histogram = data.get("calibration_histogram") or []
    if histogram:
        sections.append((_("Calibration histogram"), histogram_chart(histogram) + histogram_table(histogram)))
    title = _("growthsim calibrate: {file}").format(file=source["file"])
    meta = _("{customers} customers, orders {first} to {last}, calibration end {end}; the twin: {model}, {days} days "
             "from {start}").format(customers=f"{source['customers']:,}", first=source["first_date"],
                                    last=source["last_date"], end=source["calibration_end"],
                                    model=_model_name(data["model"]), days=data["twin"]["horizon_days"],
                                    start=data["twin"]["start_date"])
    return title, meta, sections


def _short_week(days: int) -> str:
    """The holdout rarely ends on a week's end: its last week's drop is its fewer days."""
    left = days % 7
    text = ngettext("The last week has {left} day of the holdout's {days}.",
                    "The last week has {left} days of the holdout's {days}.", left).format(left=left, days=days)
    return f"<p>{html.escape(text)}</p>" if left else ""


def _model_name(model: str) -> str:
    return _(MODEL_TITLES[model]) if model in MODEL_TITLES else model


def _table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(_(h) if h else h)}</th>" for h in header)   # N_-marked headers
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
    rows = [[_("file"), html.escape(str(source["file"]))],
            [_("rows read"), _value(source.get("rows"))],
            [_("bad rows"), _value(sum(bad.values())) + "".join(f"<br>{html.escape(_(str(reason)))}: {count:,}"
                                                             for reason, count in bad.items())],
            [_("rows left out by status"), _value(source.get("filtered_rows"))],
            [_("refunds netted"), _value(source.get("refunds_netted"))],
            [_("columns"), ", ".join(f"{html.escape(role)} = {html.escape(str(header))}" for role, header in columns.items())],
            [_("customers (first purchase before the calibration end)"), _value(source["customers"])],
            [_("first and last order"), f"{source['first_date']} – {source['last_date']}"],
            [_("calibration end (the holdout's first day)"), source["calibration_end"]]]
    return _table(["", ""], rows)


def models_table(data: dict) -> str:
    """Every fitted model's parameters with standard errors, its log-likelihood and problems."""
    rows = []
    for key, title in MODEL_TITLES.items():
        fit = data.get(key)
        if not fit:
            continue
        used = _(" (the twin's)") if key == data["model"] else ""
        params = [name for name in fit["se"]]
        cells = "<br>".join(f"{html.escape(name)} = {_value(fit[name])} ± {_value(fit['se'][name])}" for name in params)
        notes = "; ".join(fit.get("problems") or []) or (_("converged") if fit.get("converged") else _("did not converge"))
        rows.append([f"{html.escape(_(title))}{html.escape(used)}", cells, _value(fit.get("loglik")), _value(fit.get("customers")),
                     html.escape(notes)])
    return _table([N_("model"), N_("parameters ± standard error (rates per day)"), N_("log-likelihood"), N_("customers"),
                   N_("fit")], rows)


def acquisition_table(acquisition: dict) -> str:
    rows = []
    for name, fit in (acquisition.get("fits") or {acquisition["model"]: acquisition}).items():
        params = "<br>".join(f"{html.escape(k)} = {_value(v)} ± {_value(fit['se'].get(k))}" for k, v in fit["params"].items())
        chosen = _(" (the twin's)") if name == acquisition["model"] else ""
        rows.append([html.escape(name + chosen), params or "–", _value(fit.get("loglik")), _value(fit.get("aic"))])
    burn_in = _("The first {days} days are not fitted: an export that starts in the middle of a shop's life shows "
                "its old customers as new there.").format(days=acquisition.get("burn_in_days", 0))
    return (_table([N_("acquisition"), N_("parameters ± standard error (per day)"), N_("log-likelihood"), "AIC"], rows)
            + f"<p>{html.escape(acquisition.get('why') or '')}. {html.escape(burn_in)}</p>")


def holdout_table(holdout: dict) -> str:
    twin = _interval(holdout.get("simulated")) if holdout.get("simulated") else _("not simulated")
    errors = ", ".join(f"{_model_name(k)} {_value(v)}" for k, v in (holdout.get("weekly_error") or {}).items())
    rows = [[_("holdout days"), _value(holdout["days"])],
            [_("actual repeat transactions"), _count(holdout["actual_repeat_transactions"])],
            [_("the model's expectation"), _count(holdout["expected_repeat_transactions"])],
            [_("the twin's simulation, mean (95 % interval)"), twin],
            [_("mean absolute weekly error"), errors or "–"]]
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
    axes.plot(weeks, actual, color=ACTUAL, linewidth=1.6, label=chart_(N_("actual")))
    axes.plot(weeks, expected, color=EXPECTED, linewidth=1.6, linestyle="--", label=chart_(N_("model's expectation")))
    if np.isfinite(mean).any():
        label = (N_("twin's simulation (mean, 95 % interval of the total)") if cumulative and not bands
                 else N_("twin's simulation (mean, 95 % band)"))
        axes.plot(weeks, mean, color=TWIN, linewidth=1.2, label=chart_(label))
        if np.isfinite(low).any():
            axes.fill_between(weeks, np.maximum(low, 0), high, color=TWIN, alpha=0.2)
        elif cumulative and total:
            axes.errorbar(weeks[-1], total["mean"], yerr=[[total["mean"] - max(total["ci_low"], 0)],
                                                          [total["ci_high"] - total["mean"]]],
                          color=TWIN, capsize=3)
    title = N_("Cumulative repeat transactions in the holdout") if cumulative else N_("Repeat transactions per week in the holdout")
    axes.set(title=chart_(title), xlabel=chart_(N_("week of the holdout")), ylabel=chart_(N_("transactions")))
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
    return _table([N_("week"), N_("actual"), N_("expected"), N_("twin (95 % interval)"), N_("cumulative actual"),
                   N_("cumulative expected")], rows)


def frequency_chart(groups: list[dict]) -> str:
    labels = [str(g["x"]) for g in groups]
    positions = np.arange(len(groups))
    figure, axes = plt.subplots(figsize=(7.5, 3.0))
    axes.plot(positions, [np.nan if g["actual"] is None else g["actual"] for g in groups], "o-", color=ACTUAL,
              label=chart_(N_("actual")))
    axes.plot(positions, [np.nan if g["expected"] is None else g["expected"] for g in groups], "s--", color=EXPECTED,
              label=chart_(N_("model's expectation")))
    axes.set_xticks(positions, labels)
    axes.set(title=chart_(N_("Holdout repeat transactions per customer, by calibration repeat transactions")),
             xlabel=chart_(N_("repeat transactions in the calibration period")), ylabel=chart_(N_("per customer")))
    axes.grid(alpha=0.3)
    axes.legend(frameon=False, fontsize=8)
    return svg(figure)


def _per_customer(x) -> str:
    return "–" if x is None else f"{x:.3f}"


def frequency_table(groups: list[dict]) -> str:
    return _table([N_("calibration repeat transactions"), N_("customers"), N_("actual per customer"),
                   N_("expected per customer")],
                  [[html.escape(str(g["x"])), _count(g["customers"]), _per_customer(g["actual"]), _per_customer(g["expected"])]
                   for g in groups])


def histogram_chart(histogram: list[dict]) -> str:
    positions = np.arange(len(histogram))
    figure, axes = plt.subplots(figsize=(7.5, 3.0))
    axes.bar(positions - 0.2, [h["actual"] for h in histogram], width=0.4, color=ACTUAL, label=chart_(N_("actual")))
    axes.bar(positions + 0.2, [h["expected"] for h in histogram], width=0.4, color=EXPECTED, alpha=0.8, label=chart_(N_("model")))
    axes.set_xticks(positions, [str(h["x"]) for h in histogram])
    axes.set(title=chart_(N_("Customers by repeat transactions in the calibration period")),
             xlabel=chart_(N_("repeat transactions")), ylabel=chart_(N_("customers")))
    axes.legend(frameon=False, fontsize=8)
    return svg(figure)


def histogram_table(histogram: list[dict]) -> str:
    return _table([N_("repeat transactions"), N_("customers, actual"), N_("customers, model")],
                  [[html.escape(str(h["x"])), _count(h["actual"]), _count(h["expected"])] for h in histogram])
