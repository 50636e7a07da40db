"""Scenario files as the app sees them: finding them, their last results, and writing
them back as a minimal `extends` diff that keeps the file's comments.

No Textual here: the library, the editor and the tests all use these functions.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from simulation.kernel.language import localized
from simulation.storage.history import History, Record
from simulation.storage.loading import ScenarioError, load_scenario, scenario_dict
from simulation.storage.outputs import write_atomically
from simulation.kernel.scenario import SCHEMA_VERSION, Scenario

SUFFIXES = (".yaml", ".yml")


@dataclass
class ScenarioEntry:
    path: Path
    name: str
    description: str = ""
    extends: str | None = None
    error: str | None = None
    horizon_days: int | None = None
    replications: int | None = None
    last_run: Record | None = None
    also_in: list[Path] = field(default_factory=list)   # other folders' copies of the same file, shown once
    same_as: str | None = None    # what makes two files the same: their bytes and the scenario they give

    @property
    def valid(self) -> bool:
        return self.error is None

    @property
    def paths(self) -> list[Path]:
        return [self.path, *self.also_in]


def find_scenarios(folders: list[Path]) -> list[ScenarioEntry]:
    """Every scenario file in the folders (and their subfolders), in name order."""
    seen: set[Path] = set()
    entries: list[ScenarioEntry] = []
    copies: dict[str, ScenarioEntry] = {}
    for folder in folders:
        folder = Path(folder)
        files = [folder] if folder.is_file() else sorted(p for p in folder.rglob("*") if p.suffix in SUFFIXES)
        for path in files:
            key = path.resolve()
            if key in seen or not path.is_file():
                continue
            seen.add(key)
            entry = read_entry(path)
            # The same file in two folders (a copy of the bundled scenarios, say) is one row,
            # which names every folder holding it.
            first = copies.setdefault(entry.same_as, entry) if entry.same_as else entry
            if first is entry:
                entries.append(entry)
            else:
                first.also_in.append(path)
    attach_last_runs(entries)
    return entries


def read_entry(path: Path) -> ScenarioEntry:
    extends = read_extends(path)
    try:
        scenario = load_scenario(path)
    except ScenarioError as error:
        return ScenarioEntry(path, path.stem, "", extends, str(error))
    same_as = hashlib.sha256(path.read_bytes() + b"\0" + scenario.model_dump_json().encode()).hexdigest()
    return ScenarioEntry(path, scenario.name, " ".join(localized(scenario.description).split()), extends,
                         horizon_days=scenario.horizon_days, replications=scenario.replications, same_as=same_as)


def read_extends(path: Path) -> str | None:
    try:
        doc = YAML(typ="rt").load(path.read_text(encoding="utf-8-sig"))
    except Exception:   # a file that does not parse is reported by load_scenario
        return None
    value = doc.get("extends") if isinstance(doc, dict) else None
    return value if isinstance(value, str) else None


def attach_last_runs(entries: list[ScenarioEntry], history: History | None = None) -> None:
    """The latest recorded run of each file (matched by its resolved path)."""
    by_path = {path.resolve(): entry for entry in entries for path in entry.paths}
    try:
        records = (history or History()).list(limit=1000)
    except Exception:    # an unreadable history never stops the library
        return
    for record in records:   # newest first
        if record.kind != "run" or not record.scenarios:
            continue
        try:
            path = Path(record.scenarios[0]["path"]).resolve()
        except (KeyError, TypeError, OSError):
            continue
        entry = by_path.get(path)
        if entry is not None and entry.last_run is None:
            entry.last_run = record


def children_of(path: Path, entries: list[ScenarioEntry]) -> list[ScenarioEntry]:
    """The scenarios that extend this file."""
    target = path.resolve()
    return [e for e in entries if e.extends and (e.path.parent / e.extends).resolve() == target]


# --- the values a file stands for ------------------------------------------------------


def raw_scenario(path: Path) -> Scenario:
    """The scenario of a file with file names (baseline) kept as written, relative to it.
    Raises ScenarioError with the problems of the file."""
    load_scenario(path)                      # the errors, with where they were written
    return Scenario.model_validate(scenario_dict(path))


def dump(scenario: Scenario) -> dict:
    return scenario.model_dump(mode="json")


def differences(new: Any, old: Any) -> dict:
    """The keys of `new` whose values differ from `old`'s, nested; lists compare whole."""
    out = {}
    for key, value in new.items():
        before = old.get(key) if isinstance(old, dict) else None
        if isinstance(value, dict) and isinstance(before, dict):
            inner = differences(value, before)
            if inner:
                out[key] = inner
        elif value != before or (isinstance(old, dict) and key not in old):
            out[key] = value
    return out


