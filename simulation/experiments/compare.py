"""Comparing scenarios under common random numbers (docs/comparing.md).

Every scenario runs replications 0..n-1 with the same seed, so replication k of each
shares its random streams and differs only where the scenarios differ. The difference
of a KPI is taken replication by replication; its interval is the Student-t interval
of those paired differences, far narrower than comparing two independent intervals.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass

import numpy as np

from simulation.experiments.replicate import Interval, Progress, Replications, run_replications
from simulation.kernel.language import N_, _, ngettext
from simulation.kernel.engine import RunResult
from simulation.kernel.registry import registry
from simulation.kernel.scenario import Scenario


@dataclass(frozen=True)
class Difference:
    """A KPI of one scenario minus the first's, paired by replication."""

    interval: Interval

    @property
    def significant(self) -> bool:
        """The 95 % interval excludes zero."""
        i = self.interval
        return i.replications >= 2 and (i.ci_low > 0 or i.ci_high < 0)


@dataclass
class Comparison:
    results: list[Replications]        # the first is the reference

    @property
    def names(self) -> list[str]:
        return [result.scenario.name for result in self.results]

    def interval(self, scenario: int, kpi: str) -> Interval:
        return Interval.of(self.results[scenario].kpi_values(kpi))

    def difference(self, scenario: int, kpi: str) -> Difference:
        paired = self.results[scenario].kpi_values(kpi) - self.results[0].kpi_values(kpi)
        return Difference(Interval.of(paired))

    def strategy_returns(self, scenario: int) -> list["StrategyReturn"]:
        """ROI of each strategy the scenario changed against the first (docs/comparing.md, ROI)."""
        return strategy_returns(self.results[scenario], self.results[0])

    def rows(self) -> list[dict]:
        """One row per KPI and scenario: the long table of compare.csv. Every scenario after
        the first has its paired difference to the first, and the difference as a percentage
        of the first's mean where that mean is positive (else null, with the reason)."""
        rows = []
        for kpi in (name for name in registry().kpi_names if name != "roi"):
            reference = self.interval(0, kpi).mean
            for k, name in enumerate(self.names):
                value, diff = self.interval(k, kpi), (self.difference(k, kpi) if k else None)
                percent, reason = relative_difference(diff.interval.mean, reference) if diff else (None, None)
                rows.append({
                    "kpi": kpi, "scenario": name, "unit": registry().kpi_unit(kpi),
                    **_fields("", value), **_fields("diff_", diff.interval if diff else None),
                    "significant": bool(diff.significant) if diff else None,
                    "diff_pct": percent, "diff_pct_reason": reason,
                })
        return rows

    def document(self, sources: list[str]) -> dict:
        """compare.json: everything a report needs, also kept whole in the history."""
        reference = self.results[0]
        return {"scenarios": list(sources), "names": self.names, "replications": len(reference.runs),
                "seed": reference.scenario.seed, "currency": reference.scenario.currency,
                "rows": self.rows(),
                "roi": [entry.row(name) for k, name in enumerate(self.names) if k
                        for entry in self.strategy_returns(k)],
                "series": [{"scenario": name, "column": column, **bands(series_of(result, column))}
                           for name, result in zip(self.names, self.results) for column in SERIES]}


def _fields(prefix: str, interval: Interval | None) -> dict:
    keys = ("mean", "ci_low", "ci_high")
    if interval is None:
        return {prefix + key: None for key in keys}
    return {prefix + key: (v if math.isfinite(v) else None)
            for key, v in zip(keys, (interval.mean, interval.ci_low, interval.ci_high))}


NOT_POSITIVE = "baseline ≤ 0"


def relative_difference(difference: float, reference: float) -> tuple[float | None, str | None]:
    """The difference in % of the reference's mean, only against a positive reference: a
    percentage of a loss or of nothing reads backwards. (None, reason) otherwise."""
    if not math.isfinite(difference):
        return None, None
    if not math.isfinite(reference):
        return None, "baseline undefined"
    if reference <= 0:
        return None, NOT_POSITIVE
    return 100.0 * difference / reference, None


# Why a percentage or a ROI is missing, as compare.json stores it (English: a contract); a
# person reads it translated through `reason_text`.
REASONS = (N_("baseline ≤ 0"), N_("baseline undefined"), N_("undefined"), N_("no cost"),
           N_("costs less than the baseline"))


def reason_text(reason: str) -> str:
    """A reason of compare.json in the language spoken (English when none is installed)."""
    others = re.fullmatch(r"changed with (\d+) other strateg(?:y|ies): see all together", reason)
    if others:
        return ngettext("changed with {n} other strategy: see all together",
                        "changed with {n} other strategies: see all together", int(others[1])).format(n=others[1])
    return _(reason) if reason in REASONS else reason


def percent_text(row: dict, *, narrow: bool = False) -> str:
    """A row's relative difference as a person reads it: `+3.2 %`, or `n/a (baseline ≤ 0)`
    (`narrow`, for the app's table whose note says which baseline: `n/a (≤ 0)`)."""
    if row.get("diff_pct") is None:   # .get: a compare.json from before percentages has none
        reason = row.get("diff_pct_reason")
        if not reason:
            return "-"
        shown = reason.removeprefix("baseline ").strip() if narrow else reason
        return _("n/a ({reason})").format(reason=reason_text(shown))
    return f"{row['diff_pct']:+.1f} %"


