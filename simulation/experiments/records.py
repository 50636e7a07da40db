"""The one way the command and the app record a finished run or comparison in the history
(simulation/storage/history.py): the scenarios resolved, every override in them."""

from __future__ import annotations

from simulation.experiments.compare import Comparison
from simulation.experiments.replicate import Replications
from simulation.kernel.scenario import Scenario
from simulation.storage.history import History
from simulation.storage.loading import resolved_yaml
from simulation.storage.outputs import summary


def record_run(source: str, scenario: Scenario, result: Replications, *, out_dir: str | None = None) -> int:
    """A finished run: `source` is where its scenario came from (its file), the scenario
    is stored resolved (every override in it), with its KPIs (summary.json's content)."""
    return History().record("run", scenario.name, [{"path": source, "yaml": resolved_yaml(scenario)}],
                            summary(result), seed=scenario.seed, replications=len(result.runs), out_dir=out_dir)


def record_comparison(sources: list[str], scenarios: list[Scenario], comparison: Comparison, *,
                      out_dir: str | None = None) -> int:
    """A finished comparison of `scenarios` (as loaded, from `sources`), with its rows
    (compare.csv's content) and the seed and replications they shared."""
    reference = comparison.results[0]
    return History().record("compare", " vs ".join(comparison.names),
                            [{"path": source, "yaml": resolved_yaml(s)} for source, s in zip(sources, scenarios)],
                            {"rows": comparison.rows()}, seed=reference.scenario.seed,
                            replications=len(reference.runs), out_dir=out_dir)
