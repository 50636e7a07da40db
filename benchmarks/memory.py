"""Peak memory of the big runs issue 17 sets goals for: the baseline at 50 M shoppers and the
combined plan at 10 M, each × 365 days, from the command line.

Each run is `growthsim run FILE --replications 1 --jobs 1` in a fresh child process, FILE the
bundled scenario with `market.size` = `market.initial_shoppers` = N, the horizon, no
`baseline:` (the plan's own replication, not its baseline's) and its operations scaled to
the market as the scenario benchmark scales them (benchmarks/scenarios.py, SCALED_KEYS). The
figure is the child's peak resident set size (`ru_maxrss` via os.wait4 in benchmarks/peak.py: the interpreter,
imports, the admission check and writing the outputs included), in GiB and in bytes a
shopper, beside the goal.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from benchmarks.scenarios import ROOT, run_child, scale_operations

# (scenario, shoppers, days, goal in GiB): issue 17's goals.
FULL_RUNS = (("baseline", 50_000_000, 365, 6.0), ("combined", 10_000_000, 365, 3.0))
QUICK_RUNS = (("baseline", 20_000, 20, 6.0), ("combined", 10_000, 20, 3.0))


def scaled_scenario_yaml(name: str, shoppers: int, days: int) -> str:
    """The bundled scenario at `shoppers` × `days`, operations scaled, as a complete YAML file."""
    from simulation.kernel.scenario import Scenario
    from simulation.storage.loading import load_scenario, resolved_yaml

    own = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    document = own.model_dump()
    document.update(horizon_days=days, replications=1, baseline=None,
                    market={**document["market"], "size": shoppers, "initial_shoppers": shoppers},
                    strategies=scale_operations(document["strategies"], shoppers / own.market.initial_shoppers))
    return resolved_yaml(Scenario.model_validate(document))


def measure(runs=FULL_RUNS) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="growthsim-bench-memory-") as scratch:
        folder = Path(scratch)
        env = {**os.environ, "GROWTHSIM_HISTORY": str(folder / "history.sqlite")}   # not the user's history
        growthsim = [sys.executable, "-c", "import growthsim; growthsim.main()"]
        for name, shoppers, days, goal_gib in runs:
            path = folder / f"{name}-{shoppers}.yaml"
            path.write_text(scaled_scenario_yaml(name, shoppers, days))
            seconds, rss_gib, _ = run_child([*growthsim, "run", str(path), "--replications", "1", "--jobs", "1",
                                             "--out", str(folder / f"{name}-{shoppers}-out")], folder, env)
            rows.append({"scenario": name, "shoppers": shoppers, "days": days, "seconds": seconds,
                         "peak_rss_gib": rss_gib, "bytes_per_shopper": rss_gib * 2 ** 30 / shoppers,
                         "goal_gib": goal_gib})
    return rows


if __name__ == "__main__":   # python benchmarks/memory.py: the full runs alone
    sys.path.insert(0, str(ROOT))
    for row in measure():
        print(f"{row['scenario']} {row['shoppers']:,} x {row['days']} d: {row['seconds']:.0f} s, "
              f"peak RSS {row['peak_rss_gib']:.2f} GiB ({row['bytes_per_shopper']:.0f} bytes a shopper; "
              f"goal {row['goal_gib']:g} GiB)")
