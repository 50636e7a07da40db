"""What the Optimize screen asks for, as one pydantic model: the scenario, the levers with
their ranges, the objective, the constraints and the study's size; `to_request()` turns it
into the OptimizeRequest that `growthsim optimize` builds from its options, so both run the
same Optimization (docs/optimize.md). Each lever and constraint is checked by the core's own
models (Lever, Constraint), so the screen refuses what the command refuses, in its words.

A lever's default range comes from the scenario schema's bounds (its pydantic Field's ge/le)
when it has both; otherwise it is half to twice the scenario's current value (an assumption:
a plan's lever rarely moves further in one step), kept within the one bound there is.

No Textual here: the form (tui/optimize_form.py) loads and reads this model.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Literal

import annotated_types
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo

from simulation.experiments.optimize import NOT_LEVERS
from simulation.experiments.optimize_spec import (Constraint, Lever, Objective, OptimizeRequest, SpecError,
                                                  request_problem)
from simulation.kernel.registry import registry
from simulation.kernel.scenario import Scenario
from tui.schema import is_model, unwrap_optional, sections

SCALES = ("linear", "log")
DEFAULT_SHRINK, DEFAULT_GROW = 0.5, 2.0   # a range without both bounds: half to twice the current value


class LeverRow(BaseModel):
    """One lever of the form: a numeric scenario key and its range."""

    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=1)
    low: float
    high: float
    whole: bool = False        # whole numbers (the key is an int)
    scale: Literal["linear", "log"] = "linear"

    @model_validator(mode="after")
    def _a_lever(self) -> "LeverRow":
        self.lever()   # the core's checks: LOW < HIGH, whole ends for :int, a log range above 0
        return self

    def lever(self) -> Lever:
        kind = {(False, "linear"): "float", (True, "linear"): "int", (False, "log"): "log",
                (True, "log"): "int_log"}[(self.whole, self.scale)]
        try:
            return Lever(key=self.key, kind=kind, low=self.low, high=self.high)
        except ValidationError as error:
            raise ValueError(request_problem(error)) from None


class OptimizeForm(BaseModel):
    """The Optimize screen's fields; the same choices as `growthsim optimize`'s options."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    scenario: str = Field("", description="The scenario to optimise: a file of the library")
    levers: list[LeverRow] = Field([], description="The keys the optimiser may set, each with a range")
    objective: str = Field("contribution", description="The KPI to maximise or minimise (docs/metrics.md)")
    direction: Literal["max", "min"] = Field("max", description="Maximise or minimise the objective")
    constraints: str = Field("", description="Limits on KPIs, separated by ';', e.g. "
                                             "service_wait_p90_min<=60; marketing_cost<=500000")
    trials: int = Field(20, ge=1, le=10_000, description="Trials of the search")
    replications: int | None = Field(None, ge=1, le=10_000,
                                     description="Replications per trial, on the same seeds (empty: the scenario's)")
    confirm: int = Field(5, ge=2, le=10_000, description="Replications re-evaluating each finalist on fresh seeds")
    finalists: int = Field(3, ge=1, le=100, description="The best trials re-evaluated")
    out: str = Field("", description="The folder for optimize.json, trials.csv, best.yaml and study.db")

    @field_validator("replications", mode="before")
    @classmethod
    def _empty_is_none(cls, value):
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("scenario")
    @classmethod
    def _a_scenario(cls, value: str) -> str:
        if not value:
            raise ValueError("choose the scenario to optimise")
        return value

    @field_validator("levers")
    @classmethod
    def _some_levers(cls, value: list) -> list:
        if not value:
            raise ValueError("add at least one lever (pick a key, then Add lever)")
        keys = [row.key for row in value]
        twice = sorted({key for key in keys if keys.count(key) > 1})
        if twice:
            raise ValueError(f"{twice[0]} is a lever twice")
        return value

    @field_validator("objective")
    @classmethod
    def _known_objective(cls, value: str) -> str:
        try:
            Objective.parse(f"{value}:max")
        except SpecError as error:
            raise ValueError(_without_option(error)) from None
        return value

    @field_validator("constraints")
    @classmethod
    def _constraints_parse(cls, value: str) -> str:
        for text in constraint_texts(value):
            try:
                Constraint.parse(text)
            except SpecError as error:
                raise ValueError(_without_option(error)) from None
        return value

    @field_validator("out")
    @classmethod
    def _a_folder(cls, value: str) -> str:
        if not value:
            raise ValueError("name a folder for the optimisation")
        return value

    def to_request(self, jobs: int | None = None, resume: bool = False) -> OptimizeRequest:
        return OptimizeRequest(
            scenario=Path(self.scenario), levers=[row.lever() for row in self.levers],
            objectives=[Objective(kpi=self.objective, direction=self.direction)],
            constraints=[Constraint.parse(text) for text in constraint_texts(self.constraints)],
            trials=self.trials, replications=self.replications, confirm=self.confirm, finalists=self.finalists,
            jobs=jobs, out=Path(self.out).expanduser(), resume=resume)


