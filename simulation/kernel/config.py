"""The base of every section of a scenario, the strategies' configs included."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Config(BaseModel):
    """Base of every scenario section: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class StrategyConfig(Config):
    """Base of a strategy's section under `strategies:`; every strategy is off by default."""

    enabled: bool = Field(False, description="Switch the strategy on.")
