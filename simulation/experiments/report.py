"""`growthsim report`: one self-contained HTML file with the charts of a run, a
comparison or a calibration, read back from the files `run --out`, `compare --out` and
`calibrate --out` wrote (calibrations: calibration_report.py).

Charts are matplotlib figures inlined as SVG, so the file opens anywhere, offline.
"""

from __future__ import annotations

import html
import json
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")   # no display: reports are made on CI runners too
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from simulation.experiments.calibration_report import calibration_sections, is_calibration  # noqa: E402
from simulation.experiments.compare import SERIES, bands, percent_text, rolling, roi_text  # noqa: E402
from simulation.experiments.report_page import GENERATOR, chart_, charts_in_english, page, sections_html, svg  # noqa: E402
from simulation.kernel.currency import DEFAULT_CURRENCY, format_money  # noqa: E402
from simulation.kernel.language import N_, _, ngettext, term  # noqa: E402
from simulation.kernel.registry import registry  # noqa: E402
from simulation.storage.outputs import read_csv as read_csv_rows, write_named_file  # noqa: E402

FUNNEL = ("visits", "browse", "cart", "checkout", "orders")
MONEY_TERMS = {"shipping_fees": "shipping_fee_revenue", "membership_fees": "membership_fee_revenue"}   # line: its KPI
FUNNEL_LABELS = {"visits": N_("visits"), "browse": N_("browse"), "cart": N_("cart"), "checkout": N_("checkout"),
                 "orders": N_("orders")}


class ReportError(Exception):
    """The folder holds no run or comparison to report on."""


def read_csv(path: Path) -> dict[str, np.ndarray]:
    """A CSV file of a run as columns: numbers where every value is one (empty: NaN)."""
    try:
        rows = read_csv_rows(path)
    except (ValueError, UnicodeDecodeError) as error:
        raise ReportError(f"{path}: not a CSV file growthsim wrote: {error}") from None
    if not rows:
        return {}
    columns = {}
    for name in rows[0]:
        values = [row[name] for row in rows]
        try:
            columns[name] = np.array([float(v) if v != "" else np.nan for v in values])
        except ValueError:
            columns[name] = np.array(values, dtype=object)
    return columns


def by_replication(table: dict[str, np.ndarray], column: str) -> np.ndarray:
    """Replications x days of one time-series column."""
    reps = np.unique(table["replication"]).astype(int)
    return np.vstack([table[column][table["replication"] == r] for r in reps])


def band_chart(title: str, series: dict[str, np.ndarray], ylabel: str) -> str:
    """Mean over replications with the 2.5-97.5 % band, one line per series (replications x days)."""
    return bands_chart(title, {label: bands(values) for label, values in series.items()}, ylabel)


def bands_chart(title: str, series: dict[str, dict], ylabel: str) -> str:
    """One line per series from its bands (compare.bands: mean, low, high per day)."""
    figure, axes = plt.subplots(figsize=(7.5, 3.2))
    for label, band in series.items():
        as_array = lambda values: np.array([np.nan if v is None else v for v in values], dtype=float)   # noqa: E731
        mean, low, high = as_array(band["mean"]), as_array(band["low"]), as_array(band["high"])
        days = np.arange(mean.size)
        axes.plot(days, mean, label=label, linewidth=1.6)
        if np.isfinite(low).any():
            axes.fill_between(days, low, high, alpha=0.2)
    axes.set(title=title, xlabel=chart_(N_("day")), ylabel=ylabel)
    axes.grid(alpha=0.3)
    if len(series) > 1:
        axes.legend(frameon=False)
    return svg(figure)


def money_chart(timeseries: dict[str, np.ndarray], currency: str = DEFAULT_CURRENCY) -> str:
    series = {name: rolling(by_replication(timeseries, name))
              for name in ("revenue", "marketing_cost", "operations_cost", "contribution", "shipping_fees",
                           "membership_fees", "forfeited_deposits") if name in timeseries
              and (name != "forfeited_deposits" or np.any(timeseries[name]))}    # only a pre-sale books it
    if not charts_in_english():   # the ledger's lines by their KPI's term
        series = {term("KPI", MONEY_TERMS.get(name, name)): values for name, values in series.items()}
    return band_chart(chart_(N_("Revenue, fee income and cost per day (7-day average)")), series,
                      chart_(N_("money ({currency})")).format(currency=currency))


