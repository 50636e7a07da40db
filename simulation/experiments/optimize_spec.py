"""What an optimisation is asked (docs/optimize.md): its levers, objectives and constraints,
and the request that the command line and a screen both hand to `Optimization`.

The text forms are the command line's: a lever `KEY=LOW:HIGH[:int|:log]` or `KEY=a,b,c`
(KEY a dotted scenario key, as `--set` takes it), an objective `KPI:max|min`, a
constraint `KPI<=VALUE` or `KPI>=VALUE`. A screen builds the same models directly.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from simulation.kernel.language import N_, _
from simulation.kernel.registry import registry

# A constraint's verdict (optimize_confirm judges it), as optimize.json stores it (English:
# a contract); `verdict_text` for a person.
HOLDS, WITHIN_NOISE, VIOLATED, UNDEFINED = N_("holds"), N_("holds only within noise"), N_("violated"), N_("undefined")


def verdict_text(verdict: str) -> str:
    """A constraint's verdict in the language spoken (the terminal, the app, the HTML report)."""
    return _(verdict) if verdict in (HOLDS, WITHIN_NOISE, VIOLATED, UNDEFINED) else verdict


# The confirmation's replications are numbered from here: their seed streams
# (SeedSequence(seed, spawn_key=(k,)), simulation/kernel/random_streams.py) are then
# independent of the search's replications 0..R-1, for any R below it.
CONFIRM_FIRST_REPLICATION = 1_000_000


class SpecError(Exception):
    """An optimisation asked in a way that cannot run; the message names the option and value."""


class Lever(BaseModel):
    """A scenario key the optimiser may set: a range (numbers or whole numbers, either on a
    log scale too) or a list of choices."""

    model_config = ConfigDict(frozen=True)
    key: str = Field(min_length=1)
    kind: Literal["float", "int", "log", "int_log", "choice"] = "float"
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> "Lever":
        if self.kind == "choice":
            if len(self.choices) < 2 or len(set(self.choices)) != len(self.choices) or not all(self.choices):
                raise ValueError("choices must be two or more different values, e.g. KEY=a,b,c")
            return self
        if self.low is None or self.high is None or not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise ValueError("a range needs finite numbers LOW:HIGH")
        if self.low >= self.high:
            raise ValueError(f"LOW ({self.low:g}) must be below HIGH ({self.high:g})")
        if self.whole and not (self.low.is_integer() and self.high.is_integer()):
            raise ValueError(f"an :int range takes whole numbers, got {self.low:g}:{self.high:g}")
        if self.kind in ("log", "int_log") and self.low <= 0:
            raise ValueError(f"a :log range must lie above 0, got LOW {self.low:g}")
        return self

    @classmethod
    def parse(cls, text: str) -> "Lever":
        where = f"--lever {text!r}"
        key, equals, value = text.partition("=")
        key = key.strip()
        if not equals or not key or not value.strip():
            raise SpecError(f"{where}: expected KEY=LOW:HIGH[:int|:log] or KEY=a,b,c")
        try:
            if ":" in value:
                parts = [part.strip() for part in value.split(":")]
                scale = set(parts[2:])
                if len(parts) not in (2, 3, 4) or not scale <= {"int", "log"} or len(scale) != len(parts) - 2:
                    raise SpecError(f"{where}: expected LOW:HIGH, LOW:HIGH:int, LOW:HIGH:log or LOW:HIGH:int:log")
                try:
                    low, high = float(parts[0]), float(parts[1])
                except ValueError:
                    raise SpecError(f"{where}: LOW and HIGH must be numbers, got {parts[0]!r} and {parts[1]!r}") from None
                kind = {frozenset(): "float", frozenset({"int"}): "int", frozenset({"log"}): "log",
                        frozenset({"int", "log"}): "int_log"}[frozenset(scale)]
                return cls(key=key, kind=kind, low=low, high=high)
            if "," in value:
                return cls(key=key, kind="choice", choices=tuple(choice.strip() for choice in value.split(",")))
        except ValidationError as error:
            raise SpecError(f"{where}: {_reason(error)}") from None
        raise SpecError(f"{where}: give a range LOW:HIGH or choices a,b,c, not a single value (that is --set)")

    @property
    def whole(self) -> bool:
        return self.kind in ("int", "int_log")

    def override(self, value) -> str:
        """The `--set` text that puts `value` at this lever's key."""
        if self.whole:
            return f"{self.key}={int(value)}"
        if self.kind in ("float", "log"):
            return f"{self.key}={float(value)!r}"
        return f"{self.key}={value}"

    def corners(self) -> list:
        """The values that must load for the lever to be valid: its ends, or every choice."""
        if self.kind == "choice":
            return list(self.choices)
        return [int(self.low), int(self.high)] if self.whole else [self.low, self.high]

    def text(self) -> str:
        if self.kind == "choice":
            return f"{self.key}={','.join(self.choices)}"
        ends = ":".join(str(int(x)) if x.is_integer() else repr(x) for x in (self.low, self.high))
        return f"{self.key}={ends}" + {"float": "", "int": ":int", "log": ":log", "int_log": ":int:log"}[self.kind]


