"""The `growthsim` command (DESIGN.md §7).

Exit codes: 0 done, 1 a check failed, 2 bad input (a message naming the file, the key
and what is wrong), 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from growthsim import compare_command, history_command, report_command, sweep_command
from growthsim.arguments import (EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_INTERRUPTED, EXIT_OK, BadInput,  # noqa: F401
                                 non_negative_int, positive_int)
from growthsim.console import format_interval, format_number, progress_bar
from simulation.loading import ScenarioError, load_scenario, resolved_yaml
from simulation.history import History
from simulation.outputs import summary, write_run
from simulation.replicate import Replications, run_replications
from simulation.scenario import Scenario


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="growthsim", description=__doc__.split("\n")[0] + " Simulate e-commerce growth and retention strategies.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="simulate a scenario and report its KPIs with 95 % confidence intervals")
    run.add_argument("scenario", type=Path, help="scenario YAML file")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                     help="override a dotted scenario key, e.g. strategies.service_quality.agents=4 (repeatable)")
    run.add_argument("--replications", type=positive_int, help="replications (default: the scenario's)")
    run.add_argument("--seed", type=non_negative_int, help="root seed (default: the scenario's)")
    run.add_argument("--jobs", type=positive_int, help="parallel processes (default: one per core)")
    run.add_argument("--out", type=Path, help="folder for summary.json, timeseries.csv, cohorts.csv, ...")
    run.add_argument("--transactions", action="store_true", help="also write transactions.csv and shoppers.csv")
    run.add_argument("--json", action="store_true", help="print summary.json to standard output instead of a table")

    validate = commands.add_parser("validate", help="check scenario files without running them")
    validate.add_argument("files", type=Path, nargs="+", metavar="FILE")

    commands.add_parser("schema", help="print the scenario JSON Schema (for editor completion)")
    compare_command.add_parser(commands)
    history_command.add_parser(commands)
    sweep_command.add_parser(commands)
    report_command.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    if args.command is None:
        parser.print_help()
        print("\nThe terminal app is not built yet; try: growthsim run scenarios/baseline.yaml")
        return EXIT_OK
    try:
        return COMMANDS[args.command](args)
    except (ScenarioError, BadInput) as error:
        console.print(f"[bold red]error:[/] {error}", highlight=False, markup=True, soft_wrap=True)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        console.print("interrupted")
        return EXIT_INTERRUPTED


def command_run(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.overrides)
    if args.seed is not None:
        scenario = scenario.model_copy(update={"seed": args.seed})
    replications = args.replications or scenario.replications
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise BadInput(f"--out {args.out}: exists and is not a folder")
    result = simulate_with_progress(scenario, replications, args.jobs, args.transactions)
    if args.out is not None:
        write_run(result, args.out, scenario_yaml=resolved_yaml(scenario))
    History().record("run", scenario.name, [{"path": str(args.scenario), "yaml": resolved_yaml(scenario)}],
                     summary(result), seed=scenario.seed, replications=replications,
                     out_dir=str(args.out.resolve()) if args.out else None)
    if args.json:
        print(json.dumps(summary(result), indent=2))
    else:
        Console().print(kpi_table(result))
        if args.out is not None:
            Console().print(f"wrote {args.out}/")
    return EXIT_OK


def simulate_with_progress(scenario: Scenario, replications: int, jobs: int | None, transactions: bool) -> Replications:
    with progress_bar(f"{scenario.name} x{replications}", replications * scenario.horizon_days) as advance:
        return run_replications(scenario, replications=replications, jobs=jobs, transactions=transactions,
                                progress=lambda replication, day: advance())


def kpi_table(result: Replications) -> Table:
    table = Table(title=f"{result.scenario.name}: {len(result.runs)} replications, seed {result.scenario.seed}")
    table.add_column("KPI")
    table.add_column("mean", justify="right")
    table.add_column("95 % CI", justify="right")
    for name, interval in result.kpis().items():
        table.add_row(name, format_number(interval.mean), format_interval(interval))
    return table


def command_validate(args: argparse.Namespace) -> int:
    problems = []
    for path in args.files:
        try:
            load_scenario(path)
            print(f"{path}: ok")
        except ScenarioError as error:
            problems.append(str(error))
    if problems:
        raise BadInput("\n".join(problems))
    return EXIT_OK


def command_schema(args: argparse.Namespace) -> int:
    print(json.dumps(Scenario.model_json_schema(), indent=2))
    return EXIT_OK


COMMANDS = {"run": command_run, "validate": command_validate, "schema": command_schema,
            "compare": compare_command.command_compare, "history": history_command.command_history,
            "sweep": sweep_command.command_sweep, "report": report_command.command_report}


if __name__ == "__main__":
    sys.exit(main())
