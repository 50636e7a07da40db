"""A history made before `optimize` was a kind of record takes optimisations after it is
opened: its table is made again (SQLite cannot alter a CHECK), its records and ids kept."""

from __future__ import annotations

import json
import sqlite3

import pytest

from simulation.storage.history import History

# The records table as growthsim made it before optimisations were recorded, word for word.
OLD_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL CHECK (kind IN ('run', 'compare', 'sweep', 'check')),
    created      TEXT NOT NULL,
    name         TEXT NOT NULL,
    scenarios    TEXT NOT NULL,   -- JSON: [{"path": ..., "yaml": resolved scenario}]
    seed         INTEGER,
    replications INTEGER,
    versions     TEXT NOT NULL,   -- JSON: package -> version
    results      TEXT NOT NULL,   -- JSON: KPIs (run), rows (compare, sweep), verdicts (check)
    out_dir      TEXT
);
"""


def old_database(path):
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.executescript(OLD_SCHEMA)
    with connection:
        for index, kind in enumerate(("run", "compare", "sweep", "check"), start=1):
            connection.execute(
                "INSERT INTO records (kind, created, name, scenarios, seed, replications, versions, results, out_dir)"
                " VALUES (?, '2026-01-01T00:00:00+00:00', ?, '[]', ?, 3, '{}', ?, NULL)",
                (kind, f"old {kind}", index, json.dumps({"kpis": {}})))
        connection.execute("DELETE FROM records WHERE id = 4")   # the sequence stays at 4
    with pytest.raises(sqlite3.IntegrityError):   # what the old table refuses
        with connection:
            connection.execute("INSERT INTO records (kind, created, name, scenarios, versions, results)"
                               " VALUES ('optimize', 'x', 'x', '[]', '{}', '{}')")
    connection.close()


def test_an_old_history_is_migrated_and_keeps_its_records(tmp_path):
    path = tmp_path / "history.sqlite"
    old_database(path)
    history = History(path)
    before = [(r.id, r.kind, r.name, r.seed) for r in history.list()]
    assert before == [(3, "sweep", "old sweep", 3), (2, "compare", "old compare", 2), (1, "run", "old run", 1)]
    new = history.record("optimize", "desk", [], {"best": {"levers": {"a": 1}}}, seed=7, out_dir="opt")
    assert new == 5   # after the deleted record 4: ids are never given twice
    assert [r.kind for r in history.list()] == ["optimize", "sweep", "compare", "run"]
    assert history.get(5).results == {"best": {"levers": {"a": 1}}}
    sql = sqlite3.connect(path).execute("SELECT sql FROM sqlite_master WHERE name = 'records'").fetchone()[0]
    assert "'optimize'" in sql and "records_migrating" not in sql


def test_a_migrated_history_still_refuses_unknown_kinds(tmp_path):
    path = tmp_path / "history.sqlite"
    old_database(path)
    with pytest.raises(sqlite3.IntegrityError):
        History(path).record("nonsense", "x", [], {})


def test_migration_is_done_once(tmp_path):
    path = tmp_path / "history.sqlite"
    old_database(path)
    History(path).list()
    History(path).record("optimize", "a", [], {})
    History(path).record("optimize", "b", [], {})
    assert [r.name for r in History(path).list()] == ["b", "a", "old sweep", "old compare", "old run"]
    tables = sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    assert sorted(t[0] for t in tables) == ["records", "sqlite_sequence"]
