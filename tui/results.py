"""Results of a finished run: KPI cards with intervals, time series, the cohort
heatmap, the funnel, growth accounting, costs by strategy, the money (income and cost
lines), the policy log; export to the files of `growthsim run --out` and the HTML report."""

from __future__ import annotations

import math
import re
from datetime import datetime
from pathlib import Path

import numpy as np
from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.reactive import reactive
from textual.widgets import Button, DataTable, Select, Static, TabbedContent, TabPane

from simulation.experiments.replicate import Interval
from simulation.storage.loading import resolved_yaml
from simulation.kernel.registry import registry
from simulation.storage.history import History, Record
from simulation.storage.outputs import write_run
from simulation.experiments.report import write_report
from tui.base import ModeScreen
from tui.kpis import HEADLINE, SERIES_INFO, fmt, money, series_tick_label, series_title
from tui.run import Outcome
from tui.widgets import AskDialog, BarPlot, ErrorDialog, KpiCard, LinePlot, cohort_heatmap
from growthsim.i18n import language
from growthsim.terms import strategy_label
from tui.words import N_, _

FUNNEL = ("visits", "browse", "cart", "checkout", "orders")
FUNNEL_STAGES = {"visits": N_("visits"), "browse": N_("browse"), "cart": N_("cart"), "checkout": N_("checkout"),
                 "orders": N_("orders")}
GROWTH_KINDS = {"new": N_("new"), "retained": N_("retained"), "resurrected": N_("resurrected"), "churned": N_("churned")}

# The money tab: (line, column of the time series, how it enters the total), income first.
INCOME_LINES = ((N_("GMV"), "gmv", ""), (N_("discounts"), "discounts", "-"), (N_("refunds"), "refunds", "-"),
                (N_("shipping fees"), "shipping_fees", "+"), (N_("membership fees"), "membership_fees", "+"),
                (N_("forfeited deposits"), "forfeited_deposits", "+"), (N_("revenue"), "revenue", "="))
SHOWN_WHEN_BOOKED = frozenset({"forfeited_deposits"})   # only a pre-sale books it: no empty line on other runs


def account_name(account: str) -> str:
    """A cost account (a strategy's name) as a person reads it: the glossary's term in Chinese."""
    return account.replace("_", " ") if language() == "en" else strategy_label(account)


def money_lines(runs, cost_accounts) -> list[tuple[str, str, Interval]]:
    """The books over the run, line by line: (sign, line, its total with a 95 % interval
    across replications). Income lines (forfeited deposits only when some were booked), then cost of goods and each account's costs (those
    that spent anything), then contribution, and the memo of fees not charged."""
    def total(column: str) -> Interval:
        return Interval.of(np.array([run.daily[column].sum() for run in runs]))
    lines = [(sign, _(name), total(column)) for name, column, sign in INCOME_LINES
             if column not in SHOWN_WHEN_BOOKED or any(run.daily[column].any() for run in runs)]
    lines.append(("-", _("cost of goods"), total("cogs")))
    for account in cost_accounts:
        column = f"cost_{account}"
        if column in runs[0].daily and any(run.daily[column].any() for run in runs):
            lines.append(("-", _("cost: {account}").format(account=account_name(account)), total(column)))
    lines.append(("=", _("contribution"), total("contribution")))
    lines.append(("", _("memo: shipping fees not charged (free shipping)"), total("shipping_fees_waived")))
    return lines


def last_recorded_run(history: History | None = None) -> Record | None:
    """The newest run in the history; None when there is none, or the history cannot be read
    (a broken history never stops the app)."""
    try:
        return next((record for record in (history or History()).list(limit=200) if record.kind == "run"), None)
    except Exception:
        return None


def band(values: np.ndarray) -> dict[str, np.ndarray]:
    """Mean over replications with the 2.5 and 97.5 percentiles."""
    lines = {"mean": np.nanmean(values, axis=0)}
    if values.shape[0] > 1:
        low, high = np.nanpercentile(values, [2.5, 97.5], axis=0)
        lines = {"_low": low, "_high": high, **lines}
    return lines


