"""`growthsim report RUN_OR_DIR`: a self-contained HTML report of a run, a comparison or a calibration."""

from __future__ import annotations

import argparse
from pathlib import Path

from growthsim.arguments import EXIT_OK, BadInput
from simulation.storage.history import History
from simulation.experiments.optimize_events import OptimizeError
from simulation.experiments.optimize_report import is_optimization, write_optimize_report
from simulation.experiments.report import ReportError, write_report


def add_parser(commands) -> None:
    parser = commands.add_parser("report", help="write report.html for a run, compare, calibrate or optimize folder, or a history id")
    parser.add_argument("target", metavar="RUN_OR_DIR", help="a folder written by run/compare/calibrate/optimize --out, or a history id")
    parser.add_argument("--out", type=Path, help="the HTML file (default: report.html in the folder)")
    parser.add_argument("--force", action="store_true", help="replace an --out file that growthsim did not write")


def command_report(args: argparse.Namespace) -> int:
    folder = Path(args.target)
    if not folder.exists() and args.target.isdigit():
        record = History().get(int(args.target))
        if record is None:
            raise BadInput(f"report: {args.target} is neither a folder nor a history id")
        if not record.out_dir:
            raise BadInput(f"report: history record {record.id} was run without --out; nothing to report from")
        folder = Path(record.out_dir)
    try:
        if is_optimization(folder):   # optimize --out: its own module draws it
            written = write_optimize_report(folder, args.out, force=args.force)
        else:
            written = write_report(folder, args.out, force=args.force)
    except (ReportError, OptimizeError) as error:
        raise BadInput(str(error)) from None
    print(f"wrote {written}")
    return EXIT_OK
