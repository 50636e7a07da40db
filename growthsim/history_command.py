"""`growthsim history [ID]`: the runs, compares, sweeps, checks and optimisations recorded so far."""

from __future__ import annotations

import argparse
import dataclasses
import json

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from growthsim.arguments import EXIT_OK, BadInput, positive_int
from growthsim.console import format_kpi, print_table, printable
from simulation.kernel.currency import DEFAULT_CURRENCY
from simulation.storage.history import History

SHOWN_KPIS = ("shoppers_total", "retention_d90", "contribution")


def add_parser(commands) -> None:
    parser = commands.add_parser("history", help="list recorded runs, or show one")
    parser.add_argument("id", type=positive_int, nargs="?", help="the record to show")
    parser.add_argument("--limit", type=positive_int, default=50, help="how many to list (default 50)")
    parser.add_argument("--json", action="store_true",
                        help="print the records (or the one) as JSON, everything recorded, for scripts")
    parser.add_argument("--repair", action="store_true",
                        help="set a broken history database aside (renamed, not deleted) and start a new one")


def command_history(args: argparse.Namespace) -> int:
    history, console = History(), Console()
    if args.repair:
        aside = history.repair()
        console.print(f"{history.path}: sound, left as it is" if aside is None else
                      f"{history.path} was broken: moved to {aside}; a new history starts there", highlight=False)
        return EXIT_OK
    if args.json:
        records = history.list(args.limit) if args.id is None else [history.get(args.id)]
        if records == [None]:
            raise BadInput(f"history: no record {args.id} in {history.path}")
        found = [dataclasses.asdict(record) for record in records]
        print(json.dumps(found if args.id is None else found[0], indent=2, ensure_ascii=False))
        return EXIT_OK
    if args.id is None:
        table = Table(title=f"history: {history.path}")
        for column in ("id", "when (UTC)", "kind", "name", "replications", *SHOWN_KPIS):
            table.add_column(column, justify="right" if column in ("id", "replications", *SHOWN_KPIS) else "left")
        for record in history.list(args.limit):
            kpis, currency = record.results.get("kpis", {}), record.results.get("currency", DEFAULT_CURRENCY)
            shown = [format_kpi(kpis[k]["mean"], k, currency) if k in kpis else "-" for k in SHOWN_KPIS]
            table.add_row(str(record.id), record.created, record.kind, escape(printable(record.name)),
                          str(record.replications or "-"), *shown)
        print_table(table, console)
        return EXIT_OK
    record = history.get(args.id)
    if record is None:
        raise BadInput(f"history: no record {args.id} in {history.path}")
    console.print(f"[bold]#{record.id}[/] {record.kind} {record.name!r} at {record.created} UTC, "
                  f"seed {record.seed}, {record.replications} replications")
    console.print("versions: " + ", ".join(f"{k} {v}" for k, v in record.versions.items()), highlight=False)
    if record.out_dir:
        console.print(f"outputs: {record.out_dir}")
    for scenario in record.scenarios:
        overrides = scenario.get("overrides") or []
        console.print(f"scenario {scenario['path']}" + (f" with --set {' --set '.join(overrides)}" if overrides else ""),
                      highlight=False, markup=False, soft_wrap=True)
    if record.kind == "optimize":
        for line in optimization_lines(record.results):
            console.print(line, highlight=False, markup=False, soft_wrap=True)
    kpis = record.results.get("kpis")
    if kpis:
        table = Table()
        for column in ("KPI", "mean", "ci_low", "ci_high"):
            table.add_column(column, justify="left" if column == "KPI" else "right")
        currency = record.results.get("currency", DEFAULT_CURRENCY)
        for name, interval in kpis.items():
            table.add_row(name, *(format_kpi(interval[k], name, currency) for k in ("mean", "ci_low", "ci_high")))
        print_table(table, console)
    return EXIT_OK


def optimization_lines(results: dict) -> list[str]:
    """An optimisation's record in words: what was asked, and the best plan confirmed."""
    settings, best = results.get("settings", {}), results.get("best") or {}
    currency = results.get("currency") or DEFAULT_CURRENCY
    lines = [f"levers {' '.join(settings.get('levers', []))}; objective {' '.join(settings.get('objectives', []))}"
             + (f"; constraints {' '.join(settings.get('constraints', []))}" if settings.get("constraints") else "")]
    if best:
        objective, vs = best["objective"], best.get("vs_scenario") or {}
        kpi = objective["kpi"]
        lines.append("best: " + " ".join(f"{key}={value}" for key, value in best["levers"].items())
                     + f" (trial {best.get('trial')}, {'feasible' if best.get('feasible') else 'NOT feasible'})")
        lines.append(f"{kpi}: {format_kpi(objective['mean'], kpi, currency)} [95 % CI "
                     f"{format_kpi(objective['ci_low'], kpi, currency)}, {format_kpi(objective['ci_high'], kpi, currency)}]"
                     + (f"; vs scenario as given {format_kpi(vs['difference'], kpi, currency, signed=True)}" if vs else ""))
    if results.get("note"):
        lines.append(f"note: {results['note']}")
    return lines
