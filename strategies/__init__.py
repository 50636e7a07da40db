"""Strategies of the e-commerce growth and retention playbook.

Each strategy is a module with a pydantic config (all default to off, or to the
baseline operations every platform has) and, from the strategies issue on, a hook
that sets the engine's levers and books its daily cost (`strategies.base`).
"""

from strategies.logistics import Logistics
from strategies.service_quality import ServiceQuality
from strategies.base import StrategyHook, Levers, Config

__all__ = ["Logistics", "ServiceQuality", "StrategyHook", "Levers", "Config", "Strategies"]


class Strategies(Config):
    """The `strategies:` section of a scenario."""

    service_quality: ServiceQuality = ServiceQuality()
    logistics: Logistics = Logistics()
