"""The files of `growthsim run --out DIR` (docs/metrics.md), written so that a run killed
at any moment leaves either the previous files or the new ones, never a mix, never a
torn file (docs/reliability.md):

- each file is written to a temporary file beside it, flushed to disk, then renamed
  over the old one (`write_atomically`): a reader never sees half a file;
- a run's folder is written whole into a new hidden sibling folder and then put in the
  old one's place in one step (`replacing_folder`): on Linux the two are exchanged with
  renameat2(RENAME_EXCHANGE); elsewhere the old folder is renamed aside first, and if the
  process dies between the two renames the next write to that folder renames it back.

A folder is only ever replaced if it holds nothing but what growthsim writes there;
`check_output_folder` refuses any other before a run starts.
"""

from __future__ import annotations

import csv
import ctypes
import errno
import json
import math
import os
import re
import shutil
import stat
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import numpy as np

if TYPE_CHECKING:   # written duck-typed: storage sits below the experiments
    from simulation.experiments.replicate import Replications



# What growthsim writes into an output folder (run, compare and report); anything else
# in a folder means it is not ours to replace.
OUTPUT_FILES = frozenset({"summary.json", "timeseries.csv", "cohorts.csv", "growth_accounting.csv", "policy_log.csv",
                          "scenario.yaml", "transactions.csv", "shoppers.csv", "report.html",
                          "compare.json", "compare.csv",
                          "calibration.json", "customers.parquet", "scores.csv"})
_RUN_FOLDER = re.compile(r"\d+-.+")      # compare's DIR/0-NAME/
_OUR_TEMPORARY = re.compile(r"\..+\.(growthsim-(new|old)-.+|[a-z0-9_]{8})")
CSV_ROWS_AT_ONCE = 65_536


class OutputError(Exception):
    """An output folder growthsim will not write into (found before anything runs)."""


class WriteError(Exception):
    """Writing the outputs failed (disk full, permissions); what was there is unchanged."""


def write_atomically(path: Path, text_writer) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            text_writer(handle)
            handle.flush()
            os.fsync(handle.fileno())   # the data is on disk before the name points at it
        os.chmod(temporary, 0o666 & ~_umask())   # mkstemp makes it private; give it a normal file's mode
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def check_named_file(path: Path, *, option: str, ours: str, force: bool = False) -> bool:
    """Whether a file the user named (--junit FILE, report --out FILE) may be written, asked
    before the work: a device or a FIFO (/dev/stdout, a pipe) is written into, never replaced
    (returns True: a stream); a folder is refused; an existing file is replaced only if
    growthsim wrote it (`ours` in its first KiB) or with `force` (OutputError otherwise)."""
    try:
        mode = Path(path).stat().st_mode
    except FileNotFoundError:
        return False
    except OSError as error:
        raise OutputError(f"{option} {path}: {error.strerror or error}") from None
    if stat.S_ISDIR(mode):
        raise OutputError(f"{option} {path}: is a folder; give a file name")
    if not stat.S_ISREG(mode) or Path(path).absolute().parts[1:2] == ("dev",):
        return True   # /dev/stdout is the file the shell redirected to, or a terminal: write into it
    if not force and not _written_by_us(Path(path), ours):
        raise OutputError(f"{option} {path}: exists and growthsim did not write it; give another name, or --force "
                          "to replace it")
    return False


