"""`growthsim check`: scenario files held to their expectations and golden results, for CI.

For each scenario file found under the paths given (folders are walked; hidden folders
and golden files are skipped), three kinds of verdict, all on 95 % intervals
over the scenario's replications (at least 2):
- bounds and relations of its `expect:` (simulation/kernel/expectations.py says how each is
  judged);
- its golden (simulation/experiments/golden.py): each KPI fails when its new interval does not
  overlap the recorded one, and the verdict says from what to what it moved and by how
  many standard errors, |new mean - old mean| / sqrt(se_old^2 + se_new^2). A scenario
  without a golden fails ("run growthsim check --update"), unless it says
  `expect: {golden: false}`. Packages whose versions differ from the golden's are
  reported, not failed: the drift rule judges the numbers, whatever moved them.

Every replication needed, of every scenario, of the ROI baselines and of the scenarios
relations compare to, runs once, in one pool of processes: replication k of a scenario
is the same numbers whichever process runs it, so the verdicts do not depend on `jobs`
or on the machine, only on the code, the scenario and the package versions.
"""

from __future__ import annotations

import math
import os
import time
from concurrent.futures import as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
from pydantic import ValidationError
from ruamel.yaml import YAML

from simulation.kernel.currency import format_money
from simulation.kernel.language import N_, _
from simulation.kernel.engine import RunResult, simulate
from simulation.kernel.registry import registry
from simulation.kernel.expectations import Bounds, Expectations, Relation
from simulation.experiments.golden import (GOLDEN_SUFFIX, Golden, KpiRecord, golden_path, is_golden, package_versions,
                               read_golden, write_golden)
from simulation.storage.loading import Problem, ScenarioError, load_scenario
from simulation.experiments.resources import check_run
from simulation.experiments.replicate import Interval, Replications, interrupts_held_back, worker_pool
from simulation.kernel.scenario import Scenario

SCENARIO_SUFFIXES = (".yaml", ".yml")
RunProgress = Callable[[int, int], None]     # (runs done, runs in all)


@dataclass(frozen=True)
class Said:
    """A verdict's sentence kept as its English template (N_-marked) and fields (text, or a
    Said of their own): `english()` for --json and JUnit, `translated()` for a person."""
    template: str
    fields: dict = field(default_factory=dict)

    def english(self) -> str:
        return self.template.format(**{k: v.english() if isinstance(v, Said) else v for k, v in self.fields.items()})

    def translated(self) -> str:
        return _(self.template).format(**{k: v.translated() if isinstance(v, Said) else v
                                          for k, v in self.fields.items()})


@dataclass(frozen=True)
class Verdict:
    kind: str                 # "bound", "relation" or "golden"
    name: str                 # what was checked: "retention_d90 >= 0.05", "golden: orders"
    passed: bool
    message: str              # one line with the numbers; when failed, what is wrong (English: --json, JUnit)
    kpi: str | None = None
    failure: str = ""         # why it failed, in a word or two: "bound", "drift", "no golden", ...
    numbers: dict = field(default_factory=dict)     # for --json: the bounds and intervals
    said: Said | None = None  # the message as a sentence to translate (`text`)

    @classmethod
    def of(cls, kind: str, name: str, passed: bool, said: Said, kpi: str | None = None, failure: str = "",
           numbers: dict | None = None) -> "Verdict":
        return cls(kind, name, passed, said.english(), kpi, failure, numbers or {}, said)

    def text(self) -> str:
        """The message in the language spoken, for a person."""
        return self.said.translated() if self.said else self.message


@dataclass
class ScenarioCheck:
    path: Path
    name: str
    seed: int
    replications: int
    golden: Path | None       # None when the scenario says `golden: false`
    verdicts: list[Verdict]
    versions_differ: dict[str, tuple[str, str]] = field(default_factory=dict)   # package: (golden's, now)
    notes: list[str] = field(default_factory=list)
    golden_written: bool = False
    seconds: float = 0.0      # simulating its own replications, summed over processes

    @property
    def passed(self) -> bool:
        return all(verdict.passed for verdict in self.verdicts)


@dataclass
class CheckReport:
    scenarios: list[ScenarioCheck]
    versions: dict[str, str]
    notes: list[str]          # about the folders, e.g. a golden whose scenario is gone
    seconds: float
    updated: bool

    @property
    def passed(self) -> bool:
        return all(scenario.passed for scenario in self.scenarios)


# --- finding and reading the scenarios --------------------------------------------------


