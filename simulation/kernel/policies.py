"""Adaptive policies: the playbook's "analyse and adjust" loop, simulated.

A policy watches a running metric (a time-series column averaged over the last
`window_days`, or the monthly churn rate over that window) and, when it crosses a
threshold, changes a lever (any dotted scenario key), then waits `cooldown_days`.
Every change is logged with the day, the metric's value and the old and new values.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field, ValidationError, field_validator, model_validator

from simulation.kernel.config import Config
from simulation.kernel.language import N_, Refusal


class PolicyError(Exception):
    """A policy set a lever to a value the schema refuses, while running (one message: SimPy
    re-creates the exceptions of its processes from their arguments)."""


class Policy(Config):
    name: str = Field(description="Shown in the log of changes.")
    metric: str = Field(description="A timeseries.csv column, or churn_rate_monthly.")
    window_days: int = Field(30, ge=1, description="Days the metric is averaged over.")
    above: float | None = Field(None, description="Act when the metric is above this.")
    below: float | None = Field(None, description="Act when the metric is below this.")
    set: str = Field(description="Dotted scenario key of the lever, e.g. strategies.service_quality.agents.")
    multiply_by: float | None = Field(None, description="New value = old x this.")
    add: float | None = Field(None, description="New value = old + this.")
    to: Any = Field(None, description="New value, as given.")
    cooldown_days: int = Field(30, ge=0, description="Days to wait after acting before acting again.")
    max_times: int | None = Field(None, ge=1, description="Act at most this many times.")

    @field_validator("metric")
    @classmethod
    def _metric_is_recorded(cls, metric: str) -> str:
        from simulation.kernel.registry import registry   # late: the registry builds the scenario schema
        if metric != "churn_rate_monthly" and metric not in registry().daily_columns:
            raise Refusal(N_("not a running metric: {metric} (a timeseries.csv column or churn_rate_monthly)"), metric=repr(metric))
        return metric

    @model_validator(mode="after")
    def _one_condition_one_action(self) -> "Policy":
        if (self.above is None) == (self.below is None):
            raise Refusal(N_("give exactly one of 'above' or 'below'"))
        if sum(x is not None for x in (self.multiply_by, self.add, self.to)) != 1:
            raise Refusal(N_("give exactly one of 'multiply_by', 'add' or 'to'"))
        return self


def running_metric(daily: dict[str, np.ndarray], name: str, day: int, window: int) -> float:
    start = max(0, day - window + 1)
    if name == "churn_rate_monthly":
        active = daily["active_shoppers"][start: day + 1].sum()
        return 30.0 * daily["churned"][start: day + 1].sum() / active if active else float("nan")
    values = daily[name][start: day + 1]
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else float("nan")


class PolicyRunner:
    def __init__(self, scenario, policies: list[Policy]) -> None:
        self.scenario = scenario
        self.policies = policies
        self.last_acted = {policy.name: -10**9 for policy in policies}
        self.times_acted = {policy.name: 0 for policy in policies}
        self.log: list[dict] = []

    def review(self, day: int, daily: dict[str, np.ndarray]) -> None:
        for policy in self.policies:
            if day - self.last_acted[policy.name] < policy.cooldown_days:
                continue
            if policy.max_times is not None and self.times_acted[policy.name] >= policy.max_times:
                continue
            value = running_metric(daily, policy.metric, day, policy.window_days)
            crossed = value > policy.above if policy.above is not None else value < policy.below
            if not crossed:   # NaN never crosses
                continue
            old = get_key(self.scenario, policy.set)
            new = policy.to if policy.to is not None else (
                old * policy.multiply_by if policy.multiply_by is not None else old + policy.add)
            try:
                if (isinstance(old, int) and not isinstance(old, bool) and isinstance(new, float)
                        and policy.to is None):
                    new = int(round(new))   # a count stays a count (OverflowError when new is not finite)
                if isinstance(new, int) and not isinstance(new, bool) and not -2**63 <= new < 2**63:
                    raise OverflowError("a whole number beyond 64 bits, which the engine's arrays cannot hold")
                set_key(self.scenario, policy.set, new)
            except ValidationError as error:   # the schema refuses it: say which policy, on which day
                reasons = "; ".join(f"{d['msg']} (got {d['input']!r})" for d in error.errors())
                raise PolicyError(f"day {day}: policy {policy.name!r} set {policy.set} to {new!r}, which the "
                                  f"scenario's schema refuses: {reasons}") from None
            except (OverflowError, ValueError, TypeError) as error:   # not a number the lever can take
                raise PolicyError(f"day {day}: policy {policy.name!r} set {policy.set} to {new!r}, which it cannot "
                                  f"take: {error}") from None
            self.last_acted[policy.name] = day
            self.times_acted[policy.name] += 1
            self.log.append({"day": day, "policy": policy.name, "metric": policy.metric, "value": value,
                             "key": policy.set, "old": old, "new": get_key(self.scenario, policy.set)})


def get_key(model, dotted: str):
    for part in dotted.split("."):
        model = getattr(model, part)
    return model


def set_key(model, dotted: str, value) -> None:
    *path, last = dotted.split(".")
    for part in path:
        model = getattr(model, part)
    setattr(model, last, value)   # validate_assignment: the new value is checked like the file
