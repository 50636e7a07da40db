"""The `growthsim` command (README.md, Commands).

Exit codes: 0 done, 1 a check failed, 2 bad input (a message naming the file, the key
and what is wrong) or a run refused by its limits, 3 could not finish (outputs that
could not be written, a crash: the message says where the details are), 130
interrupted. No input prints a traceback (docs/reliability.md).
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path


from rich.console import Console
from rich.text import Text
from rich.table import Table

from growthsim import calibrate_command, check_command, compare_command, history_command, optimize_command, report_command, strategies_command, sweep_command
from growthsim.arguments import (EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK,  # noqa: F401
                                 BadInput, Parser, crash_report, non_negative_int, positive_int)
from growthsim.bundled import scenario_file
from growthsim.console import for_stdout, format_interval, format_kpi, print_table, progress_bar
from growthsim.i18n import LANGUAGES, LanguageError, _, choose, ngettext
from growthsim.terms import kpi_label
from simulation.kernel.language import localized
from simulation.kernel.limits import LimitError
from simulation.kernel.policies import PolicyError
from simulation.storage.history import HistoryError
from simulation.storage.loading import NOTICES, ScenarioError, load_scenario, resolved_yaml
from simulation.experiments.records import record_run
from simulation.storage.outputs import OutputError, WriteError, check_output_folder, summary, write_run
from simulation.experiments.replicate import Replications, run_replications
from simulation.kernel.scenario import Scenario


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="growthsim", description=_(
        "The `growthsim` command (README.md, Commands). Simulate e-commerce growth and retention strategies."))
    # Read before the parser is built (growthsim/i18n.py take_flag), so that its help is in
    # that language; here so that --help shows it.
    parser.add_argument("--lang", choices=LANGUAGES, help=_(
        "language of what a person reads (default: GROWTHSIM_LANG, then the locale: LANGUAGE, LC_ALL, "
        "LC_MESSAGES, LANG); JSON, CSV and piped output stay English"))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title=_("commands"))

    run = commands.add_parser("run", help=_("simulate a scenario and report its KPIs with 95 %% confidence intervals"))
    run.add_argument("scenario", type=Path, help=_("scenario YAML file, or the name of a bundled scenario (e.g. baseline)"))
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                     help=_("override a dotted scenario key, e.g. strategies.service_quality.agents=4 (repeatable)"))
    run.add_argument("--replications", type=positive_int, help=_("replications (default: the scenario's)"))
    run.add_argument("--seed", type=non_negative_int, help=_("root seed (default: the scenario's)"))
    run.add_argument("--jobs", type=positive_int, help=_("parallel processes (default: one per core)"))
    run.add_argument("--out", type=Path, help=_("folder for summary.json, timeseries.csv, cohorts.csv, ..."))
    run.add_argument("--transactions", action="store_true", help=_("also write transactions.csv and shoppers.csv"))
    run.add_argument("--json", action="store_true", help=_("print summary.json to standard output instead of a table"))

    validate = commands.add_parser("validate", help=_("check scenario files without running them"))
    validate.add_argument("files", type=Path, nargs="+", metavar="FILE", help=_("scenario files or bundled scenarios' names"))

    commands.add_parser("schema", help=_("print the scenario JSON Schema (for editor completion)"))

    app = commands.add_parser("app", help=_("the terminal app on the bundled scenarios and these folders (the default)"))
    _app_arguments(app)
    serve = commands.add_parser("serve", help=_("the terminal app in a web page, for a classroom (textual-serve)"))
    _app_arguments(serve)
    serve.add_argument("--host", default="127.0.0.1", help=_("address to listen on (default 127.0.0.1; 0.0.0.0 for a room)"))
    serve.add_argument("--port", type=port_number, default=8000, help=_("port (default 8000)"))
    compare_command.add_parser(commands)
    check_command.add_parser(commands)
    history_command.add_parser(commands)
    sweep_command.add_parser(commands)
    optimize_command.add_parser(commands)
    report_command.add_parser(commands)
    strategies_command.add_parser(commands)
    calibrate_command.add_parser(commands)
    return parser


def port_number(text: str) -> int:
    number = positive_int(text)
    if number > 65535:
        raise argparse.ArgumentTypeError(_("a port is 1 to 65535, got {number}").format(number=number))
    return number


def _app_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folders", type=Path, nargs="*", metavar="FOLDER",
                        help=_("more folders (or files) of scenarios, beside the bundled scenarios/"))
    parser.add_argument("--lessons", type=Path, help=_("folder of lessons (default: the bundled lessons/)"))
    parser.add_argument("--theme", choices=("dark", "light"), default="dark", help=_("colour theme (Ctrl+T switches)"))


def main(argv: list[str] | None = None) -> int:
    """Run a command; every way it can end is an exit code and a message, never a traceback."""
    _escape_unprintable_output()
    console = Console(stderr=True)

    def error(message: str) -> None:
        console.print(labelled(_("error:"), "bold red", message), highlight=False, soft_wrap=True)

    try:
        argv = choose(list(sys.argv[1:] if argv is None else argv))
    except LanguageError as problem:
        error(str(problem))
        return EXIT_BAD_INPUT
    # A version-1 scenario file's notice, once a run, on stderr (simulation/storage/loading.py).
    NOTICES.start(lambda text: console.print(labelled(_("notice:"), "bold yellow", text), highlight=False,
                                             soft_wrap=True))
    try:
        return _main(argv)
    except (ScenarioError, BadInput, LimitError, OutputError, HistoryError) as problem:
        error(str(problem))
        return EXIT_BAD_INPUT
    except PolicyError as problem:   # a value a policy set while running that the schema refuses
        error(_("{problem}. Policies change scenario keys as a run goes: check their multiply_by, add and to.")
              .format(problem=problem))
        return EXIT_BAD_INPUT
    except WriteError as problem:
        error(str(problem))
        return EXIT_ERROR
    except KeyboardInterrupt:
        console.print(_("interrupted"))
        return EXIT_INTERRUPTED
    except BrokenPipeError:   # `growthsim history --json | head`: the reader has all it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())   # so that Python's own flush at exit does not fail again
        return EXIT_OK
    except BrokenProcessPool:
        error(_("a worker process died (killed by the system, perhaps for want of memory); nothing was written. "
                "Try fewer --jobs or a smaller market.size."))
        return EXIT_ERROR
    except MemoryError:
        error(_("out of memory; nothing was written. Try fewer --jobs, fewer replications or a smaller market.size."))
        return EXIT_ERROR
    except Exception as crash:   # a bug: say so, and keep the details for the report
        if isinstance(crash, OSError) and crash.errno == errno.ENAMETOOLONG:   # a name no file system takes
            error(_("{name}...: file name too long").format(name=str(crash.filename)[:60]))
            return EXIT_BAD_INPUT
        error(_("growthsim failed: {kind}: {crash}").format(kind=type(crash).__name__, crash=crash)
              + "\n" + crash_report(crash))
        return EXIT_ERROR
    finally:
        NOTICES.start(None)


def labelled(label: str, style: str, message: str) -> Text:
    """`error: message`, the label styled, the message as it is (no markup read in it)."""
    return Text.assemble((label, style), "" if label.endswith("：") else " ", message)   # a full-width colon has its space


def _escape_unprintable_output() -> None:
    """A file name that is not valid UTF-8 (it reaches us with surrogate escapes) is shown
    as backslash escapes in messages and tables instead of failing to print."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def _main(argv: list[str]) -> int:
    parser = build_parser()
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("app", "serve") and not argv[0].startswith("-")
                    and argv[0] and Path(argv[0]).exists()):   # "" is no folder (Path("") is the current one)
        argv = ["app", *argv]     # `growthsim` and `growthsim FOLDER...` open the app
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    if args.command in ("app", "serve"):
        missing = [str(f) for f in args.folders if not f.exists()]
        if missing:
            console.print(labelled(_("error:"), "bold red", _("not found: {files}").format(files=", ".join(missing))),
                          highlight=False)
            return EXIT_BAD_INPUT
        if args.command == "app" and not _terminal():
            console.print(labelled(_("error:"), "bold red", _(
                "the app needs a terminal, and standard input or output is not one; "
                "without one: growthsim run SCENARIO (growthsim --help lists every command)")),
                highlight=False, soft_wrap=True)
            return EXIT_BAD_INPUT
        from tui import commands as app_command   # Textual is imported only when the app is asked for
        return app_command.command_app(args) if args.command == "app" else app_command.command_serve(args)
    return COMMANDS[args.command](args)