# --- writing --------------------------------------------------------------------------


class SaveError(Exception):
    """The file was not written (or was put back as it was)."""


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100
    return yaml


def _commented(value: Any) -> Any:
    if isinstance(value, dict):
        out = CommentedMap()
        for k, v in value.items():
            out[k] = _commented(v)
        return out
    if isinstance(value, list):
        return CommentedSeq([_commented(v) for v in value])
    return value


def _apply(doc: CommentedMap, diff: dict, prune: bool, top: bool = True) -> None:
    """Write `diff` into `doc`, keeping comments; with `prune`, drop keys not in `diff`."""
    for key, value in diff.items():
        if isinstance(value, dict) and isinstance(doc.get(key), CommentedMap):
            _apply(doc[key], value, prune, top=False)
        elif doc.get(key) != value or key not in doc:
            doc[key] = _commented(value)
    if prune:
        for key in list(doc):
            if top and key == "extends":
                continue
            if key not in diff:
                del doc[key]


def _text(doc: CommentedMap) -> str:
    out = io.StringIO()
    _yaml().dump(doc, out)
    return out.getvalue()


def save_in_place(path: Path, scenario: Scenario) -> str:
    """Write `scenario` back to `path`. A file that `extends` another keeps only what
    differs from it; a file that extends nothing gets its changed values. Comments stay.
    Returns the text written."""
    path = Path(path)
    doc = _yaml().load(path.read_text(encoding="utf-8-sig")) or CommentedMap()
    new = dump(scenario)
    parent = doc.get("extends")
    if isinstance(parent, str):
        parent_path = path.parent / parent
        _apply(doc, differences(new, dump(raw_scenario(parent_path))), prune=True)
    else:
        _apply(doc, differences(new, dump(raw_scenario(path))), prune=False)
    return _write_checked(path, _text(doc), scenario)


def save_as_child(parent: Path, target: Path, scenario: Scenario) -> str:
    """A new file `target` that `extends` `parent` and holds only what differs from it."""
    parent, target = Path(parent), Path(target)
    if target.exists():
        raise SaveError(f"{target} exists already")
    if target.resolve().parent != parent.resolve().parent:
        raise SaveError("a new scenario is saved beside the one it extends")
    doc = CommentedMap()
    doc["schema_version"] = SCHEMA_VERSION   # written for today's defaults: no version-1 notice
    doc["extends"] = parent.name
    doc.yaml_set_start_comment(f"Made in growthsim's editor from {parent.name}: only what differs from it.")
    _apply(doc, differences(dump(scenario), dump(raw_scenario(parent))), prune=False)
    return _write_checked(target, _text(doc), scenario)


def _write_checked(path: Path, text: str, scenario: Scenario) -> str:
    """Write, then read back: if the file does not give `scenario`, put the old one back."""
    old = path.read_bytes() if path.exists() else None
    write_atomically(path, lambda handle: handle.write(text))
    try:
        written = raw_scenario(path)
        problem = None if dump(written) == dump(scenario) else "the file read back differs from the form"
    except ScenarioError as error:
        problem = str(error)
    if problem:
        if old is None:
            path.unlink()
        else:
            write_atomically(path, lambda handle: handle.write(old.decode("utf-8")))
        raise SaveError(f"not saved: {problem}")
    return text


def free_name(folder: Path, stem: str) -> Path:
    """`stem.yaml` in `folder`, or `stem-2.yaml`, `stem-3.yaml`, ... whichever is free."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", stem).strip("._") or "scenario"
    candidate, n = Path(folder) / f"{stem}.yaml", 2
    while candidate.exists():
        candidate, n = Path(folder) / f"{stem}-{n}.yaml", n + 1
    return candidate


def duplicate(path: Path) -> Path:
    """A copy beside the original, comments and `extends` kept, with its own name."""
    path = Path(path)
    target = free_name(path.parent, f"{path.stem}-copy")
    doc = _yaml().load(path.read_text(encoding="utf-8-sig")) or CommentedMap()
    if isinstance(doc, CommentedMap):
        doc["name"] = target.stem
        text = _text(doc)
    else:
        text = path.read_text(encoding="utf-8-sig")
    write_atomically(target, lambda handle: handle.write(text))
    return target


def delete(path: Path) -> None:
    os.unlink(path)