def constraint_texts(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;\n]", value) if part.strip()]


def _without_option(error: SpecError) -> str:
    """A SpecError's reason without the command-line option it names (the form marks the field)."""
    return re.sub(r"^--\w+ '[^']*': ", "", str(error))


# --- levers from the schema ----------------------------------------------------------------

def lever_keys() -> list[str]:
    """Every numeric key of the scenario schema a lever may set, in the editor's order."""
    return [spec.key for section in sections() for spec in section.fields
            if spec.kind in ("int", "float") and spec.key not in NOT_LEVERS]


def field_info(key: str) -> FieldInfo | None:
    model: type[BaseModel] = Scenario
    parts = key.split(".")
    for index, part in enumerate(parts):
        info = model.model_fields.get(part)
        if info is None:
            return None
        if index == len(parts) - 1:
            return info
        annotation, _ = unwrap_optional(info.annotation)
        if not is_model(annotation):
            return None
        model = annotation
    return None


def bounds(info: FieldInfo) -> tuple[float | None, float | None, bool, bool]:
    """low, high, and whether each is inclusive (ge/le) or strict (gt/lt)."""
    low = high = None
    low_inclusive = high_inclusive = True
    for item in info.metadata:
        if isinstance(item, annotated_types.Ge):
            low = float(item.ge)
        elif isinstance(item, annotated_types.Gt):
            low, low_inclusive = float(item.gt), False
        elif isinstance(item, annotated_types.Le):
            high = float(item.le)
        elif isinstance(item, annotated_types.Lt):
            high, high_inclusive = float(item.lt), False
    return low, high, low_inclusive, high_inclusive


def default_lever(key: str, current: float | None) -> LeverRow:
    """A lever on `key` with its default range: the schema's bounds when it has both
    (inclusive), else half to twice `current`, within the bound there is."""
    info = field_info(key)
    annotation = unwrap_optional(info.annotation)[0] if info else float
    whole = annotation is int
    low, high, low_in, high_in = bounds(info) if info else (None, None, True, True)
    value = float(current) if isinstance(current, (int, float)) and math.isfinite(current) else 0.0
    if low is not None and high is not None and low_in and high_in:
        start, end = low, high
    else:
        start, end = sorted((value * DEFAULT_SHRINK, value * DEFAULT_GROW))
        if start == end:   # a current value of 0: one unit up
            end = start + 1.0
        if low is not None:
            start = max(start, low if low_in else (low + 1 if whole else _above(low, end)))
        if high is not None:
            end = min(end, high if high_in else (high - 1 if whole else _below(high, start)))
    if whole:
        start, end = math.floor(start), math.ceil(end)
        end = max(end, start + 1)
    return LeverRow(key=key, low=start, high=end, whole=whole)


def _above(bound: float, end: float) -> float:
    return bound + (end - bound) * 0.01   # a strict bound: just inside it


def _below(bound: float, start: float) -> float:
    return bound - (bound - start) * 0.01


def kpi_names() -> list[str]:
    return list(registry().kpi_names)