def _terminal() -> bool:
    """Whether the app has a terminal to take over, or a Textual driver that stands in for
    one (TEXTUAL_DRIVER: textual-serve's web driver, the headless driver of screenshots)."""
    if os.environ.get("TEXTUAL_DRIVER"):
        return True
    return all(stream is not None and stream.isatty() for stream in (sys.stdin, sys.stdout))


def command_run(args: argparse.Namespace) -> int:
    args.scenario = scenario_file(args.scenario)
    scenario = load_scenario(args.scenario, args.overrides)
    if args.seed is not None:
        scenario = scenario.model_copy(update={"seed": args.seed})
    replications = args.replications or scenario.replications
    if args.out is not None:
        check_output_folder(args.out)   # before the run, not after it
    try:
        result = simulate_with_progress(scenario, replications, args.jobs, args.transactions)
    except LimitError as error:   # the file to change, before the scenario's name inside it
        raise LimitError(f"{args.scenario}: {error}") from None
    not_written = None
    if args.out is not None:
        try:
            # The file says how many replications ran, not how many the scenario asked for.
            write_run(result, args.out, scenario_yaml=resolved_yaml(scenario.model_copy(update={"replications": replications})))
        except WriteError as error:   # still record and show the KPIs: the run is not lost
            not_written = error
    record_run(str(args.scenario), scenario, result, overrides=args.overrides,
               out_dir=str(args.out.resolve()) if args.out and not not_written else None)
    if args.json:
        print(json.dumps(summary(result), indent=2))
    else:
        with for_stdout() as out:
            print_table(kpi_table(result), out)
            if args.out is not None and not not_written:
                out.print(_("wrote {folder}/").format(folder=args.out), markup=False)
    if not_written:
        raise not_written
    return EXIT_OK


