"""`growthsim compare A.yaml B.yaml ...`: every KPI of each scenario, its difference
to the first with a 95 % interval from paired replications (and in % against a positive
first), and the ROI of each strategy a scenario changed against the first."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from rich.table import Table

from growthsim.arguments import EXIT_OK, BadInput, non_negative_int, positive_int, whole_number
from growthsim.bundled import scenario_file
from growthsim.console import for_stdout, format_kpi, print_table, progress_bar
from growthsim.i18n import _, language
from growthsim.terms import kpi_label, strategy_label
from simulation.experiments.compare import compare, percent_text, roi_text
from simulation.experiments.records import record_comparison
from simulation.storage.loading import load_scenario, resolved_yaml
from simulation.kernel.currency import format_money
from simulation.storage.outputs import (check_output_folder, jsonable, replacing_folder, write_atomically, write_rows,
                                         write_run)

SIGNIFICANT = "*"


def add_parser(commands) -> None:
    parser = commands.add_parser("compare", help=_("compare scenarios with paired confidence intervals (common random "
                                                   "numbers)"))
    parser.add_argument("scenarios", type=Path, nargs="+", metavar="SCENARIO",
                        help=_("scenario files or bundled scenarios' names; the first is the reference"))
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help=_("override a dotted key in every scenario (repeatable)"))
    parser.add_argument("--replications", type=whole_number(2),
                        help=_("replications, at least 2 (default: the first scenario's)"))
    parser.add_argument("--seed", type=non_negative_int,
                        help=_("seed shared by every scenario (default: the first scenario's)"))
    parser.add_argument("--jobs", type=positive_int, help=_("parallel processes (default: one per core)"))
    parser.add_argument("--out", type=Path, help=_("folder for compare.json and compare.csv"))
    parser.add_argument("--json", action="store_true", help=_("print compare.json instead of the table"))


def command_compare(args: argparse.Namespace) -> int:
    if len(args.scenarios) < 2:
        raise BadInput(_("compare needs at least two scenarios"))
    args.scenarios = [scenario_file(path) for path in args.scenarios]
    scenarios = [load_scenario(path, args.overrides) for path in args.scenarios]   # all checked before any runs
    if args.out is not None:
        check_output_folder(args.out)
    replications = args.replications or scenarios[0].replications
    total = len(scenarios) * replications * scenarios[0].horizon_days
    with progress_bar(_("compare"), total) as advance:
        comparison = compare(scenarios, replications=replications, seed=args.seed, jobs=args.jobs,
                             progress=lambda rep, day: advance())
    sources = [str(p) for p in args.scenarios]
    document = comparison.document(sources)
    if args.out is not None:   # the whole folder at once: a kill leaves the old comparison or the new one
        with replacing_folder(args.out) as folder:
            for index, (result, scenario) in enumerate(zip(comparison.results, scenarios)):
                name = re.sub(r"[^\w.-]+", "_", scenario.name)[:60]   # a folder name, whatever the scenario's name
                write_run(result, folder / f"{index}-{name}", scenario_yaml=resolved_yaml(scenario))
            write_atomically(folder / "compare.json", lambda h: h.write(json.dumps(jsonable(document), indent=2) + "\n"))
            write_rows(folder / "compare.csv", document["rows"])
    record_comparison(sources, scenarios, comparison, out_dir=str(args.out.resolve()) if args.out else None)
    if args.json:   # the curves stay in compare.json and the history: a terminal wants the figures
        print(json.dumps({k: v for k, v in jsonable(document).items() if k != "series"}, indent=2))
    else:
        with for_stdout() as out:
            print_table(comparison_table(document), out)
            print_table(roi_table(document), out)
            out.print(SIGNIFICANT + " " + _("the 95 % interval of the paired difference excludes 0; % only against a "
                                            "positive baseline; ROI = (incremental gross profit - strategy cost) / "
                                            "strategy cost"), markup=False)
    return EXIT_OK


def comparison_table(document: dict) -> Table:
    """Each KPI: the reference's mean, then for every other scenario its mean, its difference
    to the reference with the paired 95 % interval, and that difference in % (compare.json's rows)."""
    names, currency = document["names"], document["currency"]
    table = Table(title=_("{n} paired replications, seed {seed}").format(n=document['replications'],
                                                                          seed=document['seed']))
    table.add_column(_("KPI"))
    table.add_column(names[0], justify="right")
    for name in names[1:]:
        table.add_column(name, justify="right")
        table.add_column(f"{name} - {names[0]} [95 %]", justify="right")
        table.add_column("%", justify="right")
    by_kpi: dict[str, list[dict]] = {}
    for row in document["rows"]:
        by_kpi.setdefault(row["kpi"], []).append(row)
    for kpi, rows in by_kpi.items():
        cells = [kpi_label(kpi), _value(rows[0], currency)]
        for row in rows[1:]:
            cells += [_value(row, currency), _difference(row, currency), percent_text(row)]
        table.add_row(*cells)
    return table


def roi_table(document: dict) -> Table:
    """ROI of each strategy a scenario changed against the reference (compare.json's roi)."""
    currency = document["currency"]
    table = Table(title=_("ROI against {name}: per strategy changed, from its ledger cost line").format(
        name=document['names'][0]))
    headers = (_("scenario"), _("strategy"), _("strategy cost [95 %]"), _("incremental gross profit [95 %]"),
               _("ROI [95 %]"))
    for k, header in enumerate(headers):
        table.add_column(header, justify="left" if k < 2 else "right")
    for entry in document["roi"]:
        table.add_row(entry["scenario"], strategy_label(entry["strategy"]) if entry["strategy"]
                      else _("all changed together"),
                      _money_interval(entry, "cost_", currency), _money_interval(entry, "gross_profit_", currency),
                      roi_text(entry))
    if not document["roi"]:
        table.add_row(*([_("no strategy differs from the reference")] + [""] * 4))
    return table


def _money_interval(entry: dict, prefix: str, currency: str) -> str:
    mean, low, high = (entry[prefix + k] for k in ("mean", "ci_low", "ci_high"))
    if mean is None:
        return "-"
    wan = language() == "zh"
    text = format_money(mean, currency, signed=True, wan=wan)
    return text if low is None else f"{text} [{format_money(low, currency, signed=True, wan=wan)}, " \
        f"{format_money(high, currency, signed=True, wan=wan)}]"


def _value(row: dict, currency: str) -> str:
    return format_kpi(row["mean"], row["kpi"], currency)


def _difference(row: dict, currency: str) -> str:
    mean, low, high = (row["diff_" + k] for k in ("mean", "ci_low", "ci_high"))
    if mean is None:
        return "-"
    show = lambda x: format_kpi(x, row["kpi"], currency, signed=True)   # noqa: E731
    text = show(mean) if low is None else f"{show(mean)} [{show(low)}, {show(high)}]"
    return f"{text} {SIGNIFICANT}" if row["significant"] else text
