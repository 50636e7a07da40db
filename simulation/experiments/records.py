"""The one way the command and the app record a finished run or comparison in the history
(simulation/storage/history.py): the scenarios resolved, every override in them."""

from __future__ import annotations

import sys
from typing import Callable

from simulation.experiments.compare import Comparison
from simulation.experiments.replicate import Replications
from simulation.kernel.scenario import Scenario
from simulation.storage.history import History, HistoryError
from simulation.storage.loading import resolved_yaml
from simulation.storage.outputs import summary


Warn = Callable[[str], None]


def warn_on_stderr(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def recorded(record: Callable[[], int], warn: Warn) -> int | None:
    """The record's id; or, when the history cannot take it, None and a warning: a finished
    run's results come first (written and shown), the history after them."""
    try:
        return record()
    except HistoryError as error:
        warn(f"not recorded in the history: {error}")
        return None


def record_run(source: str, scenario: Scenario, result: Replications, *, out_dir: str | None = None,
               overrides: list[str] | tuple[str, ...] = (), warn: Warn = warn_on_stderr) -> int | None:
    """A finished run: `source` is where its scenario came from (its file), the scenario
    is stored resolved (every override in it) with the --set overrides named, and its KPIs
    (summary.json's content)."""
    return recorded(lambda: History().record(
        "run", scenario.name, [{"path": source, "yaml": resolved_yaml(scenario), "overrides": list(overrides)}],
        summary(result),
        seed=scenario.seed, replications=len(result.runs), out_dir=out_dir), warn)


def record_comparison(sources: list[str], scenarios: list[Scenario], comparison: Comparison, *,
                      out_dir: str | None = None, warn: Warn = warn_on_stderr) -> int | None:
    """A finished comparison of `scenarios` (as loaded, from `sources`), with compare.json's
    content (its rows, ROI and curves: `growthsim report ID` rebuilds its report from them)."""
    reference = comparison.results[0]
    return recorded(lambda: History().record(
        "compare", " vs ".join(comparison.names),
        [{"path": source, "yaml": resolved_yaml(s)} for source, s in zip(sources, scenarios)],
        {k: v for k, v in comparison.document(sources).items() if k != "scenarios"},   # the paths: in `scenarios`
        seed=reference.scenario.seed, replications=len(reference.runs),
        out_dir=out_dir), warn)


def record_optimization(source: str, base: Scenario, result: dict, *, out_dir: str,
                        overrides: list[str] | tuple[str, ...] = (), warn: Warn = warn_on_stderr) -> int | None:
    """A finished optimisation: its scenario as given (resolved, with the --set overrides
    named), and from optimize.json the settings, the search in numbers and the best plan
    (levers, confirmed objective, gain over the scenario as given); the best plan's KPIs
    as `kpis`, so the history lists it like a run."""
    best = result.get("best") or {}
    settings = result["settings"]
    return recorded(lambda: History().record(
        "optimize", base.name, [{"path": source, "yaml": resolved_yaml(base), "overrides": list(overrides)}],
        {"settings": settings, "search": result.get("search"), "confirmation": result.get("confirmation"),
         "best": {k: v for k, v in best.items() if k != "kpis"}, "kpis": best.get("kpis", {}),
         "note": result.get("note"), "currency": settings.get("currency")},
        seed=settings.get("seed"), replications=settings.get("replications"), out_dir=out_dir), warn)
