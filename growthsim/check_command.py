"""`growthsim check [PATH...]`: scenarios held to their expectations and goldens, for CI.

The verdicts come from simulation/experiments/check.py; this module only shows them: a summary
table and one line per failure on standard output (plain text without a terminal, no
colour with NO_COLOR), `--json` for machines, `--junit FILE` for CI systems' test
views. Exit 0 when every check holds, 1 when any fails, 2 on bad input (nothing written).
"""

from __future__ import annotations

import argparse
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from growthsim.arguments import EXIT_CHECK_FAILED, EXIT_OK, positive_int
from growthsim.bundled import scenario_file, scenarios_folder
from growthsim.console import for_stdout, print_table
from growthsim.i18n import _
from simulation.experiments.check import CheckReport, ScenarioCheck, check
from simulation.storage.outputs import check_named_file, write_named_file


def add_parser(commands) -> None:
    parser = commands.add_parser("check", help=_("hold scenarios to their expectations and golden results (for CI)"))
    parser.add_argument("paths", type=Path, nargs="*", metavar="PATH",
                        help=_("scenario files, bundled scenarios' names, or folders to walk (default: the bundled "
                               "scenarios)"))
    parser.add_argument("--update", action="store_true",
                        help=_("record each scenario's KPIs as its golden (NAME.golden.json beside it)"))
    parser.add_argument("--jobs", type=positive_int, help=_("parallel processes (default: one per core)"))
    parser.add_argument("--junit", type=Path, metavar="FILE", help=_("also write the verdicts as JUnit XML"))
    parser.add_argument("--force", action="store_true", help=_("replace a --junit file that growthsim did not write"))
    parser.add_argument("--json", action="store_true", help=_("print the verdicts as JSON instead of the table"))


def command_check(args: argparse.Namespace) -> int:
    paths = [scenario_file(path) for path in args.paths] or [scenarios_folder()]
    if args.junit is not None:   # refused before the runs, not after them
        check_named_file(args.junit, option="--junit", ours=JUNIT_MARK, force=args.force)
    stderr = Console(stderr=True)
    columns = (TextColumn(_("check")), BarColumn(), MofNCompleteColumn(), TextColumn(_("runs")), TimeRemainingColumn())
    with Progress(*columns, console=stderr, disable=not stderr.is_terminal, transient=True) as bar:
        task = bar.add_task("check", total=None)     # the number of runs is known once the scenarios are read
        report = check(paths, jobs=args.jobs, update=args.update,
                       progress=lambda done, total: bar.update(task, completed=done, total=total))
    if args.junit is not None:
        write_named_file(args.junit, junit_xml(report), option="--junit", ours=JUNIT_MARK, force=args.force)
    if args.json:
        print(json.dumps(report_json(report), indent=2))
        warnings = Console(stderr=True, highlight=False)
        for line in warning_lines(report):
            warnings.print(line, markup=False, soft_wrap=True)
    else:
        with for_stdout(Console(highlight=False)) as out:
            print_report(report, out)
    return EXIT_OK if report.passed else EXIT_CHECK_FAILED


# --- the table ------------------------------------------------------------------------------


def _count(scenario: ScenarioCheck, kind: str) -> str:
    verdicts = [v for v in scenario.verdicts if v.kind == kind]
    return f"{sum(v.passed for v in verdicts)}/{len(verdicts)}" if verdicts else "-"


def _golden_cell(scenario: ScenarioCheck, updated: bool) -> str:
    if scenario.golden is None:
        return _("off")
    if updated:
        return _("written") if scenario.golden_written else _("unchanged")
    if any(v.failure == "no golden" for v in scenario.verdicts):
        return _("missing")
    return _count(scenario, "golden")


def summary_table(report: CheckReport) -> Table:
    table = Table(title=_("growthsim check: {n} scenario(s)").format(n=len(report.scenarios)))
    for k, column in enumerate((_("scenario"), _("replications"), _("bounds"), _("relations"), _("golden"), _("result"))):
        table.add_column(column, justify="left" if k == 0 else "right")
    for scenario in report.scenarios:
        result = Text(_("PASS"), style="green") if scenario.passed else Text(_("FAIL"), style="bold red")
        if scenario.versions_differ:
            result.append(_(" (versions differ)"), style="yellow")
        table.add_row(str(scenario.path), str(scenario.replications), _count(scenario, "bound"),
                      _count(scenario, "relation"), _golden_cell(scenario, report.updated), result)
    return table