def cohort_heatmap(cohorts: dict[str, np.ndarray]) -> str:
    cells = defaultdict(list)
    for c, p, r in zip(cohorts["cohort"], cohorts["period"], cohorts["retention"]):
        cells[(int(c), int(p))].append(r)
    rows, columns = max(c for c, _ in cells) + 1, max(p for _, p in cells) + 1
    grid = np.full((rows, columns), np.nan)
    for (c, p), values in cells.items():
        grid[c, p] = np.mean(values)
    figure, axes = plt.subplots(figsize=(7.5, 0.35 * rows + 1.5))
    image = axes.imshow(grid, cmap="Blues", aspect="auto", vmin=0)
    for (c, p), value in np.ndenumerate(grid):
        if np.isfinite(value):
            axes.text(p, c, f"{100 * value:.0f}", ha="center", va="center", fontsize=7,
                      color="white" if value > np.nanmax(grid) * 0.6 else "black")
    axes.set(title=chart_(N_("Cohort retention: % of each join month ordering in its k-th month")),
             xlabel=chart_(N_("month of life (30 days)")), ylabel=chart_(N_("join month")))
    figure.colorbar(image, ax=axes, fraction=0.03)
    return svg(figure)


def funnel_chart(timeseries: dict[str, np.ndarray]) -> str:
    totals = [np.nanmean(by_replication(timeseries, stage).sum(axis=1)) for stage in FUNNEL]
    figure, axes = plt.subplots(figsize=(7.5, 2.8))
    bars = axes.barh([chart_(FUNNEL_LABELS[stage]) for stage in FUNNEL][::-1], totals[::-1], color="#4c72b0")
    for bar, total in zip(bars, totals[::-1]):
        axes.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {100 * total / totals[0]:.1f} %",
                  va="center", fontsize=8)
    axes.set(title=chart_(N_("Funnel over the run (share of visits)")), xlabel=chart_(N_("per replication")))
    axes.set_xscale("log")
    return svg(figure)


def growth_accounting_chart(growth: dict[str, np.ndarray]) -> str:
    periods = np.unique(growth["period"]).astype(int)
    mean = {k: np.array([growth[k][growth["period"] == p].mean() for p in periods])
            for k in ("new", "retained", "resurrected", "churned")}
    figure, axes = plt.subplots(figsize=(7.5, 3.2))
    axes.bar(periods, mean["retained"], label=chart_(N_("retained")), color="#8da0cb")
    axes.bar(periods, mean["new"], bottom=mean["retained"], label=chart_(N_("new")), color="#66c2a5")
    axes.bar(periods, mean["resurrected"], bottom=mean["retained"] + mean["new"], label=chart_(N_("resurrected")), color="#a6d854")
    axes.bar(periods, -mean["churned"], label=chart_(N_("churned")), color="#fc8d62")
    axes.axhline(0, color="black", linewidth=0.8)
    axes.set(title=chart_(N_("Growth accounting: buyers per month")), xlabel=chart_(N_("month")),
             ylabel=chart_(N_("buyers")))
    axes.legend(frameon=False, ncol=4, fontsize=8)
    return svg(figure)


def difference_chart(rows: list[dict], names: list[str]) -> str:
    """Each KPI's paired difference to the first scenario, in % of the first's mean: only the
    KPIs whose first mean is positive (a percentage of a loss or of nothing reads backwards;
    the figures table has them all)."""
    reference = {row["kpi"]: row["mean"] for row in rows if row["scenario"] == names[0] and row["diff_mean"] is None}
    points = []                           # (label, mean, low, high, significant) in % of the first's mean
    for index, row in enumerate(r for r in rows if r.get("diff_pct") is not None):
        scale = 100 / reference[row["kpi"]]
        low = row["diff_ci_low"] if row["diff_ci_low"] is not None else row["diff_mean"]
        high = row["diff_ci_high"] if row["diff_ci_high"] is not None else row["diff_mean"]
        label = row["kpi"] if len(names) == 2 else f"{row['kpi']} ({row['scenario']})"
        points.append((label, row["diff_pct"], low * scale, high * scale, row["significant"]))
    figure, axes = plt.subplots(figsize=(7.5, 0.28 * len(points) + 1.2))
    for y, (label, mean, low, high, significant) in enumerate(points):
        axes.errorbar(mean, y, xerr=[[mean - low], [high - mean]], fmt="o", capsize=3,
                      color="#c44e52" if significant else "#8c8c8c")
    axes.axvline(0, color="black", linewidth=0.8)
    axes.set_yticks(range(len(points)), [p[0] for p in points], fontsize=8)
    axes.invert_yaxis()
    axes.set(title=chart_(N_("Difference to {name}, % of its positive mean, 95 % paired interval (red: excludes 0)"))
             .format(name=names[0]), xlabel="%")
    return svg(figure)


