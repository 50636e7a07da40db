"""Run history: every run, compare, sweep, check and optimisation, in an embedded SQLite database.

A record is written whole, in one transaction, after its work has finished, so a run
that crashes or is interrupted leaves no half-recorded row. The database lives in
the platform's user data folder (platformdirs: ~/.local/share/growthsim on Linux,
~/Library/Application Support/growthsim on macOS, %LOCALAPPDATA%\\growthsim on
Windows); set GROWTHSIM_HISTORY to a file path to put it elsewhere.
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Iterator

import platformdirs

from simulation.storage.outputs import jsonable


KINDS = ("run", "compare", "sweep", "check", "optimize")
TABLE = """
CREATE TABLE IF NOT EXISTS {table} (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL CHECK (kind IN ({kinds})),
    created      TEXT NOT NULL,
    name         TEXT NOT NULL,
    scenarios    TEXT NOT NULL,   -- JSON: [{{"path": ..., "yaml": resolved scenario}}]
    seed         INTEGER,
    replications INTEGER,
    versions     TEXT NOT NULL,   -- JSON: package -> version
    results      TEXT NOT NULL,   -- JSON: KPIs (run), rows (compare, sweep), verdicts (check), best (optimize)
    out_dir      TEXT
);
"""
SCHEMA = TABLE.format(table="records", kinds=", ".join(f"'{kind}'" for kind in KINDS))
PACKAGES = ("growthsim", "numpy", "scipy", "simpy", "pydantic")


def database_path() -> Path:
    override = os.environ.get("GROWTHSIM_HISTORY")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir("growthsim", appauthor=False)) / "history.sqlite"


def versions() -> dict[str, str]:
    import platform
    found = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "unknown"
    return found


@dataclass
class Record:
    id: int
    kind: str
    created: str
    name: str
    scenarios: list[dict]
    seed: int | None
    replications: int | None
    versions: dict[str, str]
    results: dict
    out_dir: str | None


_LARGEST = 2**63 - 1   # SQLite's largest integer


def _stored_seed(seed: int | None) -> int | bytes | None:
    """A seed as the database keeps it. Any whole number >= 0 is a seed (numpy's
    SeedSequence takes them all); SQLite's INTEGER holds 64 bits and turns a larger number
    into an approximate REAL, so one that does not fit is kept exactly as its digits, in a
    BLOB, which SQLite stores as it is."""
    if seed is None or -_LARGEST - 1 <= seed <= _LARGEST:
        return seed
    return str(seed).encode("ascii")


def _read_seed(stored: int | bytes | None) -> int | None:
    return int(stored.decode("ascii")) if isinstance(stored, bytes) else stored


def _stored_path(path: str | None) -> str | bytes | None:
    """A folder's name as the database keeps it: text, or, for a name whose bytes are not
    UTF-8 (Python holds those as surrogate escapes, which SQLite's text cannot take), the
    file system's bytes in a BLOB, so that the name comes back exactly."""
    if path is None:
        return None
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(path)
    return path


def _read_path(stored: str | bytes | None) -> str | None:
    return os.fsdecode(stored) if isinstance(stored, bytes) else stored


LOCK_WAIT_SECONDS = 10   # another growthsim writing a record takes milliseconds; longer is a stuck lock


class HistoryError(Exception):
    """The history database cannot be read or written: corrupt, locked, read-only, a full disk."""

    def __init__(self, path: Path, reason: object) -> None:
        self.path = path
        super().__init__(f"the history {path} cannot be used ({reason}); `growthsim history --repair` sets a broken "
                         "one aside and starts a new one, or GROWTHSIM_HISTORY=FILE uses another file")


def _kinds_allowed(connection: sqlite3.Connection) -> bool:
    """The records table's CHECK names every kind of KINDS (a database made by an older growthsim does not)."""
    sql = connection.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'records'").fetchone()[0]
    return all(f"'{kind}'" in sql for kind in KINDS)


def _migrate(connection: sqlite3.Connection) -> None:
    """Bring an older database's records table to SCHEMA. SQLite cannot alter a CHECK
    constraint, so the table is made again and its rows copied, ids kept, in one
    transaction: another growthsim sees the old table or the new one, never neither."""
    if _kinds_allowed(connection):
        return
    connection.commit()
    saved, connection.isolation_level = connection.isolation_level, None   # BEGIN and COMMIT are ours
    try:
        connection.execute("BEGIN IMMEDIATE")   # the write lock: two growthsims never migrate at once
        try:
            if not _kinds_allowed(connection):   # another one may have migrated while we waited
                sequence = connection.execute("SELECT seq FROM sqlite_sequence WHERE name = 'records'").fetchone()
                connection.execute("DROP TABLE IF EXISTS records_migrating")
                connection.execute(TABLE.format(table="records_migrating",
                                                kinds=", ".join(f"'{kind}'" for kind in KINDS)))
                connection.execute("INSERT INTO records_migrating SELECT id, kind, created, name, scenarios, seed, "
                                   "replications, versions, results, out_dir FROM records")
                connection.execute("DROP TABLE records")
                connection.execute("ALTER TABLE records_migrating RENAME TO records")
                if sequence is not None:   # ids of deleted records are not given again
                    connection.execute("UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = 'records'",
                                       (sequence[0],))
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    finally:
        connection.isolation_level = saved


class History:
    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else database_path()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=LOCK_WAIT_SECONDS)
        try:
            connection.execute("PRAGMA journal_mode=WAL")   # readers never see a half-written record
            connection.executescript(SCHEMA)
            _migrate(connection)
        except BaseException:
            connection.close()
            raise
        return connection

    @contextmanager
    def _open(self) -> Iterator[sqlite3.Connection]:
        """A connection, its failures (SQLite's, the file system's) as HistoryError."""
        try:
            connection = self._connect()
        except (sqlite3.Error, OSError) as error:
            raise HistoryError(self.path, error) from None
        try:
            yield connection
        except (sqlite3.IntegrityError, sqlite3.ProgrammingError):
            raise   # a record growthsim should not have asked for: a bug, not the file
        except (sqlite3.Error, OSError) as error:
            raise HistoryError(self.path, error) from None
        finally:
            connection.close()

    def repair(self) -> Path | None:
        """A database that fails SQLite's integrity check, or cannot be opened, is renamed
        aside (returned) and a new one started; a sound one is left as it is (None)."""
        if not self.path.exists():
            return None
        try:
            with self._open() as connection:
                if connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok":
                    return None
        except HistoryError:
            pass
        aside = self.path.with_name(f"{self.path.name}.broken-{datetime.now().strftime('%Y%m%d-%H%M%S')}")
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{self.path}{suffix}").exists():
                os.replace(f"{self.path}{suffix}", f"{aside}{suffix}")
        with self._open():
            pass
        return aside

    def record(self, kind: str, name: str, scenarios: list[dict], results: dict, *, seed: int | None = None,
               replications: int | None = None, out_dir: str | None = None) -> int:
        """Write one finished piece of work in a single transaction; returns its id."""
        row = (kind, datetime.now(timezone.utc).isoformat(timespec="seconds"), name, json.dumps(scenarios),
               _stored_seed(seed), replications, json.dumps(versions()), json.dumps(jsonable(results)),
               _stored_path(out_dir))
        with self._open() as connection, connection:   # commits, or rolls back on any error
            cursor = connection.execute(
                "INSERT INTO records (kind, created, name, scenarios, seed, replications, versions, results, out_dir)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
        return int(cursor.lastrowid)

    def list(self, limit: int = 50) -> list[Record]:
        # SQLite's integers have 64 bits; a larger limit means every record, as the largest one does.
        return self._select("ORDER BY id DESC LIMIT ?", (min(limit, _LARGEST),))

    def get(self, record_id: int) -> Record | None:
        if not -_LARGEST <= record_id <= _LARGEST:   # no id beyond SQLite's 64 bits exists
            return None
        found = self._select("WHERE id = ?", (record_id,))
        return found[0] if found else None

    def _select(self, clause: str, parameters: tuple) -> list[Record]:
        if not self.path.exists():
            return []
        with self._open() as connection:
            rows = connection.execute(
                "SELECT id, kind, created, name, scenarios, seed, replications, versions, results, out_dir"
                f" FROM records {clause}", parameters).fetchall()
        return [Record(r[0], r[1], r[2], r[3], json.loads(r[4]), _read_seed(r[5]), r[6], json.loads(r[7]), json.loads(r[8]), _read_path(r[9]))
                for r in rows]