def warning_lines(report: CheckReport) -> list[str]:
    lines = [_("warning: {note}").format(note=note) for note in report.notes]
    for scenario in report.scenarios:
        if scenario.versions_differ:
            changes = ", ".join(f"{name} {old} -> {new}" for name, (old, new) in scenario.versions_differ.items())
            lines.append(_("warning: {path}: versions differ from the golden's ({changes}); the KPIs were still "
                           "compared. Once reviewed, `growthsim check --update` records them").format(
                path=scenario.path, changes=changes))
        lines.extend(_("warning: {path}: {note}").format(path=scenario.path, note=note) for note in scenario.notes)
    return lines


def print_report(report: CheckReport, console: Console) -> None:
    print_table(summary_table(report), console)   # piped (a CI log): tab-separated, no path cut short
    for scenario in report.scenarios:
        for verdict in scenario.verdicts:
            if not verdict.passed:
                console.print(_("FAIL {path} ({kind}): {message}").format(path=scenario.path, kind=verdict.kind,
                                                                          message=verdict.text()),
                              markup=False, soft_wrap=True)
    for line in warning_lines(report):
        console.print(line, markup=False, soft_wrap=True)
    if report.updated:
        written = [s for s in report.scenarios if s.golden_written]
        console.print(_("goldens: {written} written, {unchanged} unchanged").format(
            written=len(written), unchanged=sum(s.golden is not None for s in report.scenarios) - len(written)),
            markup=False)
    verdicts = [v for s in report.scenarios for v in s.verdicts]
    failed = sum(not v.passed for v in verdicts)
    console.print(_("{scenarios} scenario(s), {checks} checks: {passed} passed, {failed} failed ({seconds:.0f} s)").format(
        scenarios=len(report.scenarios), checks=len(verdicts), passed=len(verdicts) - failed, failed=failed,
        seconds=report.seconds), markup=False)


# --- machines -------------------------------------------------------------------------------


def report_json(report: CheckReport) -> dict:
    return {
        "passed": report.passed,
        "updated": report.updated,
        "versions": report.versions,
        "notes": report.notes,
        "scenarios": [{
            "path": str(s.path), "name": s.name, "passed": s.passed, "seed": s.seed, "replications": s.replications,
            "golden": None if s.golden is None else str(s.golden), "golden_written": s.golden_written,
            "versions_differ": {name: {"golden": old, "now": new} for name, (old, new) in s.versions_differ.items()},
            "notes": s.notes,
            "checks": [{"kind": v.kind, "name": v.name, "kpi": v.kpi, "passed": v.passed, "failure": v.failure or None,
                        "message": v.message, **v.numbers} for v in s.verdicts],
        } for s in report.scenarios],
    }


JUNIT_MARK = 'name="growthsim check"'   # in the first line of every JUnit file check writes


def junit_xml(report: CheckReport) -> str:
    """One testsuite per scenario file, one testcase per bound, relation and golden KPI.
    Packages that differ from the golden's show as a skipped testcase: seen, not failed."""
    verdicts = [v for s in report.scenarios for v in s.verdicts]
    skipped = sum(bool(s.versions_differ) for s in report.scenarios)
    root = ET.Element("testsuites", name="growthsim check", tests=str(len(verdicts) + skipped),
                      failures=str(sum(not v.passed for v in verdicts)), errors="0", skipped=str(skipped),
                      time=f"{report.seconds:.3f}")
    for scenario in report.scenarios:
        differ = bool(scenario.versions_differ)
        suite = ET.SubElement(root, "testsuite", name=str(scenario.path),
                              tests=str(len(scenario.verdicts) + differ),
                              failures=str(sum(not v.passed for v in scenario.verdicts)), errors="0",
                              skipped=str(int(differ)), time=f"{scenario.seconds:.3f}")
        properties = ET.SubElement(suite, "properties")
        for name, value in (("scenario", scenario.name), ("seed", scenario.seed),
                            ("replications", scenario.replications),
                            *((f"version.{k}", v) for k, v in report.versions.items())):
            ET.SubElement(properties, "property", name=name, value=str(value))
        classname = str(scenario.path.with_suffix("")).replace("\\", "/").replace("/", ".")
        for verdict in scenario.verdicts:
            case = ET.SubElement(suite, "testcase", classname=classname, name=verdict.name, time="0")
            if verdict.passed:
                ET.SubElement(case, "system-out").text = verdict.message
            else:
                ET.SubElement(case, "failure", message=verdict.message, type=verdict.failure).text = verdict.message
        if differ:
            case = ET.SubElement(suite, "testcase", classname=classname, name="golden: package versions", time="0")
            changes = ", ".join(f"{n} {old} -> {new}" for n, (old, new) in scenario.versions_differ.items())
            ET.SubElement(case, "skipped", message=f"versions differ from the golden's: {changes}")
        if scenario.notes:
            ET.SubElement(suite, "system-out").text = "\n".join(scenario.notes)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
