"""`growthsim strategies`: the strategy plugins installed, where they act and what they add."""

from __future__ import annotations

import argparse
import json

from growthsim.arguments import EXIT_OK
from growthsim.console import for_stdout
from growthsim.i18n import _
from growthsim.terms import strategy_label
from simulation.kernel.api import API_VERSION
from simulation.kernel.registry import registry


def add_parser(commands) -> None:
    parser = commands.add_parser("strategies", help=_("list the installed strategy plugins and where each acts"))
    parser.add_argument("--json", action="store_true", help=_("print them as JSON"))


def described() -> list[dict]:
    return [{"name": p.name, "order": p.order, "module": p.strategy.__module__, "acts_on": list(p.acts_on),
             "cost_category": p.cost_category, "daily_columns": dict(p.daily_columns), "channels": list(p.channels),
             "levers": list(p.levers), "api": p.api} for p in registry().plugins]


def command_strategies(args: argparse.Namespace) -> int:
    plugins = described()
    if args.json:
        print(json.dumps({"api_version": API_VERSION, "strategies": plugins}, indent=2))
        return EXIT_OK
    with for_stdout() as out:
        say = lambda text: out.print(text, markup=False, highlight=False, soft_wrap=True)   # noqa: E731
        say(_("strategy plugins (strategy API {version}), in the order the engine consults them:").format(
            version=API_VERSION))
        for plugin in plugins:
            adds = [*plugin["daily_columns"], *(_("channel {name}").format(name=c) for c in plugin["channels"])]
            label = strategy_label(plugin["name"])
            name = plugin["name"] if label == plugin["name"] else f"{label} {plugin['name']}"
            say("\n" + _("{name}  ({module}, order {order}, costs: {costs})").format(
                name=name, module=plugin['module'], order=plugin['order'], costs=plugin['cost_category']))
            # Identifiers stay as they are: acts_on names, daily columns and lever keys are what files use.
            say(_("  acts on: {names}").format(names=", ".join(plugin["acts_on"]) or "-"))
            say(_("  adds:    {names}").format(names=", ".join(adds) or "-"))
            say(_("  levers:  {names}").format(names=", ".join(plugin["levers"]) or "-"))
    return EXIT_OK
