"""`growthsim optimize SCENARIO --lever KEY=LOW:HIGH --objective KPI:max ...`: the best
levers under constraints, confirmed on fresh seeds (docs/optimize.md)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from growthsim.arguments import EXIT_CHECK_FAILED, EXIT_INTERRUPTED, EXIT_OK, BadInput, non_negative_int, positive_int
from growthsim.bundled import scenario_file
from growthsim.console import for_stdout, format_kpi, print_table, progress_bar
from growthsim.i18n import _
from simulation.experiments.optimize_events import (ConfirmationDone, ConfirmationStarted, OptimizeError, RunFinished,
                                                    SearchStarted, TrialFinished)
from simulation.experiments.records import record_optimization, warn_on_stderr
from simulation.experiments.optimize_spec import (Constraint, Lever, Objective, OptimizeRequest, SpecError,
                                                  request_problem, verdict_text)
from simulation.experiments.sweep import SweepError

if TYPE_CHECKING:
    from simulation.experiments.optimize import Optimization   # Optuna: imported when optimising (command_optimize)


def add_parser(commands) -> None:
    parser = commands.add_parser("optimize", help=_("find the best lever values under constraints, "
                                                    "confirmed with 95 %% intervals on fresh seeds"))
    parser.add_argument("scenario", type=Path, help=_("scenario YAML file, or the name of a bundled scenario"))
    parser.add_argument("--lever", action="append", default=[], metavar="KEY=LOW:HIGH[:int|:log]",
                        help=_("a dotted key and its range, or KEY=a,b,c for choices (repeatable)"))
    parser.add_argument("--objective", action="append", default=[], metavar="KPI:max|min",
                        help=_("what to maximise or minimise (repeatable: two or more make a Pareto front)"))
    parser.add_argument("--constraint", action="append", default=[], metavar="KPI<=VALUE",
                        help=_("a limit on a KPI, costs included, e.g. 'service_wait_p90_min<=5' (repeatable)"))
    parser.add_argument("--trials", type=positive_int, default=30, help=_("trials of the search (default 30)"))
    parser.add_argument("--replications", type=positive_int, help=_("replications per trial (default: the scenario's)"))
    parser.add_argument("--confirm", type=positive_int, default=10,
                        help=_("replications re-evaluating each finalist on fresh seeds (default 10, at least 2)"))
    parser.add_argument("--finalists", type=positive_int, default=3, help=_("the best trials re-evaluated (default 3)"))
    parser.add_argument("--pick", metavar="KPI", help=_("with several objectives: the front's best on this one "
                                                        "(default: the first objective)"))
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help=_("override a dotted key in every trial (repeatable)"))
    parser.add_argument("--seed", type=non_negative_int, help=_("root seed of the runs and the sampler "
                                                                "(default: the scenario's)"))
    parser.add_argument("--jobs", type=positive_int, help=_("trials at once: local processes or Dask workers "
                                                            "(default: one per core)"))
    parser.add_argument("--executor", choices=("processes", "dask"), default="processes",
                        help=_("where the trials run (default processes)"))
    parser.add_argument("--scheduler", metavar="ADDRESS", help=_("a Dask scheduler (default: a local cluster)"))
    parser.add_argument("--out", type=Path, help=_("folder for the optimisation (default: optimize-NAME)"))
    parser.add_argument("--resume", action="store_true", help=_("continue the study in --out"))
    parser.add_argument("--force", action="store_true", help=_("put the optimisation in a folder that holds other files"))
    parser.add_argument("--json", action="store_true", help=_("print optimize.json to standard output"))


def build_request(args: argparse.Namespace) -> OptimizeRequest:
    """The command line as a request; every problem is BadInput naming the option and value."""
    if not args.lever:
        raise BadInput(_("give at least one --lever KEY=LOW:HIGH (or KEY=a,b,c)"))
    if not args.objective:
        raise BadInput(_("give at least one --objective KPI:max or KPI:min"))
    if args.confirm < 2:
        raise BadInput(_("--confirm: at least 2 replications, for an interval"))
    try:
        levers = [Lever.parse(text) for text in args.lever]
        objectives = [Objective.parse(text) for text in args.objective]
        constraints = [Constraint.parse(text) for text in args.constraint]
        return OptimizeRequest(scenario=args.scenario, levers=levers, objectives=objectives, constraints=constraints,
                               overrides=args.overrides, trials=args.trials, replications=args.replications,
                               confirm=args.confirm, finalists=args.finalists, pick=args.pick, seed=args.seed,
                               jobs=args.jobs, executor=args.executor, scheduler=args.scheduler,
                               out=args.out or Path(f"optimize-{args.scenario.stem}"), resume=args.resume,
                               force=args.force)
    except SpecError as error:
        raise BadInput(str(error)) from None
    except ValidationError as error:
        raise BadInput(request_problem(error)) from None


def command_optimize(args: argparse.Namespace) -> int:
    from simulation.experiments.optimize import Optimization
    args.scenario = scenario_file(args.scenario)
    request = build_request(args)
    try:
        optimization = Optimization(request)
    except SpecError as error:
        raise BadInput(f"{args.scenario}: {error}") from None
    console = Console(stderr=True)
    result = None
    try:
        result = _watch(optimization, console)
    except (OptimizeError, SweepError) as error:
        raise BadInput(str(error)) from None
    except KeyboardInterrupt:
        console.print(_("interrupted: the finished trials are kept in {folder}/study.db; run the same command "
                        "with --resume to continue").format(folder=request.out), soft_wrap=True, highlight=False,
                      markup=False)
        return EXIT_INTERRUPTED
    record_optimization(str(request.scenario), optimization.base, result, out_dir=str(request.out.resolve()),
                        overrides=request.overrides, warn=warn_on_stderr)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        with for_stdout() as out:
            print_table(best_table(result), out)
            for line in verdict_lines(result):
                out.print(line, highlight=False, soft_wrap=True, markup=False)
            out.print(_("wrote {folder}/ (optimize.json, trials.csv, best.yaml, study.db)").format(folder=request.out),
                      markup=False)
    best = result.get("best")
    return EXIT_OK if best and best["feasible"] else EXIT_CHECK_FAILED


def _watch(optimization: Optimization, console: Console) -> dict:
    """Runs the optimisation, the bar counting simulation runs; returns optimize.json."""
    events = optimization.run()
    first = next(events)
    assert isinstance(first, SearchStarted)
    if first.trials_done:
        console.print(_("resuming: {n} trial(s) kept").format(n=first.trials_done), highlight=False)
    result = None
    try:
        result = _follow(events, first, optimization, console)
    finally:
        events.close()   # an interrupted generator ends its workers now
    return result


def _follow(events, first: SearchStarted, optimization: Optimization, console: Console) -> dict | None:
    left = max(0, first.trials - first.trials_done)
    result = None
    with progress_bar(_("optimize {name}: {trials} trials").format(name=optimization.base.name, trials=first.trials),
                      left * first.runs_per_trial, _("runs")) as advance:
        for event in events:
            if isinstance(event, RunFinished):
                advance()
            elif isinstance(event, TrialFinished):
                for _run in range(first.runs_per_trial if event.reused or event.error else 0):
                    advance()
                if event.error:
                    console.print(_("trial {number} failed: {error}").format(
                        number=event.number, error=event.error.splitlines()[-1]), highlight=False, markup=False)
            elif isinstance(event, ConfirmationStarted):
                console.print(_("confirming the best {n} trial(s) and the scenario as given: {runs} runs on fresh "
                                "seeds").format(n=len(event.finalists), runs=event.runs), highlight=False)
            elif isinstance(event, ConfirmationDone):
                result = event.result
    return result


def best_table(result: dict) -> Table:
    settings, currency = result["settings"], result["settings"]["currency"]
    table = Table(title=_("{name}: best of {trials} trials, confirmed with {replications} replications on fresh "
                          "seeds").format(name=settings['name'], trials=result['search']['trials'],
                                          replications=result['confirmation']['replications']))
    for k, column in enumerate((_("plan"), _("levers"), _("objective (95 % CI)"), _("vs scenario as given (95 % CI)"),
                                _("constraints"))):
        table.add_column(column, justify="left" if k in (0, 1, 4) else "right")
    given = result["scenario_as_given"]["objective"]
    kpi = given["kpi"]
    table.add_row(_("as given"), "", _interval(given, kpi, currency), "", "")
    for plan in result["finalists"]:
        marker = _("best") if result["best"] and plan["trial"] == result["best"]["trial"] else \
            _("trial {number}").format(number=plan['trial'])
        levers = " ".join(f"{key.rsplit('.', 1)[-1]}={_short(value)}" for key, value in plan["levers"].items())
        vs = plan["vs_scenario"]
        difference = (f"{format_kpi(vs['difference'], kpi, currency, signed=True)} "
                      f"[{format_kpi(vs['ci_low'], kpi, currency)}, {format_kpi(vs['ci_high'], kpi, currency)}]")
        met = ", ".join(verdict_text(c["verdict"]) for c in plan["constraints"]) or "–"
        table.add_row(marker, levers, _interval(plan["objective"], kpi, currency), difference, met)
    return table


def verdict_lines(result: dict) -> list[str]:
    lines = []
    best = result["best"]
    if best:
        for constraint in best["constraints"]:
            if constraint["verdict"] != "holds":
                lines.append(_("{constraint}: {verdict} on the best plan (mean {mean:.4g}, 95 % CI {low:.4g} to "
                               "{high:.4g})").format(constraint=constraint['constraint'],
                                                     verdict=verdict_text(constraint['verdict']), mean=constraint['mean'],
                                                     low=constraint['ci_low'], high=constraint['ci_high']))
    if result.get("note"):
        lines.append(_("note: {note}").format(note=result['note']))
    return lines


def _interval(fields: dict, kpi: str, currency: str) -> str:
    return (f"{format_kpi(fields['mean'], kpi, currency)} "
            f"[{format_kpi(fields['ci_low'], kpi, currency)}, {format_kpi(fields['ci_high'], kpi, currency)}]")


def _short(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