def jsonable(value):
    """`value` as strict JSON takes it: NaN and infinity become null (an undefined figure),
    numpy scalars plain numbers; through dicts, lists and tuples."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def read_json_object(path: Path, damaged) -> dict:
    """A JSON object from a file growthsim wrote; unreadable, cut short, edited into
    something else: `damaged(reason)` is raised (the caller's error, naming its remedy)."""
    try:
        found = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise damaged(str(error)) from None
    if not isinstance(found, dict):
        raise damaged("not a JSON object")
    return found


def write_named_file(path: Path, text: str, *, option: str, ours: str, force: bool = False) -> None:
    """Write `text` to a file the user named, as check_named_file allows: into a stream, or a
    regular file replaced in one step."""
    try:
        if check_named_file(path, option=option, ours=ours, force=force):
            with open(path, "w", encoding="utf-8") as stream:
                stream.write(text)
        else:
            write_atomically(Path(path), lambda handle: handle.write(text))
    except OSError as error:
        raise WriteError(f"could not write {path}: {error.strerror or error}") from None


def _written_by_us(path: Path, marker: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return marker.encode() in handle.read(1024)
    except OSError:
        return False


# --- whole folders ---------------------------------------------------------------------


def check_output_folder(out: Path) -> None:
    """Refuse, before a run, a folder growthsim could not or should not replace."""
    out = Path(os.path.abspath(out))
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out}: exists and is not a folder")
    if out == Path(os.getcwd()) or out in Path(os.getcwd()).parents or out.parent == out:
        raise OutputError(f"--out {out}: is the current folder or holds it; give a folder of its own, e.g. out/run1")
    if out.is_dir():
        foreign = _not_ours(out)
        if foreign:
            shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
            raise OutputError(f"--out {out}: holds files growthsim did not write ({shown}); a run replaces the "
                              "whole folder, so give a new or empty one")
    ancestor = out
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir() or not os.access(ancestor, os.W_OK | os.X_OK) or (
            out.exists() and not os.access(out.parent, os.W_OK | os.X_OK)):
        raise OutputError(f"--out {out}: cannot write in {ancestor if not out.exists() else out.parent}")


def _not_ours(folder: Path) -> list[str]:
    foreign = []
    for entry in sorted(folder.iterdir()):
        if entry.is_dir() and not entry.is_symlink():
            ok = _RUN_FOLDER.fullmatch(entry.name) and not _not_ours(entry) or _OUR_TEMPORARY.fullmatch(entry.name)
        else:
            ok = entry.name in OUTPUT_FILES or _OUR_TEMPORARY.fullmatch(entry.name)
        if not ok:
            foreign.append(entry.name + ("/" if entry.is_dir() else ""))
    return foreign


@contextmanager
def replacing_folder(out: Path) -> Iterator[Path]:
    """Yields a new, empty folder beside `out`; when the block ends, that folder takes
    `out`'s place in one step. If the block fails, `out` is as it was."""
    out = Path(os.path.abspath(out))
    check_output_folder(out)
    existed = out.exists()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        _recover(out)
        new = Path(tempfile.mkdtemp(prefix=f".{out.name}.growthsim-new-", dir=out.parent))
    except OSError as error:
        raise WriteError(f"could not write {out}: {error.strerror or error}") from None
    try:
        yield new
        os.chmod(new, 0o777 & ~_umask())
        _fsync(new)
        _swap_in(new, out)
    except OSError as error:
        shutil.rmtree(new, ignore_errors=True)
        unchanged = "the files that were there are unchanged" if existed else "nothing was written"
        raise WriteError(f"could not write {out}: {error.strerror or error}; {unchanged}") from None
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise


def _swap_in(new: Path, out: Path) -> None:
    if not out.exists():
        os.rename(new, out)
    elif _exchange(new, out):
        shutil.rmtree(new, ignore_errors=True)   # it holds the old files now
    else:
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.growthsim-old-", dir=out.parent))
        os.rename(out, old / "folder")
        os.rename(new, out)   # a kill right before this leaves .NAME.growthsim-old-*/folder: see _recover
        shutil.rmtree(old, ignore_errors=True)
    _fsync(out.parent)


def _recover(out: Path) -> None:
    """Undo what a killed replacement left: put a folder renamed aside back if `out` is
    missing; remove what is left of finished replacements (and, after an hour, of
    unfinished ones: a run killed while writing)."""
    leftovers = sorted(out.parent.glob(f".{glob_escape(out.name)}.growthsim-*"), key=lambda p: p.stat().st_mtime)
    for path in leftovers:
        aside = path / "folder"
        if "-old-" in path.name and aside.is_dir() and not out.exists():
            os.rename(aside, out)
        if "-old-" in path.name or time.time() - path.stat().st_mtime > 3600:
            shutil.rmtree(path, ignore_errors=True)


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


_RENAME_EXCHANGE, _AT_FDCWD = 2, -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):   # not glibc 2.28+ (or musl 1.2.4+)
        return False
    renameat2.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):   # a file system without it
        return False
    raise OSError(code, os.strerror(code), str(b))


