"""The seam between strategies and the engine.

The engine reads `Levers` every day; a strategy hook changes them and books the cost
of doing so. The daily shopper step never asks which strategy set a lever, so a new
strategy is one module with a config and a hook, and the engine does not change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from pydantic import BaseModel, ConfigDict


class Config(BaseModel):
    """Base of every scenario section: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


@dataclass
class Levers:
    """What strategies may move, as multipliers or additions to the baseline model.

    All neutral by default, so that the engine with no strategy is the published
    models (Bass, BG/NBD with Gamma-Gamma, Erlang) it reduces to.
    """

    innovation_add: float = 0.0          # added to Bass p (paid and content reach), per day
    imitation_multiplier: float = 1.0    # multiplies Bass q (referral incentives)
    visit_rate_multiplier: float = 1.0   # multiplies every alive shopper's visit rate
    dropout_multiplier: float = 1.0      # multiplies the dropout probability after a purchase
    stage_multipliers: dict[str, float] = field(default_factory=dict)  # funnel stage -> multiplier


class StrategyHook(Protocol):
    """A strategy's daily action: adjust levers, return what it cost that day."""

    name: str

    def on_day(self, day: int, levers: Levers) -> float: ...
