"""The base of every section of a scenario, the strategies' configs included."""

from __future__ import annotations

import types
import typing

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from simulation.kernel.language import N_, Refusal


class Config(BaseModel):
    """Base of every scenario section: unknown keys are errors, not silently ignored, and a
    number is a number (`horizon_days: true` is a mistake, not 1)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_true_or_false_for_a_number(cls, value: typing.Any, info: ValidationInfo) -> typing.Any:
        if isinstance(value, bool) and info.field_name and _takes_a_number_not_a_bool(
                cls.model_fields[info.field_name].annotation):
            raise Refusal(N_("should be a number, not true or false"))
        return value


def _takes_a_number_not_a_bool(annotation: typing.Any) -> bool:
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    choices = typing.get_args(annotation) if union else (annotation,)
    return bool(set(choices) & {int, float}) and bool not in choices


class StrategyConfig(Config):
    """Base of a strategy's section under `strategies:`; every strategy is off by default."""

    enabled: bool = Field(False, description="Switch the strategy on.")