def find_scenarios(paths: Iterable[Path]) -> tuple[list[Path], list[str]]:
    """Scenario files under `paths`, in a stable order, and notes on golden files left alone."""
    found, notes, problems = [], [], []
    for path in map(Path, paths):
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                if any(part.startswith(".") for part in file.relative_to(path).parts):
                    continue       # .git, .venv, .github: never scenarios
                if not file.is_file():
                    continue
                if is_golden(file):
                    stem = file.name[:-len(GOLDEN_SUFFIX)]
                    if not any(file.with_name(stem + suffix).is_file() for suffix in SCENARIO_SUFFIXES):
                        notes.append(f"{file}: golden file without a scenario beside it; delete it?")
                elif file.suffix in SCENARIO_SUFFIXES:
                    found.append(file)
        elif path.is_file():
            if is_golden(path):
                problems.append(Problem(str(path), None, None, None, "is a golden file; give its scenario file"))
            else:
                found.append(path)
        else:
            problems.append(Problem(str(path), None, None, None, "no such file or folder"))
    if problems:
        raise ScenarioError(problems)
    unique = list({file.resolve(): file for file in reversed(found)}.values())[::-1]   # first mention wins
    if not unique:
        shown = " ".join(map(str, paths))
        raise ScenarioError([Problem(shown, None, None, None, "no scenario files (*.yaml, *.yml) found")])
    return unique, notes


def _paired(other: Scenario, scenario: Scenario) -> Scenario:
    """`other` run on `scenario`'s random numbers: same seed, replications and horizon."""
    return other.model_copy(update={"seed": scenario.seed, "replications": scenario.replications,
                                    "horizon_days": scenario.horizon_days, "baseline": None, "expect": None})


@dataclass
class _Plan:
    path: Path
    scenario: Scenario
    expect: Expectations
    roi_baseline: Scenario | None
    others: list[Scenario]          # one per relation, in order

    def scenarios(self) -> list[Scenario]:
        return [self.scenario, *([self.roi_baseline] if self.roi_baseline else []), *self.others]


def _plan(path: Path) -> _Plan:
    scenario = load_scenario(path)
    if scenario.replications < 2:
        raise ScenarioError([Problem(str(path), "replications", None, None,
                                     f"growthsim check judges 95 % intervals: needs at least 2 (got {scenario.replications})")])
    expect, node = _own_expectations(path)
    others = []
    for index, relation in enumerate(expect.relations):
        other_path = Path(os.path.normpath(path.parent / relation.compare_to))
        if not other_path.is_file():
            line, column = _position(node["relations"][index], "compare_to")
            raise ScenarioError([Problem(str(path), f"expect.relations.{index}.compare_to", line, column,
                                         f"file not found: {other_path}")])
        others.append(_paired(load_scenario(other_path), scenario))
    roi_baseline = _paired(load_scenario(scenario.baseline), scenario) if scenario.baseline else None
    return _Plan(path, scenario, expect, roi_baseline, others)


def _own_expectations(path: Path) -> tuple[Expectations, dict | None]:
    """The file's own `expect:`, not one inherited through `extends` (a what-if exists to
    move KPIs; and `golden: false` of a file only meant to be extended must not spread).
    load_scenario has read and validated the file, so this parses."""
    document = YAML(typ="rt").load(path.read_bytes().decode("utf-8-sig")) or {}
    node = document.get("expect")
    if node is None:
        return Expectations(), None
    try:
        return Expectations.model_validate(node), node
    except ValidationError as error:      # valid merged with the parent's, not on its own
        raise ScenarioError([Problem(str(path), ".".join(map(str, ("expect", *detail["loc"]))), None, None,
                                     detail["msg"]) for detail in error.errors()]) from None


def _position(node, key: str) -> tuple[int | None, int | None]:
    try:
        line, column = node.lc.data[key][2:4]     # the value's position, 0-based
        return line + 1, column + 1
    except (AttributeError, KeyError, TypeError, ValueError):
        return None, None


# --- running ------------------------------------------------------------------------------


def _simulation_key(scenario: Scenario) -> str:
    """What the numbers of replication k depend on: not names, expectations, the ROI
    baseline (run separately) or how many replications there are."""
    return scenario.model_dump_json(exclude={"name", "title", "description", "expect", "baseline", "replications"})


def _simulate(scenario: Scenario, replication: int) -> tuple[RunResult, float]:
    start = time.perf_counter()
    run = simulate(scenario, replication)
    return run, time.perf_counter() - start


