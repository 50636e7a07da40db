"""`growthsim calibrate ORDERS --out DIR`: a twin of a shop's customers from its order export,
and how well it forecasts the period it did not see (docs/calibration.md)."""

from __future__ import annotations

import argparse
import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from growthsim.arguments import EXIT_OK, BadInput, positive_int
from growthsim.bundled import scenario_file
from growthsim.console import for_stdout, format_number, print_table, progress_bar
from growthsim.i18n import _, format_date
from simulation.storage.loading import load_scenario

if TYPE_CHECKING:
    from simulation.experiments.calibration.calibrate import Calibration   # polars: imported when calibrating
from simulation.storage.outputs import check_output_folder


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "calibrate", help=_("fit a shop's order export and write a twin of its customers (scenario.yaml) with its "
                            "holdout check"),
        description=_("Fit BG/NBD, Pareto/NBD, Gamma-Gamma spend and acquisition to an order export (CSV, TSV, gzip, "
                      ".xlsx, Parquet) and write DIR: calibration.json, scenario.yaml (the twin), customers.parquet, "
                      "scores.csv. docs/calibration.md says what is fitted and how to read the result."))
    parser.add_argument("orders", type=Path, metavar="ORDERS", help=_("the order export: one row per order"))
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help=_("folder for the twin and calibration.json"))
    columns = parser.add_argument_group(_("columns (guessed from the header, English or Chinese, when not given)"))
    for role, help in (("customer", _("the customer column, e.g. 买家会员名")),
                       ("date", _("the date column, e.g. 订单创建时间")),
                       ("amount", _("the amount column, e.g. 买家实际支付金额")),
                       ("order", _("the order column, e.g. 订单编号")),
                       ("status", _("the status column, e.g. 订单状态"))):
        columns.add_argument(f"--{role}", metavar="COL", help=help)
    columns.add_argument("--keep-status", metavar="VALUES",
                         help=_("keep only rows whose status is one of these (comma-separated), e.g. 交易成功"))
    reading = parser.add_argument_group(_("reading"))
    reading.add_argument("--date-format", metavar="FORMAT", help=_("e.g. '%%Y/%%m/%%d %%H:%%M:%%S' (default: detected)"))
    reading.add_argument("--timezone", default="Asia/Shanghai",
                         help=_("days are counted in this time zone (default Asia/Shanghai); naive times are local"))
    reading.add_argument("--encoding", help=_("the file's encoding (default: UTF-8 with or without BOM, else GB18030)"))
    reading.add_argument("--max-bad-fraction", type=_fraction, default=0.01, metavar="F",
                         help=_("stop if more than this share of rows is bad (default 0.01)"))
    fitting = parser.add_argument_group(_("fitting"))
    fitting.add_argument("--calibration-end", type=_date, metavar="DATE",
                         help=_("the holdout's first day: fit the orders before it, check the forecast after it"))
    fitting.add_argument("--model", choices=("auto", "bgnbd", "pareto_nbd"), default="auto",
                         help=_("the twin's repeat-buying model (auto: the lower holdout error, else AIC)"))
    fitting.add_argument("--acquisition", choices=("auto", "none", "constant", "bass"), default="auto",
                         help=_("new customers: none, a constant rate, Bass diffusion (auto: the lowest AIC)"))
    fitting.add_argument("--discount-rate", type=_fraction, default=0.10, metavar="RATE",
                         help=_("yearly, for CLV (default 0.10)"))
    fitting.add_argument("--extends", metavar="FILE", default="baseline",
                         help=_("scenario for what orders cannot tell: operations, strategies, margins (default: the "
                                "bundled baseline)"))
    fitting.add_argument("--keep-ids", action="store_true",
                         help=_("write the file's customer ids (default: pseudonyms, a keyed hash whose key is not kept)"))
    fitting.add_argument("--replications", type=positive_int, default=10,
                         help=_("replications of the twin over the holdout (default 10)"))
    fitting.add_argument("--jobs", type=positive_int, help=_("parallel processes (default: one per core)"))
    parser.add_argument("--json", action="store_true", help=_("print calibration.json instead of tables"))


def _fraction(text: str) -> float:
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("not a number: {text!r}").format(text=text)) from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(_("{text} is not between 0 and 1").format(text=text))
    return value


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("not a date (YYYY-MM-DD): {text!r}").format(text=text)) from None


