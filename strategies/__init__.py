"""Strategies of the e-commerce growth and retention playbook (DESIGN.md §5).

Each is a module here that names its pydantic config in `CONFIG` (off by default,
or at the baseline operations every platform has) and, where it acts through the
engine's touchpoints, its `Strategy` subclass in `STRATEGY`. The `strategies:`
section of a scenario is assembled from them, in this order.
"""

from __future__ import annotations

import importlib

from pydantic import create_model

from strategies.base import Config, Levers, OrderBatch, Strategy, StrategyConfig

# The strategy modules, in the order the engine consults them each day.
STRATEGY_NAMES = ("content", "social_referral", "membership", "service_quality", "logistics",
                  "cross_channel", "precision_marketing")

__all__ = ["Config", "Levers", "OrderBatch", "Strategy", "StrategyConfig", "Strategies", "STRATEGY_NAMES",
           "strategy_class"]


def _module(name: str):
    try:
        return importlib.import_module(f"strategies.{name}")
    except ModuleNotFoundError as missing:
        if missing.name != f"strategies.{name}":
            raise
        return None   # not written yet


_MODULES = {name: module for name in STRATEGY_NAMES if (module := _module(name)) is not None}

Strategies = create_model(
    "Strategies",
    __base__=Config,
    __doc__="The `strategies:` section of a scenario.",
    **{name: (module.CONFIG, module.CONFIG()) for name, module in _MODULES.items()},
)


def strategy_class(name: str) -> type[Strategy] | None:
    """The touchpoints of strategy `name`, or None for one the engine runs as an operation."""
    module = _MODULES.get(name)
    return getattr(module, "STRATEGY", None) if module else None