def figures_table(document: dict) -> str:
    """Every KPI: the reference's mean, each scenario's, the paired difference with its 95 %
    interval, and the difference in % (n/a with the reason against a baseline ≤ 0)."""
    names, currency = document["names"], document.get("currency", DEFAULT_CURRENCY)
    head = f"<th>{_('KPI')}</th><th>{html.escape(names[0])}</th>" + "".join(
        f"<th>{html.escape(name)}</th><th>{_('difference [95 %]')}</th><th>%</th>" for name in names[1:])
    by_kpi: dict[str, list[dict]] = defaultdict(list)
    for row in document["rows"]:
        if row["kpi"] != "roi_vs_first":   # an older compare.json's ROI row: see the ROI table now
            by_kpi[row["kpi"]].append(row)
    body = []
    for kpi, group in by_kpi.items():
        cells = [kpi_name(kpi), _number(group[0]["mean"], kpi, currency)]
        for row in group[1:]:
            difference = _number(row["diff_mean"], kpi, currency, signed=True)
            if row["diff_ci_low"] is not None:
                difference += (f" [{_number(row['diff_ci_low'], kpi, currency, signed=True)}, "
                               f"{_number(row['diff_ci_high'], kpi, currency, signed=True)}]")
            cells += [_number(row["mean"], kpi, currency), difference + (" *" if row["significant"] else ""),
                      percent_text(row)]
        body.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    note = "<p class=\"meta\">" + html.escape(_("* the 95 % interval of the paired difference excludes 0. % is the "
                                                "difference over the baseline's mean, only where that mean is positive.")) + "</p>"
    return f"<table class=\"figures\"><tr>{head}</tr>{''.join(body)}</table>{note}"


def roi_table(document: dict) -> str:
    """ROI of each strategy a scenario changed against the reference (compare.json's roi)."""
    currency = document.get("currency", DEFAULT_CURRENCY)

    def money(entry: dict, prefix: str) -> str:
        if entry[prefix + "mean"] is None:
            return "–"
        text = format_money(entry[prefix + "mean"], currency, signed=True)
        if entry[prefix + "ci_low"] is not None:
            text += (f" [{format_money(entry[prefix + 'ci_low'], currency, signed=True)}, "
                     f"{format_money(entry[prefix + 'ci_high'], currency, signed=True)}]")
        return text
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in (
            entry["scenario"], strategy_name(entry["strategy"]) if entry["strategy"] else _("all changed together"), money(entry, "cost_"),
            money(entry, "gross_profit_"), roi_text(entry))) + "</tr>"
        for entry in document.get("roi", []))
    if not rows:
        rows = f"<tr><td>{html.escape(_('no strategy differs from the reference'))}</td></tr>"
    note = "<p class=\"meta\">" + html.escape(_(
        "ROI = (incremental gross profit − strategy cost) / strategy cost, per paired replication: the strategy's "
        "cost is its line in the ledger (scenario − baseline); the incremental gross profit is the difference in "
        "contribution before that cost.")) + "</p>"
    head = "".join(f"<th>{html.escape(h)}</th>" for h in (_("scenario"), _("strategy"), _("strategy cost [95 %]"),
                                                         _("incremental gross profit [95 %]"), _("ROI [95 %]")))
    return f"<table class=\"roi\"><tr>{head}</tr>{rows}</table>{note}"


def kpi_table(summary: dict) -> str:
    currency = summary.get("currency", DEFAULT_CURRENCY)
    show = lambda x, name: html.escape(_number(x, name, currency))   # noqa: E731
    rows = "".join(
        f"<tr><td>{html.escape(kpi_name(name))}</td><td>{show(v['mean'], name)}</td>"
        f"<td>{show(v['ci_low'], name)} – {show(v['ci_high'], name)}</td></tr>"
        for name, v in summary["kpis"].items())
    return f"<table><tr><th>{_('KPI')}</th><th>{_('mean')}</th><th>{_('95 % CI')}</th></tr>{rows}</table>"


def kpi_name(kpi: str) -> str:
    """A KPI's name in a report: the glossary's term in Chinese, the identifier in English."""
    return term("KPI", kpi)


def strategy_name(strategy: str) -> str:
    return term("strategy", strategy)


def _number(x, kpi: str = "", currency: str = DEFAULT_CURRENCY, *, signed: bool = False) -> str:
    if x is None:
        return "–"
    if registry().kpi_unit(kpi) == "money":
        return format_money(x, currency, signed=signed)
    sign = "+" if signed and x > 0 else ""
    return sign + (f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}")