def simulate_with_progress(scenario: Scenario, replications: int, jobs: int | None, transactions: bool) -> Replications:
    with progress_bar(f"{scenario.name} x{replications}", replications * scenario.horizon_days) as advance:
        return run_replications(scenario, replications=replications, jobs=jobs, transactions=transactions,
                                progress=lambda replication, day: advance())


def kpi_table(result: Replications) -> Table:
    table = Table(title=ngettext("{name}: {n} replication, seed {seed}", "{name}: {n} replications, seed {seed}",
                                 len(result.runs)).format(name=result.scenario.name, n=len(result.runs),
                                                          seed=result.scenario.seed),
                  caption=localized(result.scenario.title) or None)
    table.add_column(_("KPI"))
    table.add_column(_("mean"), justify="right")
    table.add_column(_("95 % CI"), justify="right")
    currency = result.scenario.currency
    for name, interval in result.kpis().items():
        table.add_row(kpi_label(name), format_kpi(interval.mean, name, currency), format_interval(interval, name, currency))
    return table


def command_validate(args: argparse.Namespace) -> int:
    problems = []
    for argument in args.files:
        try:
            path = scenario_file(argument)
            load_scenario(path)
            with for_stdout() as out:
                out.print(_("{path}: ok").format(path=path), markup=False, highlight=False, soft_wrap=True)
        except (ScenarioError, BadInput) as error:
            problems.append(str(error))
    if problems:
        raise BadInput("\n".join(problems))
    return EXIT_OK


def command_schema(args: argparse.Namespace) -> int:
    print(json.dumps(Scenario.model_json_schema(), indent=2))
    return EXIT_OK


COMMANDS = {"run": command_run, "validate": command_validate, "schema": command_schema,
            "check": check_command.command_check,
            "compare": compare_command.command_compare, "history": history_command.command_history,
            "sweep": sweep_command.command_sweep, "optimize": optimize_command.command_optimize,
            "report": report_command.command_report,
            "strategies": strategies_command.command_strategies, "calibrate": calibrate_command.command_calibrate}


if __name__ == "__main__":
    sys.exit(main())
