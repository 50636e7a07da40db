"""`growthsim report RUN_OR_DIR`: a self-contained HTML report of a run, a comparison, a calibration or an optimisation."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from growthsim.arguments import EXIT_OK, BadInput
from growthsim.console import for_stdout
from growthsim.i18n import _
from simulation.storage.history import History
from simulation.experiments.optimize_events import OptimizeError

# The report modules (matplotlib) are imported when a report is drawn: every command
# builds this parser, and a run need not pay for them in start-up time and memory.


def add_parser(commands) -> None:
    parser = commands.add_parser("report", help=_("write report.html for a run, compare, calibrate or optimize folder, "
                                                  "or a history id"))
    parser.add_argument("target", metavar="RUN_OR_DIR", help=_("a folder written by run/compare/calibrate/optimize "
                        "--out, or a history id (a comparison's, from the command or the app, needs no folder)"))
    parser.add_argument("--out", type=Path, help=_("the HTML file (default: report.html in the folder; for a "
                        "comparison recorded without --out, compare-ID-report.html here)"))
    parser.add_argument("--force", action="store_true", help=_("replace an --out file that growthsim did not write"))


def command_report(args: argparse.Namespace) -> int:
    from simulation.experiments.optimize_report import is_optimization, write_optimize_report
    from simulation.experiments.report import ReportError, write_report
    folder = Path(args.target)
    if not folder.exists() and args.target.isdigit():
        record = History().get(int(args.target))
        if record is None:
            raise BadInput(_("report: {target} is neither a folder nor a history id").format(target=args.target))
        if record.kind == "compare" and "names" in record.results:   # the history keeps compare.json's content
            return _report_comparison(record, args)
        if not record.out_dir:
            raise BadInput(_("report: history record {id} was run without --out; nothing to report from").format(
                id=record.id))
        folder = Path(record.out_dir)
    try:
        if is_optimization(folder):   # optimize --out: its own module draws it
            written = write_optimize_report(folder, args.out, force=args.force)
        else:
            written = write_report(folder, args.out, force=args.force)
    except (ReportError, OptimizeError) as error:
        raise BadInput(str(error)) from None
    _say_written(written)
    return EXIT_OK


def _say_written(path: Path) -> None:
    from simulation.experiments.report_page import charts_in_english
    if charts_in_english():   # the page says so too (report_page.font_note)
        Console(stderr=True, highlight=False).print(
            _("warning: {note}").format(note=_("no font that draws Chinese is installed: the report's charts are "
                                               "labelled in English (install fonts-noto-cjk)")),
            markup=False, soft_wrap=True)
    with for_stdout() as out:
        out.print(_("wrote {path}").format(path=path), markup=False, highlight=False, soft_wrap=True)


def _report_comparison(record, args: argparse.Namespace) -> int:
    """A comparison's report from the history's copy of its compare.json: into its --out
    folder when it had one (that report.html is ours to replace, as `report FOLDER` does),
    else compare-ID-report.html here; a file named by --out only if growthsim wrote it."""
    from simulation.experiments.report import write_comparison_report
    in_folder = args.out is None and record.out_dir is not None and Path(record.out_dir).is_dir()
    out = args.out or (Path(record.out_dir) / "report.html" if in_folder else Path(f"compare-{record.id}-report.html"))
    written = write_comparison_report(record.results, out, force=args.force or in_folder)
    _say_written(written)
    return EXIT_OK
