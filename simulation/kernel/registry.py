"""The strategies installed: every plugin registered under the `growthsim.strategies`
entry-point group (the bundled ones too, in pyproject.toml), checked once, in the order
the engine consults them. What the kernel needs to know of them, it asks here: the
`strategies:` section of a scenario, the daily columns, the acquisition channels.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import metadata

from pydantic import create_model

from simulation.kernel.config import Config
from simulation.kernel.metrics import KERNEL_DAILY_COLUMNS, KPI_NAMES, KPI_UNITS
from simulation.kernel.operations import SERVICE_DESK, WAREHOUSE, ServiceDesk, Warehouse
from simulation.kernel.population import KERNEL_CHANNELS, KERNEL_VIRAL_CHANNELS
from simulation.kernel.strategy import StrategyPlugin

ENTRY_POINT_GROUP = "growthsim.strategies"
API_MAJOR = 1   # simulation.kernel.api.API_VERSION's major version
# The operations run by the kernel, whose settings a plugin of the same name may extend.
OPERATIONS = {WAREHOUSE: Warehouse, SERVICE_DESK: ServiceDesk}
CALENDAR_ACCOUNT = "calendar"     # promotion spend of calendar events


class RegistryError(Exception):
    """A strategy plugin that cannot be registered; the message names it and what is wrong."""


@dataclass(frozen=True)
class Registry:
    plugins: tuple[StrategyPlugin, ...]    # in the order the engine consults them

    def __post_init__(self) -> None:
        problems = [f"strategy plugin {p.name!r}: {problem}" for p in self.plugins for problem in p.problems()]
        seen_names: set[str] = set()
        owner = {column: "the kernel" for column in (*KERNEL_DAILY_COLUMNS, *self.cost_columns)}
        channel_owner = {channel: "the kernel" for channel in KERNEL_CHANNELS}
        kpi_owner = {kpi: "the kernel" for kpi in KPI_NAMES}
        for plugin in self.plugins:
            if plugin.name in seen_names:
                problems.append(f"strategy plugin {plugin.name!r} is registered twice")
            seen_names.add(plugin.name)
            if plugin.api != API_MAJOR:
                problems.append(f"strategy plugin {plugin.name!r} needs strategy API {plugin.api}; "
                                f"this growthsim has API {API_MAJOR}")
            base = OPERATIONS.get(plugin.name)
            if base is not None and isinstance(plugin.config, type) and not issubclass(plugin.config, base):
                problems.append(f"strategy plugin {plugin.name!r}: its config must extend "
                                f"simulation.kernel.api.{base.__name__}, the operation it is named after")
            for column in plugin.daily_columns:
                if column in owner:
                    problems.append(f"strategy plugin {plugin.name!r}: daily column {column!r} is "
                                    f"already declared by {owner[column]}")
                owner[column] = f"strategy plugin {plugin.name!r}"
            for kpi in plugin.kpis:
                if kpi in kpi_owner:
                    problems.append(f"strategy plugin {plugin.name!r}: KPI {kpi!r} is already declared by {kpi_owner[kpi]}")
                kpi_owner[kpi] = f"strategy plugin {plugin.name!r}"
            for channel in plugin.channels:
                if channel in channel_owner:
                    problems.append(f"strategy plugin {plugin.name!r}: channel {channel!r} is "
                                    f"already declared by {channel_owner[channel]}")
                channel_owner[channel] = f"strategy plugin {plugin.name!r}"
        if problems:
            raise RegistryError("\n".join(problems))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(plugin.name for plugin in self.plugins)

    def plugin(self, name: str) -> StrategyPlugin | None:
        return next((plugin for plugin in self.plugins if plugin.name == name), None)

    @property
    def channels(self) -> tuple[str, ...]:
        return (*KERNEL_CHANNELS, *(channel for plugin in self.plugins for channel in plugin.channels))

    @property
    def viral_channels(self) -> tuple[str, ...]:
        return (*KERNEL_VIRAL_CHANNELS, *(channel for plugin in self.plugins for channel in plugin.viral_channels))

    @property
    def social_channels(self) -> tuple[str, ...]:
        return tuple(channel for plugin in self.plugins for channel in plugin.social_channels)

    @property
    def cost_accounts(self) -> tuple[str, ...]:
        """Every account a cost is booked under: each strategy, the operations, the calendar."""
        operations = tuple(name for name in OPERATIONS if name not in self.names)
        return (*self.names, *operations, CALENDAR_ACCOUNT)

    @property
    def cost_columns(self) -> tuple[str, ...]:
        return tuple(f"cost_{account}" for account in self.cost_accounts)

    @property
    def daily_columns(self) -> tuple[str, ...]:
        """The time series of a run: the kernel's, the costs by account, each plugin's counters."""
        per_day = (*(f"new_shoppers_{channel}" for channel in self.channels),)
        declared = (column for plugin in self.plugins for column in plugin.daily_columns)
        return (*KERNEL_DAILY_COLUMNS[:1], *per_day, *KERNEL_DAILY_COLUMNS[1:], *self.cost_columns, *declared)

    @property
    def kpi_names(self) -> tuple[str, ...]:
        """Every KPI of a run's summary: the kernel's (docs/metrics.md), then each plugin's."""
        return (*KPI_NAMES, *(kpi for plugin in self.plugins for kpi in plugin.kpis))

    def kpi_unit(self, kpi: str) -> str:
        """How a KPI is read: count, money, share, score, minutes or ratio ('' if unknown)."""
        if kpi in KPI_UNITS:
            return KPI_UNITS[kpi]
        return next((plugin.kpis[kpi].unit for plugin in self.plugins if kpi in plugin.kpis), "")

    def plugin_kpis(self, daily) -> dict[str, float]:
        """The plugins' KPIs of one replication, from its time series (every plugin's, on or off,
        so that every run has the same KPIs)."""
        return {name: float(kpi.of(daily)) for plugin in self.plugins for name, kpi in plugin.kpis.items()}

    @functools.cached_property
    def strategies_section(self) -> type[Config]:
        """The `strategies:` section of a scenario: one key per plugin, and the operations."""
        sections = {plugin.name: plugin.config for plugin in self.plugins}
        for name, settings in OPERATIONS.items():
            sections.setdefault(name, settings)
        # Named where it is importable, simulation.kernel.scenario.Strategies, so that scenarios pickle.
        return create_model("Strategies", __base__=Config, __module__="simulation.kernel.scenario",
                            __doc__="The `strategies:` section of a scenario.",
                            **{name: (config, config()) for name, config in sections.items()})


def load_plugin(entry_point: metadata.EntryPoint) -> StrategyPlugin:
    where = f"entry point {entry_point.name!r} = {entry_point.value!r} of group {ENTRY_POINT_GROUP!r}"
    try:
        plugin = entry_point.load()
    except Exception as failure:   # a plugin's own import error: say whose it is
        raise RegistryError(f"{where} cannot be loaded: {type(failure).__name__}: {failure}") from failure
    if not isinstance(plugin, StrategyPlugin):
        raise RegistryError(f"{where} is a {type(plugin).__name__}, not a StrategyPlugin")
    if plugin.name != entry_point.name:
        raise RegistryError(f"{where} declares a plugin named {plugin.name!r}; the names must match")
    return plugin


@functools.cache
def registry() -> Registry:
    """The installed strategies, loaded from their entry points once per process."""
    entry_points = metadata.entry_points(group=ENTRY_POINT_GROUP)
    unique = {(entry_point.name, entry_point.value): entry_point for entry_point in entry_points}   # one install seen twice
    plugins = [load_plugin(entry_point) for entry_point in unique.values()]
    return Registry(tuple(sorted(plugins, key=lambda plugin: (plugin.order, plugin.name))))
