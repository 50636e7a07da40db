"""Strategies of the e-commerce growth and retention playbook, as strategy plugins.

Each module here declares one `StrategyPlugin` (simulation/kernel/api.py) in `PLUGIN`
and is registered under the `growthsim.strategies` entry-point group in pyproject.toml,
exactly as a plugin of another package would be (docs/plugins.md). Nothing imports this
package by name: the engine finds the strategies through the registry.
"""
