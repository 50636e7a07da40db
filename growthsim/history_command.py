"""`growthsim history [ID]`: the runs, compares, sweeps, checks and optimisations recorded so far."""

from __future__ import annotations

import argparse
import dataclasses
import json

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from growthsim.arguments import EXIT_OK, BadInput, positive_int
from growthsim.console import for_stdout, format_kpi, print_table, printable
from growthsim.i18n import _
from growthsim.terms import kpi_label
from simulation.kernel.currency import DEFAULT_CURRENCY
from simulation.storage.history import History

SHOWN_KPIS = ("shoppers_total", "retention_d90", "contribution")


def add_parser(commands) -> None:
    parser = commands.add_parser("history", help=_("list recorded runs, or show one"))
    parser.add_argument("id", type=positive_int, nargs="?", help=_("the record to show"))
    parser.add_argument("--limit", type=positive_int, default=50, help=_("how many to list (default 50)"))
    parser.add_argument("--json", action="store_true",
                        help=_("print the records (or the one) as JSON, everything recorded, for scripts"))
    parser.add_argument("--repair", action="store_true",
                        help=_("set a broken history database aside (renamed, not deleted) and start a new one"))


def command_history(args: argparse.Namespace) -> int:
    history = History()
    if args.repair:
        aside = history.repair()
        with for_stdout() as out:
            out.print(_("{path}: sound, left as it is").format(path=history.path) if aside is None else
                      _("{path} was broken: moved to {aside}; a new history starts there").format(
                          path=history.path, aside=aside), highlight=False, markup=False)
        return EXIT_OK
    if args.json:
        records = history.list(args.limit) if args.id is None else [history.get(args.id)]
        if records == [None]:
            raise BadInput(_("history: no record {id} in {path}").format(id=args.id, path=history.path))
        found = [dataclasses.asdict(record) for record in records]
        print(json.dumps(found if args.id is None else found[0], indent=2, ensure_ascii=False))
        return EXIT_OK
    if args.id is None:
        with for_stdout() as out:
            print_table(history_table(history, args.limit), out)
        return EXIT_OK
    record = history.get(args.id)
    if record is None:
        raise BadInput(_("history: no record {id} in {path}").format(id=args.id, path=history.path))
    with for_stdout() as out:
        show_record(record, out)
    return EXIT_OK


def history_table(history: History, limit: int) -> Table:
    table = Table(title=_("history: {path}").format(path=history.path))
    right = {"id", "replications", *SHOWN_KPIS}
    for column, header in (("id", "id"), ("when", _("when (UTC)")), ("kind", _("kind")), ("name", _("name")),
                           ("replications", _("replications")), *((k, kpi_label(k)) for k in SHOWN_KPIS)):
        table.add_column(header, justify="right" if column in right else "left")
    for record in history.list(limit):
        kpis, currency = record.results.get("kpis", {}), record.results.get("currency", DEFAULT_CURRENCY)
        shown = [format_kpi(kpis[k]["mean"], k, currency) if k in kpis else "-" for k in SHOWN_KPIS]
        table.add_row(str(record.id), record.created, record.kind, escape(printable(record.name)),
                      str(record.replications or "-"), *shown)
    return table


def show_record(record, console: Console) -> None:
    heading = _("{kind} {name!r} at {created} UTC, seed {seed}, {replications} replications").format(
        kind=record.kind, name=record.name, created=record.created, seed=record.seed, replications=record.replications)
    console.print(Text.assemble((f"#{record.id}", "bold"), " ", heading))
    console.print(_("versions: ") + ", ".join(f"{k} {v}" for k, v in record.versions.items()), highlight=False,
                  markup=False)
    if record.out_dir:
        console.print(_("outputs: {folder}").format(folder=record.out_dir), markup=False)
    for scenario in record.scenarios:
        overrides = scenario.get("overrides") or []
        console.print(_("scenario {path}").format(path=scenario['path'])
                      + (_(" with --set {sets}").format(sets=" --set ".join(overrides)) if overrides else ""),
                      highlight=False, markup=False, soft_wrap=True)
    if record.kind == "optimize":
        for line in optimization_lines(record.results):
            console.print(line, highlight=False, markup=False, soft_wrap=True)
    kpis = record.results.get("kpis")
    if kpis:
        table = Table()
        for k, column in enumerate((_("KPI"), _("mean"), _("ci_low"), _("ci_high"))):
            table.add_column(column, justify="left" if k == 0 else "right")
        currency = record.results.get("currency", DEFAULT_CURRENCY)
        for name, interval in kpis.items():
            table.add_row(kpi_label(name), *(format_kpi(interval[k], name, currency)
                                             for k in ("mean", "ci_low", "ci_high")))
        print_table(table, console)


def optimization_lines(results: dict) -> list[str]:
    """An optimisation's record in words: what was asked, and the best plan confirmed."""
    settings, best = results.get("settings", {}), results.get("best") or {}
    currency = results.get("currency") or DEFAULT_CURRENCY
    asked = _("levers {levers}; objective {objectives}").format(levers=" ".join(settings.get("levers", [])),
                                                              objectives=" ".join(settings.get("objectives", [])))
    if settings.get("constraints"):
        asked += _("; constraints {constraints}").format(constraints=" ".join(settings["constraints"]))
    lines = [asked]
    if best:
        objective, vs = best["objective"], best.get("vs_scenario") or {}
        kpi = objective["kpi"]
        levers = " ".join(f"{key}={value}" for key, value in best["levers"].items())
        lines.append(_("best: {levers} (trial {trial}, feasible)").format(levers=levers, trial=best.get("trial"))
                     if best.get("feasible") else
                     _("best: {levers} (trial {trial}, NOT feasible)").format(levers=levers, trial=best.get("trial")))
        line = _("{kpi}: {mean} [95 % CI {low}, {high}]").format(
            kpi=kpi_label(kpi), mean=format_kpi(objective["mean"], kpi, currency),
            low=format_kpi(objective["ci_low"], kpi, currency), high=format_kpi(objective["ci_high"], kpi, currency))
        if vs:
            line += _("; vs scenario as given {difference}").format(
                difference=format_kpi(vs["difference"], kpi, currency, signed=True))
        lines.append(line)
    if results.get("note"):
        lines.append(_("note: {note}").format(note=results["note"]))
    return lines