def command_calibrate(args: argparse.Namespace) -> int:
    from simulation.experiments.calibration.calibrate import (CalibrationError, CalibrationOptions, calibrate,
                                                              calibration_json_text, simulate_holdout,
                                                              write_calibration)
    from simulation.storage.order_export import OrderExportError, ReadOptions, read_orders
    check_output_folder(args.out)   # before the work, not after it
    base = load_scenario(scenario_file(Path(args.extends)))
    err = Console(stderr=True)
    options = ReadOptions(customer=args.customer, date=args.date, amount=args.amount, order=args.order,
                          status=args.status, keep_status=tuple(v.strip() for v in args.keep_status.split(","))
                          if args.keep_status else None, date_format=args.date_format, timezone=args.timezone,
                          encoding=args.encoding, max_bad_fraction=args.max_bad_fraction)
    try:
        log = read_orders(args.orders, options)
        for line in log.report.lines():
            err.print(line, highlight=False, markup=False)
        result = calibrate(log, base, CalibrationOptions(args.calibration_end, args.discount_rate, args.acquisition,
                                                         args.model, args.keep_ids),
                           step=lambda what: err.print(f"… {what}", highlight=False, markup=False))
    except (OrderExportError, CalibrationError) as error:
        raise BadInput(str(error)) from None
    if result.tracking:
        days = result.twin.horizon_days
        with progress_bar(_("twin over the holdout x{n}").format(n=args.replications), args.replications * days) as advance:
            simulate_holdout(result, replications=args.replications, jobs=args.jobs,
                             progress=lambda replication, day: advance())
    write_calibration(result, args.out)
    if args.json:
        print(calibration_json_text(result))
    else:
        with for_stdout() as out:
            show(result, out)
            out.print(_("wrote {folder}/ (calibration.json, scenario.yaml, customers.parquet, scores.csv); "
                        "try it: growthsim run {folder}/scenario.yaml").format(folder=args.out), highlight=False,
                      markup=False)
    return EXIT_OK


def show(result: Calibration, console: Console) -> None:
    """The fits with their standard errors, the choice and the holdout, for a person."""
    table = Table(title=_("{source}: {customers:,} customers, {first} to {last}").format(
        source=result.source, customers=result.summary.x.size, first=_day(result.summary.first_date),
        last=_day(result.summary.last_date)))
    for column, justify in ((_("model"), "left"), (_("parameter"), "left"), (_("estimate"), "right"),
                            (_("standard error"), "right")):
        table.add_column(column, justify=justify)
    for fit in (*result.fits.values(), result.spend):
        for k, (name, value) in enumerate(fit.params.items()):
            table.add_row(fit.model if k == 0 else "", name, f"{value:.4g}", f"{fit.se[name]:.2g}")
        table.add_row("", _("log-likelihood"), f"{fit.loglik:,.1f}", "", end_section=True)
    acquisition = result.acquisition
    for k, (name, value) in enumerate(acquisition.params.items()):
        table.add_row(_("acquisition {model}").format(model=acquisition.model) if k == 0 else "", name,
                      f"{value:.4g}", f"{acquisition.se[name]:.2g}")
    print_table(table, console)
    # The reasons come from the calibration (simulation/experiments): English for now.
    console.print(_("twin's model: {model} ({why}); acquisition: {acquisition}").format(
        model=result.model, why=result.model_why, acquisition=result.acquisition_why), highlight=False, markup=False)
    if result.tracking:
        chosen = result.tracking[result.model]
        simulated = result.simulated["total"] if result.simulated else None
        line = _("holdout, {days} days: actual {actual:,} repeat transactions, model {model}").format(
            days=chosen['days'], actual=chosen['actual_repeat_transactions'],
            model=format_number(chosen['expected_repeat_transactions']))
        if simulated:
            line += _(", twin {mean} (95 % CI {low} .. {high})").format(
                mean=format_number(simulated['mean']), low=format_number(simulated['ci_low']),
                high=format_number(simulated['ci_high']))
        console.print(line, highlight=False, markup=False)


def _day(day) -> str:
    """A date of the summary (a date, or its ISO text) as format_date writes it."""
    return format_date(datetime.date.fromisoformat(str(day)[:10]))
