"""Golden results: a scenario's KPIs with their intervals, recorded in a file beside it.

`scenarios/baseline.yaml` has its golden in `scenarios/baseline.golden.json`, written by
`growthsim check --update` and compared by `growthsim check` (simulation/experiments/check.py).
JSON rather than YAML, because the scenario library (and the app) take every YAML file
in a folder for a scenario. One KPI a line, numbers to 7 significant digits, so a review
diff shows exactly which KPIs moved and a rerun that changed nothing rewrites the same bytes:

```json
{
  "about": "Golden results of baseline.yaml, recorded by `growthsim check --update`; ...",
  "scenario": "baseline",
  "seed": 1,
  "replications": 10,
  "horizon_days": 365,
  "versions": {"python": "3.11.7", "growthsim": "0.1.0", "numpy": "2.4.6", ...},
  "kpis": {
    "orders": {"mean": 65524.4, "ci_low": 64899.24, "ci_high": 66149.56, "se": 276.3555, "replications": 10},
    "ltv_cac": null
  }
}
```

`se` is the standard error of the mean (sample standard deviation / sqrt(n)); `null`, a
KPI undefined in every replication. The versions are those of the packages that decide
the numbers, so that a change of numbers can be told apart from a change of packages.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import platform
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulation.storage.loading import Problem, ScenarioError
from simulation.kernel.registry import registry
from simulation.storage.outputs import write_atomically
from simulation.experiments.replicate import Interval, Replications

# Not .yaml: the scenario library (and the app) take every YAML file in a folder for a scenario.
GOLDEN_SUFFIX = ".golden.json"
# The packages whose versions can change the numbers: the random streams and statistics
# (numpy, scipy), the reference model (simpy), validation and defaults (pydantic), the
# social graphs (igraph), and growthsim itself.
PACKAGES = ("growthsim", "numpy", "scipy", "simpy", "pydantic", "igraph")
DIGITS = 7


def golden_path(scenario_path: Path) -> Path:
    """`baseline.yaml` -> `baseline.golden.json`, beside it."""
    return scenario_path.with_name(scenario_path.stem + GOLDEN_SUFFIX)


def is_golden(path: Path) -> bool:
    return path.name.endswith(GOLDEN_SUFFIX)


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


@dataclass(frozen=True)
class KpiRecord:
    """A KPI over replications: its interval and the standard error of its mean (NaN when undefined)."""

    mean: float
    ci_low: float
    ci_high: float
    se: float
    replications: int

    @classmethod
    def of(cls, values: np.ndarray) -> "KpiRecord":
        interval = Interval.of(values)
        finite = np.asarray(values, dtype=float)
        finite = finite[np.isfinite(finite)]
        se = float(finite.std(ddof=1) / math.sqrt(finite.size)) if finite.size >= 2 else math.nan
        return cls(interval.mean, interval.ci_low, interval.ci_high, se, interval.replications)

    @property
    def defined(self) -> bool:
        return math.isfinite(self.mean)


@dataclass(frozen=True)
class Golden:
    scenario: str
    seed: int
    replications: int
    horizon_days: int
    versions: dict[str, str]
    kpis: dict[str, KpiRecord | None]     # None: undefined in every replication

    @classmethod
    def of(cls, result: Replications, versions: dict[str, str]) -> "Golden":
        kpis = {}
        for name in registry().kpi_names:
            record = KpiRecord.of(result.kpi_values(name))
            kpis[name] = record if record.defined else None
        scenario = result.scenario
        return cls(scenario.name, scenario.seed, len(result.runs), scenario.horizon_days, versions, kpis)


# --- the file ------------------------------------------------------------------------


def _number(x: float) -> str:
    return repr(float(f"{x:.{DIGITS}g}")) if math.isfinite(x) else "null"


def _flow(mapping: dict[str, str]) -> str:
    """A JSON object on one line, its values already JSON."""
    return "{" + ", ".join(f"{json.dumps(key)}: {value}" for key, value in mapping.items()) + "}"


def golden_text(golden: Golden, scenario_file: str) -> str:
    """JSON, laid out by hand: one KPI a line, so that a diff shows the KPIs that moved."""
    header = {
        "about": json.dumps(f"Golden results of {scenario_file}, recorded by `growthsim check --update`; do not edit. "
                            "`growthsim check` fails a KPI whose new 95 % interval does not overlap the one below."),
        "scenario": json.dumps(golden.scenario),
        "seed": str(golden.seed),
        "replications": str(golden.replications),
        "horizon_days": str(golden.horizon_days),
        "versions": _flow({name: json.dumps(version) for name, version in golden.versions.items()}),
    }
    kpis = []
    for name, record in golden.kpis.items():
        if record is None:
            kpis.append(f"    {json.dumps(name)}: null")
            continue
        fields = {"mean": _number(record.mean), "ci_low": _number(record.ci_low), "ci_high": _number(record.ci_high),
                  "se": _number(record.se), "replications": str(record.replications)}
        kpis.append(f"    {json.dumps(name)}: {_flow(fields)}")
    lines = [f"  {json.dumps(key)}: {value}," for key, value in header.items()]
    return "{\n" + "\n".join(lines) + '\n  "kpis": {\n' + ",\n".join(kpis) + "\n  }\n}\n"


def write_golden(path: Path, golden: Golden, scenario_file: str) -> bool:
    """Write the golden file; False when it already held exactly this (nothing to review)."""
    text = golden_text(golden, scenario_file)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    write_atomically(path, lambda handle: handle.write(text))
    return True


def read_golden(path: Path) -> Golden:
    """The golden of a file; a damaged file is bad input (exit 2), naming what is wrong."""
    def bad(message: str) -> ScenarioError:
        return ScenarioError([Problem(str(path), None, None, None,
                                      f"{message}; rerun `growthsim check --update` to record it again")])

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ScenarioError([Problem(str(path), None, error.lineno, error.colno,
                                     f"not JSON ({error.msg}); a merge conflict? rerun `growthsim check --update`")]) from None
    except (OSError, UnicodeDecodeError, RecursionError) as error:
        raise bad(f"cannot read golden file ({error.__class__.__name__})") from None
    try:
        kpis = {str(name): None if record is None else KpiRecord(
                    *(math.nan if record[key] is None else float(record[key])
                      for key in ("mean", "ci_low", "ci_high", "se")), int(record["replications"]))
                for name, record in data["kpis"].items()}
        return Golden(str(data["scenario"]), int(data["seed"]), int(data["replications"]),
                      int(data["horizon_days"]), {str(k): str(v) for k, v in data["versions"].items()}, kpis)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise bad(f"not a golden file ({error.__class__.__name__}: {error})") from None
