"""Strategies as plugins: the registry built from the `growthsim.strategies` entry points,
what it refuses at registration, counters nobody declared, and a plugin installed from
a package of its own (tests/example_plugin) running in a scenario."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from importlib import metadata
from pathlib import Path

import pytest

from simulation.kernel.api import StrategyConfig
from simulation.kernel.engine import UndeclaredCounter, simulate
from simulation.kernel.registry import ENTRY_POINT_GROUP, Registry, RegistryError, registry
from simulation.storage.loading import load_scenario
from strategies.membership import PLUGIN as MEMBERSHIP, MembershipStrategy

REPOSITORY = Path(__file__).resolve().parents[1]
EXAMPLE_PLUGIN = REPOSITORY / "tests" / "example_plugin"
BUNDLED = ("content", "social_referral", "membership", "service_quality", "logistics", "cross_channel",
           "precision_marketing")


def test_the_bundled_strategies_are_registered_through_entry_points_in_their_order():
    entry_points = {entry_point.name for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP)}
    assert set(BUNDLED) <= entry_points
    assert registry().names[:len(BUNDLED)] == BUNDLED
    assert MEMBERSHIP.acts_on == ("start_day", "end_day", "joined", "visit_factor", "stage_factors",
                                  "free_shipping_chance", "dropout_factor", "orders_placed", "ticket_priority")


@pytest.mark.parametrize("change, complaint", [
    ({"daily_columns": {"orders": "again"}}, "daily column 'orders' is already declared by the kernel"),
    ({"channels": ("initial",)}, "channel 'initial' is already declared by the kernel"),
    ({"api": 2}, "needs strategy API 2; this growthsim has API 1"),
    ({"name": "member ship"}, "name 'member ship' is not an identifier"),
    ({"levers": ("paid.fees",)}, "lever 'paid.fees' is not a key of its config"),
    ({"viral_channels": ("referral",)}, "viral channel 'referral' is not one of its channels"),
    ({"kpis": {"orders": None}}, "KPI 'orders' is already declared by the kernel"),
])
def test_registration_refuses_a_plugin_that_collides_or_is_malformed(change, complaint):
    with pytest.raises(RegistryError, match=complaint.replace("(", r"\(").replace(")", r"\)")):
        Registry((replace(MEMBERSHIP, **change),))


def test_registration_refuses_two_plugins_of_one_name_and_one_that_is_on_by_default():
    with pytest.raises(RegistryError, match="'membership' is registered twice"):
        Registry((MEMBERSHIP, MEMBERSHIP))

    class OnByDefault(StrategyConfig):
        enabled: bool = True

    with pytest.raises(RegistryError, match="must be off by default"):
        Registry((replace(MEMBERSHIP, config=OnByDefault),))


def test_an_operation_extended_by_a_plugin_must_keep_its_settings():
    logistics = registry().plugin("logistics")
    with pytest.raises(RegistryError, match="must extend simulation.kernel.api.Warehouse"):
        Registry((replace(logistics, config=MEMBERSHIP.config, strategy=type(
            "Renamed", (MembershipStrategy,), {"name": "logistics"})),))


def test_a_counter_nobody_declared_stops_the_run_instead_of_being_dropped(monkeypatch):
    def end_day(self, day):
        self.platform.today["gifts_wrapped"] = 1

    monkeypatch.setattr(MembershipStrategy, "end_day", end_day)
    scenario = load_scenario(REPOSITORY / "scenarios" / "membership.yaml",
                             overrides=["horizon_days=3", "market.initial_shoppers=100", "market.size=1000"])
    with pytest.raises(UndeclaredCounter, match="'gifts_wrapped'"):
        simulate(scenario)


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory) -> Path:
    """The example plugin installed by pip into a folder of its own (as `--target`)."""
    site, source = tmp_path_factory.mktemp("site"), tmp_path_factory.mktemp("source") / "plugin"
    shutil.copytree(EXAMPLE_PLUGIN, source)   # setuptools builds in the source tree: not in the repository's
    done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                           "--no-index", "--target", str(site), str(source)],
                          capture_output=True, text=True, cwd=source)
    assert done.returncode == 0, done.stdout + done.stderr
    return site


def growthsim(*args: str, cwd: Path, site: Path | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if site is not None:
        env["PYTHONPATH"] = str(site)
    return subprocess.run([sys.executable, "-m", "growthsim", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, stdin=subprocess.DEVNULL, timeout=300)


def test_an_installed_plugin_runs_in_a_scenario_and_books_its_money(plugin_site, tmp_path):
    scenario = tmp_path / "gift.yaml"
    scenario.write_text(f"extends: {REPOSITORY / 'scenarios' / 'baseline.yaml'}\nname: gift\nhorizon_days: 60\n"
                        "market: {size: 50000, initial_shoppers: 5000}\n"
                        "strategies:\n  thank_you_gift:\n    enabled: true\n    cost_per_gift: 4.5\n")
    done = growthsim("run", str(scenario), "--replications", "2", "--jobs", "1", "--out", str(tmp_path / "out"),
                     cwd=tmp_path, site=plugin_site)
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "out" / "timeseries.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    gifts = sum(float(row["gifts_sent"]) for row in rows)
    cost = sum(float(row["cost_thank_you_gift"]) for row in rows)
    first_orders = sum(float(row["orders"]) for row in rows)
    assert 0 < gifts <= first_orders
    assert cost == pytest.approx(4.5 * gifts, abs=0.01)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["kpis"]["gifts_sent"]["mean"] == pytest.approx(gifts / 2)   # two replications

    schema = growthsim("schema", cwd=tmp_path, site=plugin_site)
    assert "thank_you_gift" in schema.stdout and "cost_per_gift" in schema.stdout

    listed = growthsim("strategies", "--json", cwd=tmp_path, site=plugin_site)
    plugins = {plugin["name"]: plugin for plugin in json.loads(listed.stdout)["strategies"]}
    assert list(plugins)[:len(BUNDLED)] == list(BUNDLED)
    assert plugins["thank_you_gift"]["acts_on"] == ["end_day", "dropout_factor", "orders_placed"]
    assert plugins["thank_you_gift"]["daily_columns"] == {
        "gifts_sent": "Thank-you gifts sent (one per shopper, after its first order)."}


def test_without_the_plugin_its_section_is_an_unknown_key(tmp_path):
    scenario = tmp_path / "gift.yaml"
    scenario.write_text(f"extends: {REPOSITORY / 'scenarios' / 'baseline.yaml'}\n"
                        "strategies:\n  thank_you_gift:\n    enabled: true\n")
    done = growthsim("validate", str(scenario), cwd=tmp_path, site=None)
    assert done.returncode == 2
    assert "thank_you_gift" in done.stderr and "Traceback" not in done.stderr


def test_a_plugin_that_cannot_be_registered_is_bad_input_naming_its_entry_point(tmp_path):
    site = tmp_path / "site"
    info = site / "broken_plugin-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[growthsim.strategies]\nbroken = broken_plugin:PLUGIN\n")
    (site / "broken_plugin.py").write_text("PLUGIN = 'a string, not a StrategyPlugin'\n")
    done = growthsim("validate", str(REPOSITORY / "scenarios" / "baseline.yaml"), cwd=tmp_path, site=site)
    assert done.returncode == 2
    assert "entry point 'broken' = 'broken_plugin:PLUGIN'" in done.stderr
    assert "is a str, not a StrategyPlugin" in done.stderr and "Traceback" not in done.stderr
