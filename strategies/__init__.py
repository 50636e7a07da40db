"""Strategies of the e-commerce growth and retention playbook (DESIGN.md §5).

Each is a module here with a pydantic config (off by default, or at the baseline
operations every platform has) and, where it acts through the engine's touchpoints,
a `Strategy` subclass named in its module's `STRATEGY`.
"""

from __future__ import annotations

import importlib

from strategies.base import Config, Levers, OrderBatch, Strategy, StrategyConfig
from strategies.logistics import Logistics
from strategies.service_quality import ServiceQuality

# The strategy modules, in the order the engine consults them each day.
STRATEGY_NAMES = ("content", "social_referral", "membership", "service_quality", "logistics",
                  "cross_channel", "precision_marketing")

__all__ = ["Config", "Levers", "OrderBatch", "Strategy", "StrategyConfig", "Strategies", "STRATEGY_NAMES",
           "strategy_class"]


class Strategies(Config):
    """The `strategies:` section of a scenario."""

    service_quality: ServiceQuality = ServiceQuality()
    logistics: Logistics = Logistics()


def strategy_class(name: str) -> type[Strategy] | None:
    """The touchpoints of strategy `name`, or None for one the engine runs as an operation."""
    try:
        module = importlib.import_module(f"strategies.{name}")
    except ModuleNotFoundError:
        return None
    return getattr(module, "STRATEGY", None)
