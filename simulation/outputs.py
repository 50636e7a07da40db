"""The files of `growthsim run --out DIR` (DESIGN.md §7), each written atomically:
to a temporary file beside it, then renamed, so a reader never sees half a file."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np

from simulation.metrics import DAILY_COLUMNS
from simulation.replicate import Replications


def write_atomically(path: Path, text_writer) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            text_writer(handle)
        os.chmod(temporary, 0o666 & ~_umask())   # mkstemp makes it private; give it a normal file's mode
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _format(values: np.ndarray) -> list[str]:
    if values.dtype.kind in "iub":
        return values.astype(np.int64).astype(str).tolist()
    if values.dtype.kind == "f":
        return [repr(float(v)) if math.isfinite(v) else "" for v in values.tolist()]
    return [str(v) for v in values.tolist()]


def write_csv(path: Path, tables: list[dict[str, np.ndarray]]) -> None:
    """Rows of several tables with the same columns, one after another."""
    def write(handle) -> None:
        header = list(tables[0]) if tables else []
        handle.write(",".join(header) + "\n")
        for table in tables:
            columns = [_format(np.asarray(table[name])) for name in header]
            handle.writelines(",".join(row) + "\n" for row in zip(*columns))
    write_atomically(path, write)


def summary(result: Replications) -> dict:
    def number(x: float) -> float | None:
        return x if math.isfinite(x) else None     # JSON has no NaN
    return {
        "scenario": result.scenario.name,
        "replications": len(result.runs),
        "seed": result.scenario.seed,
        "horizon_days": result.scenario.horizon_days,
        "kpis": {name: {"mean": number(i.mean), "ci_low": number(i.ci_low), "ci_high": number(i.ci_high)}
                 for name, i in result.kpis().items()},
    }


def with_replication(replication: int, table: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    size = len(next(iter(table.values()))) if table else 0
    return {"replication": np.full(size, replication), **table}


def write_run(result: Replications, out: Path, *, scenario_yaml: str | None = None) -> list[Path]:
    """Write every output file of a run into `out`; returns the paths written."""
    out = Path(out)
    written = []

    def emit(name: str, writer) -> None:
        written.append(out / name)
        writer(out / name)

    emit("summary.json", lambda p: write_atomically(p, lambda h: h.write(json.dumps(summary(result), indent=2) + "\n")))
    emit("timeseries.csv", lambda p: write_csv(p, [
        with_replication(run.replication, {"day": np.arange(len(run.daily["orders"])),
                                           **{c: _typed(c, run.daily[c]) for c in DAILY_COLUMNS}})
        for run in result.runs]))
    emit("cohorts.csv", lambda p: write_csv(p, [with_replication(r.replication, r.cohorts) for r in result.runs]))
    emit("growth_accounting.csv", lambda p: write_csv(p, [with_replication(r.replication, r.growth) for r in result.runs]))
    if any(run.policy_log for run in result.runs):
        emit("policy_log.csv", lambda p: write_csv(p, [
            {"replication": np.full(len(r.policy_log), r.replication),
             **{k: np.array([entry[k] for entry in r.policy_log], dtype=object) for k in r.policy_log[0]}}
            for r in result.runs if r.policy_log]))
    if scenario_yaml is not None:
        emit("scenario.yaml", lambda p: write_atomically(p, lambda h: h.write(scenario_yaml)))
    if result.runs and result.runs[0].transactions is not None:
        emit("transactions.csv", lambda p: write_csv(p, [
            {"replication": np.full(len(r.transactions["shopper"]), r.replication),
             "shopper_id": r.transactions["shopper"], "day": r.transactions["time"], "value": r.transactions["value"]}
            for r in result.runs]))
        emit("shoppers.csv", lambda p: write_csv(p, [with_replication(r.replication, r.shoppers) for r in result.runs]))
    return written


_FLOAT_COLUMNS = {"gmv", "revenue", "service_wait_mean_min", "service_wait_p90_min", "on_time_rate",
                  "delivery_days_mean", "nps", "satisfaction_mean"}


def _typed(name: str, values: np.ndarray) -> np.ndarray:
    """Counts are kept as float arrays in memory; write them as integers."""
    return values if name in _FLOAT_COLUMNS else values.astype(np.int64)