def roi_text(entry: dict) -> str:
    """A ROI entry of compare.json as a person reads it: `+80 % [+12 %, +148 %]`, or n/a and why."""
    if entry["roi_mean"] is None:
        return _("n/a ({reason})").format(reason=reason_text(entry["roi_reason"] or "undefined"))
    text = f"{100 * entry['roi_mean']:+,.0f} %"
    if entry["roi_ci_low"] is not None:
        text += f" [{100 * entry['roi_ci_low']:+,.0f} %, {100 * entry['roi_ci_high']:+,.0f} %]"
    return text


# --- ROI per strategy -----------------------------------------------------------------------


@dataclass(frozen=True)
class StrategyReturn:
    """What one strategy returned in a scenario against the reference, paired by replication.

    cost         = the strategy's cost line in the ledger (cost_<strategy>), scenario − reference
    gross profit = the incremental contribution before that cost: Δcontribution + cost, so the
                   parcels and tickets its extra orders need count against it
    roi          = (gross profit − cost) / cost = Δcontribution / cost
    `strategy` None is every changed strategy together (when several changed)."""

    strategy: str | None
    cost: Interval
    gross_profit: Interval | None   # None where it cannot be split between strategies
    roi: Interval | None
    reason: str | None          # why roi is None

    def row(self, scenario: str) -> dict:
        return {"scenario": scenario, "strategy": self.strategy,
                **_fields("cost_", self.cost), **_fields("gross_profit_", self.gross_profit),
                **_fields("roi_", self.roi), "roi_reason": self.reason}


def changed_strategies(scenario: Scenario, reference: Scenario) -> list[str]:
    """The strategies whose settings differ between the two scenarios (on/off included)."""
    return [name for name in type(scenario.strategies).model_fields
            if getattr(scenario.strategies, name).model_dump() != getattr(reference.strategies, name).model_dump()]


def strategy_cost(run: RunResult, strategy: str) -> float:
    """The strategy's cost over the run, as its ledger account booked it (one owner per line)."""
    column = run.daily.get(f"cost_{strategy}")
    return float(np.sum(column)) if column is not None else 0.0


def strategy_returns(result: Replications, reference: Replications) -> list[StrategyReturn]:
    changed = changed_strategies(result.scenario, reference.scenario)
    gain = result.kpi_values("contribution") - reference.kpi_values("contribution")
    groups = [[name] for name in changed] + ([changed] if len(changed) > 1 else [])
    returns = []
    for group in groups:
        cost = np.array([sum(strategy_cost(run, s) - strategy_cost(base, s) for s in group)
                         for run, base in zip(result.runs, reference.runs)])
        split = len(group) == 1 and len(changed) > 1   # one of several: its share of the gain is unknown
        reason = None
        if split:
            others = len(changed) - 1
            reason = f"changed with {others} other strateg{'y' if others == 1 else 'ies'}: see all together"
        elif np.any(cost == 0):
            reason = "no cost"
        elif np.any(cost < 0):
            reason = "costs less than the baseline"
        roi = None if reason else Interval.of(gain / cost)
        returns.append(StrategyReturn(group[0] if len(group) == 1 else None, Interval.of(cost),
                                      None if split else Interval.of(gain + cost), roi, reason))
    return returns


# --- the curves a comparison's report overlays ----------------------------------------------

SERIES = {"cumulative_shoppers": N_("Shoppers acquired"), "active_shoppers": N_("Active shoppers"),
          "revenue": N_("Revenue per day (7-day average)")}   # N_: translated where a report shows them
ROLLED = {"revenue"}


def rolling(values: np.ndarray, days: int = 7) -> np.ndarray:
    """Trailing mean over the last `days` days (fewer at the start), per replication."""
    sums = np.cumsum(np.nan_to_num(values), axis=1)
    lagged = np.zeros_like(sums)
    lagged[:, days:] = sums[:, :-days]
    counts = np.minimum(np.arange(1, values.shape[1] + 1), days)
    return (sums - lagged) / counts


def series_of(result: Replications, column: str) -> np.ndarray:
    """Replications x days of one daily column, 7-day averaged where SERIES says so."""
    values = np.vstack([np.asarray(run.daily[column], dtype=float) for run in result.runs])
    return rolling(values) if column in ROLLED else values


def bands(values: np.ndarray) -> dict[str, list]:
    """Mean over replications and the 2.5-97.5 % band, per day, to 6 significant digits."""
    low, high = (np.nanpercentile(values, [2.5, 97.5], axis=0) if values.shape[0] > 1
                 else (np.full(values.shape[1], np.nan),) * 2)
    short = lambda a: [float(f"{x:.6g}") if np.isfinite(x) else None for x in a]   # noqa: E731
    return {"mean": short(np.nanmean(values, axis=0)), "low": short(low), "high": short(high)}


def compare(scenarios: list[Scenario], *, replications: int | None = None, seed: int | None = None,
            jobs: int | None = None, progress: Progress | None = None,
            stop: threading.Event | None = None) -> Comparison:
    """Run every scenario with the same seed and replications as the first (common random numbers).
    `progress` counts replications across the scenarios: scenario i's replication k is
    i * replications + k. Setting `stop` abandons the comparison (Cancelled)."""
    first = scenarios[0]
    seed = first.seed if seed is None else seed
    replications = replications or first.replications
    results = []
    for index, scenario in enumerate(scenarios):
        same_streams = scenario.model_copy(update={"seed": seed, "baseline": None})
        report = (lambda rep, day, i=index: progress(i * replications + rep, day)) if progress else None
        results.append(run_replications(same_streams, replications=replications, jobs=jobs, progress=report,
                                        stop=stop))
    return Comparison(results)