class ResultsScreen(ModeScreen):
    MODE = "results"
    BINDINGS = [
        Binding("e", "export", N_("Export files")),
        Binding("h", "report", N_("HTML report")),
        Binding("c", "compare", N_("Compare")),
    ]
    CSS_PATH = "results.tcss"

    outcome: reactive[Outcome | None] = reactive(None, init=False, always_update=True)   # the run shown

    def body(self) -> ComposeResult:
        yield Static(_("No results yet: run a scenario first (Library, R)."), id="title")
        with TabbedContent(id="tabs"):
            with TabPane(_("KPIs"), id="tab-kpis"):
                with VerticalScroll(id="cards-scroll"):
                    with Grid(id="cards"):
                        for name in list(HEADLINE) + [k for k in registry().kpi_names if k not in HEADLINE]:
                            yield KpiCard(name, None, None, None, id=f"kpi-{name}")
            with TabPane(_("Charts"), id="tab-charts"):
                with Horizontal(id="series-row"):
                    yield Select([(series_title(name), name) for name in SERIES_INFO], value="active_shoppers",
                                 allow_blank=False, id="series", tooltip=_("Which time series to show"))
                    yield Static("  " + _("mean over replications, with the 2.5-97.5 % band in grey"), classes="note")
                yield LinePlot("", id="series-plot")
            with TabPane(_("Cohorts"), id="tab-cohorts"):
                yield VerticalScroll(Static(id="heatmap"))
            with TabPane(_("Funnel"), id="tab-funnel"):
                yield DataTable(id="funnel-table", cursor_type="none")
                yield BarPlot(id="funnel-plot")
            with TabPane(_("Growth"), id="tab-growth"):
                yield Static(_("Buyers per 30-day month: new (first order), retained (ordered last month too), "
                               "resurrected (back after a gap), churned (ordered last month, not this one)."),
                             classes="note")
                yield DataTable(id="growth-table", cursor_type="none")
                yield BarPlot(id="growth-plot")
            with TabPane(_("Costs"), id="tab-costs"):
                yield DataTable(id="costs-table", cursor_type="none")
                yield BarPlot(id="costs-plot")
            with TabPane(_("Money"), id="tab-money"):
                yield Static(_("Income and cost lines over the run: revenue = GMV - discounts - refunds + fees; "
                               "contribution = revenue - cost of goods - costs (docs/metrics.md)."), classes="note")
                yield DataTable(id="money-table", cursor_type="none")
            with TabPane(_("Policy log"), id="tab-policies"):
                yield DataTable(id="policy-table", cursor_type="row")
        with Horizontal(id="actions"):
            yield Button(_("Export files"), id="export", tooltip=_("summary.json, timeseries.csv, cohorts.csv... (E)"),
                         compact=True)
            yield Button(_("HTML report"), id="report", tooltip=_("A self-contained report.html with charts (H)"),
                         compact=True)
            yield Button(_("Compare"), id="compare", tooltip=_("Against the scenario it extends (C)"), compact=True)

    def on_mount(self) -> None:
        if self.gs.last_outcome is not None:
            self.show(self.gs.last_outcome)
        else:   # the app has just started: the last run recorded, so results outlive the app
            record = last_recorded_run()
            if record is not None:
                self.show_record(record)

    def show_record(self, record: Record) -> None:
        """A run recorded in the history: its KPIs (the time series are not recorded)."""
        kpis, currency = record.results.get("kpis", {}), record.results.get("currency")
        source = (record.scenarios[0].get("path") or "") if record.scenarios else ""
        where = f" ({Path(source).name})" if source and not source.startswith("(") else ""
        self.query_one("#title", Static).update(Text.assemble(
            (record.name, "bold"), where + _(": {replications} replications, seed {seed}, ").format(
                replications=record.replications, seed=record.seed),
            (_("run {when} UTC, from the history; run it again (Library, R) for charts and the other tabs").format(
                when=record.created[:16].replace('T', ' ')), "dim")))
        for card in self.query(KpiCard):
            interval = kpis.get(card.kpi)
            if interval is None:
                card.display = False
                continue
            mean, low, high = (math.nan if interval.get(k) is None else interval[k] for k in ("mean", "ci_low", "ci_high"))
            card.set_values(mean, low, high, currency)
            card.display = card.kpi != "roi" or math.isfinite(mean)

    def show(self, outcome: Outcome) -> None:
        self.outcome = outcome

    def watch_outcome(self, outcome: Outcome | None) -> None:
        if outcome is None:
            return
        result = outcome.result
        sc = result.scenario
        where = f" ({outcome.path.name})" if outcome.path else ""
        self.query_one("#title", Static).update(
            f"[b]{sc.name}[/]{where}" + _(": {replications} replications, seed {seed}, {days} days").format(
                replications=len(result.runs), seed=sc.seed, days=sc.horizon_days))
        self._cards()
        self._series()
        self.heatmap = cohort_heatmap([run.cohorts for run in result.runs])
        self.query_one("#heatmap", Static).update(self.heatmap)
        self._funnel()
        self._growth()
        self._costs()
        self._money()
        self._policies()

    def _cards(self) -> None:
        kpis = self.outcome.result.kpis()
        currency = self.outcome.result.scenario.currency
        for card in self.query(KpiCard):
            i = kpis[card.kpi]
            card.set_values(i.mean, i.ci_low, i.ci_high, currency)
            card.display = card.kpi != "roi" or self.outcome.result.baseline is not None

    @on(Select.Changed, "#series")
    def _series(self) -> None:
        if self.outcome is None:
            return
        name = self.query_one("#series", Select).value
        values = np.vstack([run.daily[name] for run in self.outcome.result.runs])
        self.query_one("#series-plot", LinePlot).show(
            band(values), title=series_title(name),
            tick_label=series_tick_label(name, self.outcome.result.scenario.currency))

    def _funnel(self) -> None:
        runs = self.outcome.result.runs
        totals = [float(np.mean([run.daily[stage].sum() for run in runs])) for stage in FUNNEL]
        table = self.query_one("#funnel-table", DataTable)
        table.clear(columns=True)
        table.add_columns(_("stage"), _("per replication"), _("of previous stage"), _("of visits"))
        for index, (stage, total) in enumerate(zip(FUNNEL, totals)):
            step = total / totals[index - 1] if index and totals[index - 1] else float("nan")
            share = total / totals[0] if totals[0] else float("nan")
            table.add_row(_(FUNNEL_STAGES[stage]), fmt(total), f"{100 * step:.1f} %" if index else "", f"{100 * share:.2f} %")
        self.query_one("#funnel-plot", BarPlot).show(
            [_(FUNNEL_STAGES[stage]) for stage in FUNNEL], [np.log10(max(t, 1)) for t in totals],
            title=_("Funnel (log10 of count per replication)"))

    def _growth(self) -> None:
        runs = self.outcome.result.runs
        keys = ("new", "retained", "resurrected", "churned")
        periods = min(len(run.growth["period"]) for run in runs)
        mean = {k: np.mean([run.growth[k][:periods] for run in runs], axis=0) for k in keys}
        table = self.query_one("#growth-table", DataTable)
        table.clear(columns=True)
        table.add_columns(_("month"), *(_(GROWTH_KINDS[k]) for k in keys), _("quick ratio"))
        for p in range(periods):
            quick = (mean["new"][p] + mean["resurrected"][p]) / mean["churned"][p] if mean["churned"][p] else float("nan")
            table.add_row(str(p), *(fmt(float(mean[k][p])) for k in keys), fmt(float(quick)))
        self.query_one("#growth-plot", BarPlot).show(
            [str(p) for p in range(periods)], {_(GROWTH_KINDS[k]): mean[k].tolist() for k in ("retained", "new", "resurrected")},
            title=_("Buyers per month"))

    def _costs(self) -> None:
        runs = self.outcome.result.runs
        names = [n for n in registry().cost_accounts if f"cost_{n}" in runs[0].daily]
        totals = {n: float(np.mean([run.daily[f"cost_{n}"].sum() for run in runs])) for n in names}
        discounts = float(np.mean([run.daily["discounts"].sum() for run in runs]))
        table = self.query_one("#costs-table", DataTable)
        table.clear(columns=True)
        table.add_columns(_("strategy"), _("cost over the run"), _("per day"))
        days, currency = self.outcome.result.scenario.horizon_days, self.outcome.result.scenario.currency
        spent = {n: v for n, v in totals.items() if v}
        for name, value in spent.items():
            table.add_row(account_name(name), money(value, currency), money(value / days, currency))
        table.add_row(_("discounts given"), money(discounts, currency), money(discounts / days, currency))
        if spent:
            self.query_one("#costs-plot", BarPlot).show([account_name(n) for n in spent], list(spent.values()),
                                                        title=_("Cost by strategy over the run"))

    def _money(self) -> None:
        result = self.outcome.result
        currency = result.scenario.currency
        table = self.query_one("#money-table", DataTable)
        table.clear(columns=True)
        table.add_columns("", _("line"), _("over the run"), _("95 % interval"))
        rows = []
        for sign, name, interval in money_lines(result.runs, registry().cost_accounts):
            if interval.replications > 1:
                spread = (money(interval.ci_low, currency), money(interval.ci_high, currency))
            else:
                spread = (_("one replication"), "")
            rows.append((sign, name, money(interval.mean, currency), *spread))
        widths = [max(cell_len(row[k]) for row in rows) for k in range(2, 5)]
        # Right-aligned by columns (¥12.3万 is one column wider than its length); a cell keeps no leading space.
        pad = lambda text, width: "\u00a0" * (width - cell_len(text)) + text   # noqa: E731
        for sign, name, mean, low, high in rows:   # amounts right-aligned
            spread = f"{pad(low, widths[1])} .. {pad(high, widths[2])}" if high else low
            table.add_row(sign, name, pad(mean, widths[0]), spread)

    def _policies(self) -> None:
        table = self.query_one("#policy-table", DataTable)
        table.clear(columns=True)
        entries = [entry for run in self.outcome.result.runs for entry in run.policy_log]
        if not entries:
            table.add_column("")
            table.add_row(_("No policy changed a lever in this run (policies are set in the scenario's "
                            "policies: list)."))
            return
        columns = list(entries[0])
        table.add_columns(*columns)
        for run in self.outcome.result.runs:
            for entry in run.policy_log:
                table.add_row(*(fmt(v) if isinstance(v, float) else str(v) for v in entry.values()))

    # --- actions -----------------------------------------------------------------------

    def default_folder(self) -> Path:
        sc = self.outcome.result.scenario
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        return self.gs.out_dir / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', sc.name)}-{stamp}"

    def action_export(self) -> None:
        if self.outcome is None:
            return

        def chosen(folder: str | None) -> None:
            if folder:
                self.export(Path(folder), report=False)

        self.app.push_screen(AskDialog(_("Write the run's files (as `growthsim run --out`) into the folder:"),
                                       str(self.default_folder()), ok=_("Export")), chosen)

    def action_report(self) -> None:
        if self.outcome is None:
            return

        def chosen(folder: str | None) -> None:
            if folder:
                self.export(Path(folder), report=True)

        self.app.push_screen(AskDialog(_("Write the run's files and report.html into the folder:"),
                                       str(self.default_folder()), ok=_("Write report")), chosen)

    @work(thread=True, exit_on_error=False, group="export")
    def export(self, folder: Path, report: bool) -> None:
        try:
            if folder.exists() and not folder.is_dir():
                raise OSError(_("{folder} exists and is not a folder").format(folder=folder))
            write_run(self.outcome.result, folder, scenario_yaml=resolved_yaml(self.outcome.scenario))
            written = write_report(folder) if report else folder
        except Exception as error:
            self.app.call_from_thread(self.app.push_screen, ErrorDialog(_("Not exported"), str(error)))
            return
        self.app.call_from_thread(self.notify, _("Wrote {path}").format(path=written))
        self.gs.last_export = Path(written)

    async def action_compare(self) -> None:
        if self.outcome is not None and self.outcome.path is not None:
            await self.gs.compare_with_parent(self.outcome.path)

    @on(Button.Pressed)
    async def button(self, event: Button.Pressed) -> None:
        await self.run_action(event.button.id or "")
