"""`growthsim sweep SCENARIO --grid KEY=V1,V2 ...`: a scenario over a design of levers."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from rich.console import Console
from rich.table import Table

from growthsim.arguments import EXIT_CHECK_FAILED, EXIT_INTERRUPTED, EXIT_OK, BadInput, positive_int
from growthsim.bundled import scenario_file
from growthsim.console import for_stdout, format_kpi, print_table, progress_bar
from growthsim.i18n import _
from growthsim.terms import kpi_label
from simulation.experiments.resources import check_design
from simulation.kernel.currency import DEFAULT_CURRENCY
from simulation.storage.history import History
from simulation.experiments.records import recorded, warn_on_stderr
from simulation.storage.loading import resolved_yaml
from simulation.experiments.sweep import (DaskExecutor, InlineExecutor, ProcessExecutor, Sweep, SweepError, grid_points,
                              latin_hypercube_points)

SHOWN = ("shoppers_total", "retention_d90", "contribution")


def add_parser(commands) -> None:
    parser = commands.add_parser("sweep", help=_("run a scenario over a grid or a Latin hypercube of lever values"))
    parser.add_argument("scenario", type=Path, help=_("scenario YAML file, or the name of a bundled scenario"))
    parser.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2,...",
                        help=_("values of a dotted key; several --grid make a full factorial"))
    parser.add_argument("--lhs", action="append", default=[], metavar="KEY=LOW:HIGH",
                        help=_("a range for a Latin hypercube design (with --points)"))
    parser.add_argument("--points", type=positive_int, default=10, help=_("points of the Latin hypercube (default 10)"))
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help=_("override a dotted key at every point (repeatable)"))
    parser.add_argument("--replications", type=positive_int, help=_("replications per point (default: the scenario's)"))
    parser.add_argument("--executor", choices=("processes", "dask"), default="processes",
                        help=_("where the points run (default processes)"))
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help=_("a Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a local cluster)"))
    parser.add_argument("--jobs", type=positive_int, help=_("local processes or Dask workers (default: one per core)"))
    parser.add_argument("--out", type=Path, help=_("folder for the sweep (default: sweep-NAME)"))
    parser.add_argument("--resume", action="store_true", help=_("finish a sweep that was stopped, keeping finished points"))
    parser.add_argument("--force", action="store_true", help=_("put the sweep in a folder that holds other files"))


def parse_design(args: argparse.Namespace) -> list[list[str]]:
    """The design's points; its size is checked against memory before any is made."""
    if args.grid and args.lhs:
        raise BadInput(_("give --grid or --lhs, not both"))
    if args.grid:
        grid = {}
        for item in args.grid:
            key, sep, values = item.partition("=")
            if not sep or not key or not values:
                raise BadInput(_("--grid {item!r}: expected KEY=V1,V2,...").format(item=item))
            if key in grid:
                raise BadInput(_("--grid {item!r}: {key} is given twice; list all its values in one --grid").format(
                    item=item, key=key))
            grid[key] = values.split(",")
        check_design(math.prod(len(values) for values in grid.values()))
        return grid_points(grid)
    ranges, integers = {}, []
    for item in args.lhs:
        key, sep, bounds = item.partition("=")
        low, colon, high = bounds.partition(":")
        try:
            ranges[key] = (float(low), float(high))
        except ValueError:
            raise BadInput(_("--lhs {item!r}: expected KEY=LOW:HIGH with numbers").format(item=item)) from None
        if not sep or not colon or not all(map(math.isfinite, ranges[key])) or ranges[key][0] >= ranges[key][1]:
            raise BadInput(_("--lhs {item!r}: expected KEY=LOW:HIGH with finite numbers, LOW < HIGH").format(item=item))
        if low.lstrip("-").isdigit() and high.lstrip("-").isdigit():
            integers.append(key)
    if ranges:
        check_design(args.points)
    return latin_hypercube_points(ranges, args.points, seed=0, integers=integers) if ranges else []


def command_sweep(args: argparse.Namespace) -> int:
    design = parse_design(args)
    args.scenario = scenario_file(args.scenario)
    try:
        sweep = Sweep(args.scenario, design, args.overrides, args.replications,
                      args.out or Path(f"sweep-{args.scenario.stem}"))
        # Every point within the limits before any runs (LimitError: exit 2); on a remote
        # Dask cluster only the work is checked, its machines' memory is not ours to know.
        jobs = sweep.check_limits(args.jobs, local=args.executor != "dask" or args.scheduler is None)
        if args.executor == "dask":
            executor = DaskExecutor(args.scheduler, args.jobs)
        else:
            executor = InlineExecutor() if jobs == 1 else ProcessExecutor(jobs)
    except SweepError as error:
        raise BadInput(str(error)) from None
    console = Console(stderr=True)
    try:
        total = len(sweep.points) * sweep.replications
        with progress_bar(_("sweep {name}: {n} points").format(name=sweep.base.name, n=len(sweep.points)), total,
                          _("runs")) as advance:
            points = sweep.run(executor, resume=args.resume, force=args.force, on_task=advance,
                               on_point=lambda p: p.error and console.print(
                                   _("point {index} failed: {error}").format(index=p.index,
                                                                             error=p.error.splitlines()[-1]),
                                   markup=False))
    except SweepError as error:
        raise BadInput(str(error)) from None
    except KeyboardInterrupt:
        executor.close()   # the workers end now, before the message
        console.print(_("interrupted: {done} of {n} points are done in {folder}/points/; run the same command with "
                        "--resume to finish the others").format(done=sweep.finished(), n=len(sweep.points),
                                                                folder=sweep.out),
                      soft_wrap=True, highlight=False, markup=False)
        return EXIT_INTERRUPTED
    finally:
        executor.close()
    rows = sweep.rows()
    recorded(lambda: History().record(
        "sweep", sweep.base.name, [{"path": str(args.scenario), "yaml": resolved_yaml(sweep.base)}],
        {"design": [p.overrides for p in points], "rows": rows, "currency": sweep.base.currency},
        seed=sweep.base.seed, replications=sweep.replications, out_dir=str(sweep.out.resolve())), warn_on_stderr)
    with for_stdout() as out:
        print_table(sweep_table(rows, [key.split("=")[0] for key in design[0]], sweep.base.currency), out)
        out.print(_("wrote {folder}/ (sweep.csv, points/)").format(folder=sweep.out), markup=False)
    failed = [p.index for p in points if p.error]
    if failed:
        console.print(_("{n} point(s) failed: {points}; rerun with --resume to retry them").format(
            n=len(failed), points=failed), markup=False)
        return EXIT_CHECK_FAILED
    return EXIT_OK


def sweep_table(rows: list[dict], levers: list[str], currency: str = DEFAULT_CURRENCY) -> Table:
    table = Table()
    for column in (_("point"), *(lever.rsplit(".", 1)[-1] for lever in levers), *map(kpi_label, SHOWN)):
        table.add_column(column, justify="right")
    for row in rows:
        shown = [format_kpi(row[f"{k}_mean"], k, currency) for k in SHOWN]
        table.add_row(str(row["point"]), *(str(row[lever]) for lever in levers), *shown)
    return table