def run_sections(folder: Path) -> tuple[str, str, str]:
    summary = json.loads((folder / "summary.json").read_text())
    timeseries = read_csv(folder / "timeseries.csv")
    shoppers = chart_(N_("shoppers"))
    sections = [(_("KPIs"), kpi_table(summary)),
                (_("Growth"), band_chart(chart_(N_("Shoppers acquired")),
                                         {chart_(N_("cumulative")): by_replication(timeseries, "cumulative_shoppers")},
                                         shoppers)),
                (_("Active shoppers"), band_chart(chart_(N_("Active shoppers (ordered or joined within the churn window)")),
                                                  {chart_(N_("active")): by_replication(timeseries, "active_shoppers")},
                                                  shoppers)),
                (_("Revenue and cost"), money_chart(timeseries, summary.get("currency", DEFAULT_CURRENCY)))]
    if (folder / "cohorts.csv").exists() and read_csv(folder / "cohorts.csv"):
        sections.append((_("Cohort retention"), cohort_heatmap(read_csv(folder / "cohorts.csv"))))
    sections.append((_("Funnel"), funnel_chart(timeseries)))
    if (folder / "growth_accounting.csv").exists():
        sections.append((_("Growth accounting"), growth_accounting_chart(read_csv(folder / "growth_accounting.csv"))))
    meta = ngettext("{n} replication, seed {seed}, {days} days, money in {currency}",
                    "{n} replications, seed {seed}, {days} days, money in {currency}", summary["replications"]).format(
        n=summary["replications"], seed=summary["seed"], days=summary.get("horizon_days", "?"),
        currency=summary.get("currency", DEFAULT_CURRENCY))
    return _("growthsim run: {scenario}").format(scenario=summary["scenario"]), meta, sections_html(sections)


def compare_sections(folder: Path) -> tuple[str, str, str]:
    document = json.loads((folder / "compare.json").read_text())
    if "series" not in document:   # a compare.json from before the curves were kept in it
        document["series"] = _series_from_runs(folder, document["names"])
    return comparison_sections(document)


def _series_from_runs(folder: Path, names: list[str]) -> list[dict]:
    runs = sorted(p for p in folder.iterdir() if p.is_dir() and (p / "timeseries.csv").exists())
    series = []
    for name, run in zip(names, runs):
        table = read_csv(run / "timeseries.csv")
        for column in SERIES:
            values = by_replication(table, column)
            series.append({"scenario": name, "column": column,
                           **bands(rolling(values) if column == "revenue" else values)})
    return series


def comparison_sections(document: dict) -> tuple[str, str, str]:
    """The report of a comparison, from compare.json's content (a folder's, or the history's)."""
    names, rows = document["names"], document["rows"]
    sections = [(_("Figures"), figures_table(document))]
    if "roi" in document:   # a comparison recorded before ROI per strategy has none
        sections.append((_("Return on investment"), roi_table(document)))
    sections.append((_("KPI differences"), difference_chart([r for r in rows if r["kpi"] != "roi_vs_first"], names)))
    for column, english in SERIES.items():
        lines = {f"{i}: {s['scenario']}": s
                 for i, s in enumerate(s for s in document.get("series", []) if s["column"] == column)}
        if lines:
            sections.append((_(english), bands_chart(chart_(english), lines, "")))
    meta = ngettext("{n} paired replication, seed {seed}, money in {currency}",
                    "{n} paired replications, seed {seed}, money in {currency}", document["replications"]).format(
        n=document["replications"], seed=document["seed"], currency=document.get("currency", DEFAULT_CURRENCY))
    return _("growthsim compare: {names}").format(names=_(" vs ").join(names)), meta, sections_html(sections)


def write_comparison_report(document: dict, out: Path, *, force: bool = False) -> Path:
    """A comparison's report from compare.json's content (as the history keeps it) into `out`."""
    title, meta, body = comparison_sections(document)
    _write_page(title, meta, body, out, force=force)
    return out


def write_report(folder: Path, out: Path | None = None, *, force: bool = False) -> Path:
    folder = Path(folder)
    try:
        if is_calibration(folder):
            title, meta, sections = calibration_sections(folder)
            body = sections_html(sections)
        elif (folder / "compare.json").exists():
            title, meta, body = compare_sections(folder)
        elif (folder / "summary.json").exists() and (folder / "timeseries.csv").exists():
            title, meta, body = run_sections(folder)
        else:
            raise ReportError(f"{folder}: no summary.json and timeseries.csv (run --out), compare.json (compare --out) "
                              "or calibration.json (calibrate --out) here")
    # The folder's files are input: torn, edited or not growthsim's, they are bad input, not a bug.
    except (ValueError, KeyError, TypeError, IndexError, AttributeError, OSError) as error:
        raise ReportError(f"{folder}: its files are damaged or not what growthsim wrote "
                          f"({type(error).__name__}: {error})") from None
    # The folder's own report.html is always ours to replace.
    _write_page(title, meta, body, out or folder / "report.html", force=force or out is None)
    return out or folder / "report.html"


def _write_page(title: str, meta: str, body: str, out: Path, *, force: bool) -> None:
    """A file the user named is replaced only if growthsim wrote it (or --force); a device or
    FIFO is written into."""
    write_named_file(out, page(title, meta, body), option="--out", ours=GENERATOR, force=force)