def _fsync(folder: Path) -> None:
    """The folder's entries on disk (a no-op where folders cannot be opened, as on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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
    """Rows of several tables with the same columns, one after another; formatted a
    block of rows at a time, so writing takes little memory beside the tables."""
    def write(handle) -> None:
        header = list(tables[0]) if tables else []
        handle.write(",".join(header) + "\n")
        for table in tables:
            arrays = [np.asarray(table[name]) for name in header]
            rows = len(arrays[0]) if arrays else 0
            for start in range(0, rows, CSV_ROWS_AT_ONCE):
                columns = [_format(values[start: start + CSV_ROWS_AT_ONCE]) for values in arrays]
                handle.writelines(",".join(row) + "\n" for row in zip(*columns))
    write_atomically(path, write)


def write_rows(path: Path, rows: list[dict]) -> None:
    """Rows of dictionaries (compare.csv, sweep.csv) as CSV with the first row's keys as
    the header, quoted where a value needs it; None is an empty field."""
    def write(handle) -> None:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else [], lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
    write_atomically(path, write)


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file growthsim wrote (run, compare and sweep files), as
    dictionaries by the header's names, values as written. The one reader of these
    files for the report, the app and the tests. ValueError, naming the file and line,
    for a row with more or fewer fields than the header."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        rows = []
        for row in reader:
            if len(row) != len(header):
                raise ValueError(f"{path}:{reader.line_num}: {len(row)} fields where the header has {len(header)}")
            rows.append(dict(zip(header, row)))
    return rows


def summary(result: "Replications") -> dict:
    def number(x: float) -> float | None:
        return x if math.isfinite(x) else None     # JSON has no NaN
    return {
        "scenario": result.scenario.name,
        "replications": len(result.runs),
        "seed": result.scenario.seed,
        "horizon_days": result.scenario.horizon_days,
        "currency": result.scenario.currency,     # every money KPI's; the numbers stay plain
        "kpis": {name: {"mean": number(i.mean), "ci_low": number(i.ci_low), "ci_high": number(i.ci_high)}
                 for name, i in result.kpis().items()},
    }


def with_replication(replication: int, table: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    size = len(next(iter(table.values()))) if table else 0
    return {"replication": np.full(size, replication), **table}


def write_run(result: "Replications", out: Path, *, scenario_yaml: str | None = None) -> list[Path]:
    """Write every output file of a run, replacing the folder `out` whole (see above);
    returns the paths written."""
    with replacing_folder(out) as folder:
        names = _write_run_files(result, folder, scenario_yaml)
    return [Path(out) / name for name in names]


def _write_run_files(result: "Replications", out: Path, scenario_yaml: str | None) -> list[str]:
    written = []

    def emit(name: str, writer) -> None:
        written.append(name)
        writer(out / name)

    emit("summary.json", lambda p: write_atomically(p, lambda h: h.write(json.dumps(summary(result), indent=2) + "\n")))
    emit("timeseries.csv", lambda p: write_csv(p, [
        with_replication(run.replication, {"day": np.arange(len(run.daily["orders"])),
                                           **{c: _typed(values) for c, values in run.daily.items()}})
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


def _typed(values: np.ndarray) -> np.ndarray:
    """Counts are kept as float arrays in memory: a column whose every value is a whole
    number is written as integers; money (costs in fen) and rates keep their fractions."""
    whole = np.all(np.isfinite(values) & (values == np.round(values)))
    return values.astype(np.int64) if whole else values
