"""`growthsim strategies`: the strategy plugins installed, where they act and what they add."""

from __future__ import annotations

import argparse
import json

from growthsim.arguments import EXIT_OK
from simulation.kernel.api import API_VERSION
from simulation.kernel.registry import registry


def add_parser(commands) -> None:
    parser = commands.add_parser("strategies", help="list the installed strategy plugins and where each acts")
    parser.add_argument("--json", action="store_true", help="print them as JSON")


def described() -> list[dict]:
    return [{"name": p.name, "order": p.order, "module": p.strategy.__module__, "acts_on": list(p.acts_on),
             "cost_category": p.cost_category, "daily_columns": dict(p.daily_columns), "channels": list(p.channels),
             "levers": list(p.levers), "api": p.api} for p in registry().plugins]


def command_strategies(args: argparse.Namespace) -> int:
    plugins = described()
    if args.json:
        print(json.dumps({"api_version": API_VERSION, "strategies": plugins}, indent=2))
        return EXIT_OK
    print(f"strategy plugins (strategy API {API_VERSION}), in the order the engine consults them:")
    for plugin in plugins:
        adds = [*plugin["daily_columns"], *(f"channel {c}" for c in plugin["channels"])]
        print(f"\n{plugin['name']}  ({plugin['module']}, order {plugin['order']}, costs: {plugin['cost_category']})")
        print(f"  acts on: {', '.join(plugin['acts_on']) or '-'}")
        print(f"  adds:    {', '.join(adds) or '-'}")
        print(f"  levers:  {', '.join(plugin['levers']) or '-'}")
    return EXIT_OK