def _run_all(scenarios: list[Scenario], jobs: int | None,
             progress: RunProgress | None) -> dict[tuple[str, int], tuple[RunResult, float]]:
    tasks: dict[tuple[str, int], Scenario] = {}
    for scenario in scenarios:
        key = _simulation_key(scenario)
        for k in range(scenario.replications):
            tasks.setdefault((key, k), scenario)
    total, done, results = len(tasks), 0, {}
    jobs = max(1, min(jobs or os.cpu_count() or 1, total))
    for scenario in scenarios:    # refuses a run that would never end; fewer processes where memory is short
        jobs = check_run(scenario, scenario.replications, jobs)
    if jobs == 1:
        for (key, k), scenario in tasks.items():
            results[key, k] = _simulate(scenario, k)
            done += 1
            if progress:
                progress(done, total)
        return results
    with worker_pool(jobs) as pool:     # on Ctrl+C or a failure, its workers are ended, not waited for
        with interrupts_held_back():    # the workers start now, and ignore Ctrl+C from their first instruction
            futures = {pool.submit(_simulate, scenario, k): (key, k) for (key, k), scenario in tasks.items()}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            done += 1
            if progress:
                progress(done, total)
    return results


def _replications(scenario: Scenario, runs: dict) -> tuple[list[RunResult], float]:
    key = _simulation_key(scenario)
    pairs = [runs[key, k] for k in range(scenario.replications)]
    return [run for run, _ in pairs], sum(seconds for _, seconds in pairs)


# --- judging ------------------------------------------------------------------------------


def _money(kpi: str, currency: str | None) -> str | None:
    """The currency to show a KPI's numbers in: the scenario's, if the KPI is money."""
    return currency if currency and registry().kpi_unit(kpi) == "money" else None


def _num(x: float | None, sign: bool = False, money: str | None = None) -> str:
    if x is None or not math.isfinite(x):
        return "undefined"
    if money:
        return format_money(x, money, signed=sign)
    if abs(x) >= 1000:
        return f"{x:+,.0f}" if sign else f"{x:,.0f}"
    return f"{x:+.4g}" if sign else f"{x:.4g}"


UNDEFINED = Said(N_("undefined"))


def _number(x: float | None, sign: bool = False, money: str | None = None) -> str | Said:
    """A number of a verdict's sentence: `undefined` is a word, translated."""
    return _num(x, sign, money) if x is not None and math.isfinite(x) else UNDEFINED


def _shown(interval: Interval | KpiRecord, sign: bool = False, money: str | None = None) -> Said:
    return Said(N_("{mean} (95 % CI {low} .. {high})"), {"mean": _number(interval.mean, sign, money),
                                                        "low": _number(interval.ci_low, sign, money),
                                                        "high": _number(interval.ci_high, sign, money)})


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None     # JSON has no NaN


def _interval_numbers(interval: Interval | KpiRecord) -> dict:
    numbers = {key: _finite(getattr(interval, key)) for key in ("mean", "ci_low", "ci_high")}
    numbers["replications"] = interval.replications
    if isinstance(interval, KpiRecord):
        numbers["se"] = _finite(interval.se)
    return numbers