class Objective(BaseModel):
    model_config = ConfigDict(frozen=True)
    kpi: str
    direction: Literal["max", "min"]

    @classmethod
    def parse(cls, text: str) -> "Objective":
        kpi, colon, direction = text.rpartition(":")
        kpi, direction = kpi.strip(), direction.strip()
        if not colon or direction not in ("max", "min") or not kpi:
            raise SpecError(f"--objective {text!r}: expected KPI:max or KPI:min, e.g. contribution:max")
        _known_kpi(kpi, f"--objective {text!r}")
        return cls(kpi=kpi, direction=direction)

    def better(self, a: float, b: float) -> bool:
        return a > b if self.direction == "max" else a < b

    def text(self) -> str:
        return f"{self.kpi}:{self.direction}"


_CONSTRAINT = re.compile(r"^\s*([A-Za-z_]\w*)\s*(<=|>=)\s*(\S+)\s*$")


class Constraint(BaseModel):
    model_config = ConfigDict(frozen=True)
    kpi: str
    operator: Literal["<=", ">="]
    limit: float

    @classmethod
    def parse(cls, text: str) -> "Constraint":
        found = _CONSTRAINT.match(text)
        where = f"--constraint {text!r}"
        if not found:
            raise SpecError(f"{where}: expected KPI<=VALUE or KPI>=VALUE, e.g. 'service_wait_p90_min<=5'")
        kpi, operator, limit = found.groups()
        _known_kpi(kpi, where)
        try:
            value = float(limit)
        except ValueError:
            raise SpecError(f"{where}: the limit {limit!r} is not a number") from None
        if not math.isfinite(value):
            raise SpecError(f"{where}: the limit must be a finite number")
        return cls(kpi=kpi, operator=operator, limit=value)

    def violation(self, value: float) -> float:
        """Optuna's convention: at most 0 when the constraint holds. An undefined KPI violates it."""
        if not math.isfinite(value):
            return 1.0
        return value - self.limit if self.operator == "<=" else self.limit - value

    def holds(self, value: float) -> bool:
        return self.violation(value) <= 0

    def text(self) -> str:
        return f"{self.kpi}{self.operator}{self.limit:g}"


class OptimizeRequest(BaseModel):
    """Everything an optimisation needs; the CLI's options, one to one."""

    model_config = ConfigDict(frozen=True)
    scenario: Path
    levers: list[Lever] = Field(min_length=1)
    objectives: list[Objective] = Field(min_length=1)
    constraints: list[Constraint] = []
    overrides: list[str] = []                  # --set, applied before the levers
    trials: int = Field(30, ge=1)
    replications: int | None = Field(None, ge=1, lt=CONFIRM_FIRST_REPLICATION)   # default: the scenario's
    confirm: int = Field(10, ge=2)             # replications of each finalist on fresh seeds
    finalists: int = Field(3, ge=1)            # the best few trials re-evaluated
    pick: str | None = None                    # the front's member to call best: best on this objective
    seed: int | None = Field(None, ge=0)       # default: the scenario's
    jobs: int | None = Field(None, ge=1)
    executor: Literal["processes", "dask"] = "processes"
    scheduler: str | None = None
    out: Path
    resume: bool = False
    force: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> "OptimizeRequest":
        keys = [lever.key for lever in self.levers]
        twice = sorted({key for key in keys if keys.count(key) > 1})
        if twice:
            raise ValueError(f"--lever {twice[0]} is given twice")
        kpis = [objective.kpi for objective in self.objectives]
        if len(set(kpis)) != len(kpis):
            raise ValueError("an objective is given twice")
        if self.pick is not None and self.pick not in kpis:
            raise ValueError(f"--pick {self.pick}: not one of the objectives ({', '.join(kpis)})")
        return self

    @property
    def picked(self) -> Objective:
        return next((o for o in self.objectives if o.kpi == self.pick), self.objectives[0])


def request_problem(error: ValidationError) -> str:
    """A request's validation error as one line for a person."""
    return _reason(error)


def _reason(error: ValidationError) -> str:
    return "; ".join(str(detail["msg"]).removeprefix("Value error, ") for detail in error.errors())


def _known_kpi(kpi: str, where: str) -> None:
    names = registry().kpi_names
    if kpi not in names:
        close = [name for name in names if kpi.lower() in name or name in kpi.lower()][:4]
        hint = f" (did you mean {', '.join(close)}?)" if close else "; `growthsim run --json` lists them"
        raise SpecError(f"{where}: unknown KPI {kpi!r}{hint}")
