"""The strategy API: everything a strategy plugin may import from growthsim, in one module.

A strategy is a module that declares a `StrategyPlugin` (its pydantic config, its
`Strategy` subclass with the touchpoints it acts on, when it runs, the daily counters
and acquisition channels it adds) and registers it under the `growthsim.strategies`
entry-point group. The bundled strategies in `strategies/` are written exactly so;
docs/plugins.md shows how to write one in a package of your own.

`API_VERSION` follows semantic versioning: a plugin declares the major version it was
written for (`StrategyPlugin.api`), and the registry refuses one written for another.
Within a major version, names here only get added.
"""

from simulation.kernel.config import Config, StrategyConfig
from simulation.kernel.levers import Factor, Levers, factor_where
from simulation.kernel.operations import HOURS_PER_DAY, Carrier, ServiceDesk, Shift, Warehouse
from simulation.kernel.orders import OrderBatch
from simulation.kernel.platform import Platform
from simulation.kernel.strategy import CostCategory, Kpi, ShopperColumn, Strategy, StrategyPlugin

API_VERSION = "1.3"   # 1.1: the free_shipping_chance touchpoint, OrderBatch.ships_free; 1.2: Strategy.book_forfeited_deposits;
#                       1.3: Strategy.funnel_varies_within_day

__all__ = [
    "API_VERSION", "Carrier", "Config", "CostCategory", "Factor", "HOURS_PER_DAY", "Kpi", "Levers", "OrderBatch",
    "Platform", "ServiceDesk", "Shift", "ShopperColumn", "Strategy", "StrategyConfig", "StrategyPlugin", "Warehouse",
    "factor_where",
]