def _range_name(subject: str, low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{_num(low)} <= {subject} <= {_num(high)}"
    return f"{subject} >= {_num(low)}" if low is not None else f"{subject} <= {_num(high)}"


def _judge_interval(kind: str, kpi: str, subject: str, interval: Interval, low: float | None,
                    high: float | None, sign: bool, numbers: dict, currency: str | None = None) -> Verdict:
    """The whole interval must lie within [low, high]: a mean inside is not enough."""
    name = _range_name(subject, low, high)     # a check's name: plain numbers, the same whatever the currency
    money = _money(kpi, currency)
    numbers = {**numbers, **_interval_numbers(interval)}
    if interval.replications < 2:
        return Verdict.of(kind, name, False, Said(N_("{subject} is defined in {n} replication(s): no interval to judge"),
                                                  {"subject": subject, "n": str(interval.replications)}),
                          kpi, "undefined", numbers)
    wrong = []
    shown = _shown(interval, sign, money)
    if low is not None and interval.ci_low < low:
        template = (N_("should be at least {low}: its {interval} is below it") if interval.ci_high < low else
                    N_("should be at least {low}: its {interval} straddles it (more replications may settle it)"))
        wrong.append(Said(template, {"low": _number(low, sign, money), "interval": shown}))
    if high is not None and interval.ci_high > high:
        template = (N_("should be at most {high}: its {interval} is above it") if interval.ci_low > high else
                    N_("should be at most {high}: its {interval} straddles it (more replications may settle it)"))
        wrong.append(Said(template, {"high": _number(high, sign, money), "interval": shown}))
    if len(wrong) == 2:
        said = Said(N_("{subject} {problem}; and {other}"), {"subject": subject, "problem": wrong[0], "other": wrong[1]})
    elif wrong:
        said = Said(N_("{subject} {problem}"), {"subject": subject, "problem": wrong[0]})
    if wrong:
        return Verdict.of(kind, name, False, said, kpi, kind, numbers)
    return Verdict.of(kind, name, True, Said(N_("{subject} {interval} holds"), {"subject": subject, "interval": shown}),
                      kpi, "", numbers)


def judge_bound(kpi: str, bounds: Bounds, values: np.ndarray, currency: str | None = None) -> Verdict:
    return _judge_interval("bound", kpi, kpi, Interval.of(values), bounds.min, bounds.max, False,
                           {"min": bounds.min, "max": bounds.max}, currency)


def judge_relation(relation: Relation, values: np.ndarray, other_values: np.ndarray,
                   currency: str | None = None) -> Verdict:
    """On the paired differences, replication by replication (common random numbers)."""
    subject = f"{relation.kpi} - {relation.compare_to}"
    return _judge_interval("relation", relation.kpi, subject, Interval.of(values - other_values),
                           relation.at_least, relation.at_most, True,
                           {"compare_to": relation.compare_to, "at_least": relation.at_least,
                            "at_most": relation.at_most}, currency)


_ABSENT = object()     # a KPI the golden does not have, or that is no longer computed


def judge_golden(kpi: str, old, new, currency: str | None = None) -> Verdict:
    """`old`, `new`: a KpiRecord, None (undefined in every replication) or _ABSENT."""
    name = f"golden: {kpi}"
    money = _money(kpi, currency)

    def verdict(passed: bool, template: str, fields: dict | None = None, failure: str = "", **numbers) -> Verdict:
        said = Said(template, {"kpi": kpi, **(fields or {})})
        return Verdict.of("golden", name, passed, said, kpi, "" if passed else failure, numbers)

    if old is _ABSENT:
        return verdict(True, N_("{kpi} is not in the golden (a new KPI?); `growthsim check --update` records it"))
    if new is _ABSENT:
        return verdict(False, N_("{kpi} is in the golden but no longer computed"), failure="drift")
    if old is None or new is None:
        if old is new:
            return verdict(True, N_("{kpi} is undefined, as recorded"))
        was, now = (UNDEFINED, _shown(new, money=money)) if old is None else (_shown(old, money=money), UNDEFINED)
        return verdict(False, N_("{kpi} was {was}, now {now}"), {"was": was, "now": now}, "drift",
                       old=old and _interval_numbers(old), new=new and _interval_numbers(new))
    numbers = {"old": _interval_numbers(old), "new": _interval_numbers(new)}
    delta = new.mean - old.mean
    spread = math.hypot(old.se, new.se)
    shift = abs(delta) / spread if spread > 0 else (0.0 if _same(old.mean, new.mean) else math.inf)
    numbers["shift_se"] = _finite(shift)
    relative = f" ({100 * delta / abs(old.mean):+.1f} %)" if old.mean else ""
    moved = Said(N_("moved from {old} to {new}: {delta}{relative}, {errors}"),
                 {"old": _shown(old, money=money), "new": _shown(new, money=money), "delta": _number(delta, True, money),
                  "relative": relative, "errors": _standard_errors(shift)})
    if not all(map(math.isfinite, (old.ci_low, old.ci_high, new.ci_low, new.ci_high))):
        if _same(old.mean, new.mean):
            return verdict(True, N_("{kpi} {mean}, as recorded (too few replications for an interval)"),
                           {"mean": _number(new.mean, money=money)}, **numbers)
        return verdict(False, N_("{kpi} {moved}; too few replications for an interval"), {"moved": moved}, "drift",
                       **numbers)
    if _overlap(old, new):
        return verdict(True, N_("{kpi} {new} overlaps the golden {old}; {errors}"),
                       {"new": _shown(new, money=money), "old": _shown(old, money=money),
                        "errors": _standard_errors(shift)}, **numbers)
    return verdict(False, N_("{kpi} {moved}; the 95 % intervals no longer overlap"), {"moved": moved}, "drift",
                   **numbers)


def _standard_errors(shift: float) -> Said:
    if math.isinf(shift):
        return Said(N_("infinitely many standard errors (no spread between replications)"))
    return Said(N_("{shift} standard errors"), {"shift": f"{shift:.1f}"})


def _slack(*values: float) -> float:
    """The golden keeps 7 significant digits: do not fail on its rounding."""
    return 1e-6 * max(abs(v) for v in values) + 1e-12


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= _slack(a, b)


def _overlap(old: KpiRecord, new: KpiRecord) -> bool:
    slack = _slack(old.ci_low, old.ci_high, new.ci_low, new.ci_high)
    return new.ci_low <= old.ci_high + slack and new.ci_high >= old.ci_low - slack


def judge_goldens(old: Golden, new: Golden, currency: str | None = None) -> list[Verdict]:
    names = [*new.kpis, *(name for name in old.kpis if name not in new.kpis)]
    return [judge_golden(name, old.kpis.get(name, _ABSENT), new.kpis.get(name, _ABSENT), currency) for name in names]


def _golden_notes(old: Golden, new: Golden) -> list[str]:
    notes = []
    for key in ("seed", "replications", "horizon_days"):
        if getattr(old, key) != getattr(new, key):
            notes.append(f"the golden was recorded with {key} {getattr(old, key)}, the scenario now has {getattr(new, key)}")
    return notes


def versions_differ(recorded: dict[str, str], now: dict[str, str]) -> dict[str, tuple[str, str]]:
    return {name: (recorded.get(name, "-"), now.get(name, "-"))
            for name in sorted(set(recorded) | set(now)) if recorded.get(name) != now.get(name)}


def _judge(plan: _Plan, runs: dict, golden: Golden | None, versions: dict[str, str], update: bool) -> ScenarioCheck:
    own_runs, seconds = _replications(plan.scenario, runs)
    own = Replications(plan.scenario, own_runs)
    if plan.roi_baseline is not None:
        own.baseline = Replications(plan.roi_baseline, _replications(plan.roi_baseline, runs)[0])
    currency = plan.scenario.currency
    verdicts = [judge_bound(kpi, bounds, own.kpi_values(kpi), currency) for kpi, bounds in plan.expect.kpis.items()]
    for relation, other in zip(plan.expect.relations, plan.others):
        other_values = Replications(other, _replications(other, runs)[0]).kpi_values(relation.kpi)
        verdicts.append(judge_relation(relation, own.kpi_values(relation.kpi), other_values, currency))
    result = ScenarioCheck(plan.path, plan.scenario.name, plan.scenario.seed, plan.scenario.replications,
                           golden_path(plan.path) if plan.expect.golden else None, verdicts, seconds=seconds)
    if result.golden is None:
        return result
    new = Golden.of(own, versions)
    if update:
        result.golden_written = write_golden(result.golden, new, plan.path.name)
    elif golden is None:
        verdicts.append(Verdict.of("golden", "golden", False,
                                   Said(N_("no golden file {golden}; run `growthsim check --update {path}` to record one"),
                                        {"golden": str(result.golden), "path": str(plan.path)}), failure="no golden"))
    else:
        verdicts.extend(judge_goldens(golden, new, currency))
        result.versions_differ = versions_differ(golden.versions, versions)
        result.notes.extend(_golden_notes(golden, new))
    return result


def check(paths: Iterable[Path], *, jobs: int | None = None, update: bool = False,
          progress: RunProgress | None = None) -> CheckReport:
    """Find, run and judge the scenarios under `paths`; with `update`, (re)write their goldens.
    Bad input (a scenario, a relation's file or a golden that cannot be read) raises
    ScenarioError before anything runs."""
    start = time.perf_counter()
    files, notes = find_scenarios(paths)
    plans, problems = [], []
    for path in files:
        try:
            plans.append(_plan(path))
        except ScenarioError as error:
            problems.extend(error.problems)
    goldens = {}
    for plan in plans:
        if not update and plan.expect.golden and golden_path(plan.path).is_file():
            try:
                goldens[plan.path] = read_golden(golden_path(plan.path))
            except ScenarioError as error:
                problems.extend(error.problems)
    if problems:
        raise ScenarioError(problems)
    runs = _run_all([scenario for plan in plans for scenario in plan.scenarios()], jobs, progress)
    versions = package_versions()
    results = [_judge(plan, runs, goldens.get(plan.path), versions, update) for plan in plans]
    return CheckReport(results, versions, notes, time.perf_counter() - start, update)
