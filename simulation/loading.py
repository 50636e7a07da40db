"""Loading scenario files: YAML, `extends`, `--set` overrides, and errors that say where.

A scenario file is a YAML mapping of `Scenario` keys. `extends: other.yaml` (relative
to the extending file) starts from another file: mappings merge key by key, the
extending file wins, anything else (lists included) it replaces whole. `--set
KEY=VALUE` overrides come last. Every key remembers the file, line and column it
was written at, so that a bad value is reported where it was written, even when it
was inherited. All problems are reported together as one `ScenarioError`.
"""

from __future__ import annotations

import difflib
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scalarbool import ScalarBoolean

from simulation.scenario import Scenario

KeyPath = tuple  # a key's path from the top, e.g. ("behavior", "dropout", "a")


@dataclass(frozen=True)
class Origin:
    """Where a key was written: a file (as given) and a 1-based line and column, or `--set`."""

    file: str
    line: int | None = None
    column: int | None = None


SET = Origin("--set")


@dataclass(frozen=True)
class Problem:
    file: str
    key: str | None
    line: int | None
    column: int | None
    message: str

    @classmethod
    def at(cls, origin: Origin, key: str | None, message: str) -> Problem:
        return cls(origin.file, key, origin.line, origin.column, message)

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}:{self.column}"
        return ": ".join(part for part in (where, self.key, self.message) if part)


class ScenarioError(Exception):
    """Everything wrong with a scenario, one `Problem` per line of `str(error)`."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(map(str, self.problems)))


def load_scenario(path: str | os.PathLike, overrides: Iterable[str] = ()) -> Scenario:
    """The validated scenario of a file (with what it extends) and `--set` overrides."""
    data, origins = _resolve(path, overrides)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(_problems(error, origins)) from None
    if scenario.baseline is not None:
        scenario.baseline = _relative_to_origin(scenario.baseline, origins.get(("baseline",)), "baseline")
    return scenario


def _relative_to_origin(name: str, origin: Origin | None, key: str) -> str:
    """A file named in a scenario is relative to the file that names it (or to the
    working folder, for --set)."""
    folder = Path(origin.file).parent if origin is not None and origin is not SET else Path(".")
    path = os.path.normpath(folder / name)
    if not Path(path).is_file():
        raise ScenarioError([Problem.at(origin or SET, key, f"file not found: {path}")])
    return path


def scenario_dict(path: str | os.PathLike, overrides: Iterable[str] = ()) -> dict:
    """The merged and overridden plain data of a scenario, before validation."""
    return _resolve(path, overrides)[0]


def resolved_yaml(scenario: Scenario) -> str:
    """A scenario as a complete YAML file, every default written out."""
    out = io.StringIO()
    YAML().dump(scenario.model_dump(mode="json"), out)
    return out.getvalue()


# --- reading files ---------------------------------------------------------------


def _resolve(path: str | os.PathLike, overrides: Iterable[str]) -> tuple[dict, dict[KeyPath, Origin]]:
    data, origins = _load_chain(Path(path), str(path), [])
    _apply_overrides(data, origins, overrides)
    # Drop origins of keys that a later file or --set replaced with something else,
    # so that an error's longest known prefix is always the value actually validated.
    return data, {key: origin for key, origin in origins.items() if _exists(data, key)}


def _load_chain(path: Path, shown: str, chain: list[tuple[Path, str]]) -> tuple[dict, dict[KeyPath, Origin]]:
    """A file merged over what it `extends`, and the origin of every key."""
    data, origins = _load_file(path, shown)
    if "extends" not in data:
        return data, origins
    parent = data.pop("extends")
    at = origins.pop(("extends",))
    if not isinstance(parent, str):
        raise ScenarioError([Problem.at(at, "extends", f"should be a file name, got {_show(parent)}")])
    parent_path = path.parent / parent
    parent_shown = os.path.normpath(Path(shown).parent / parent)
    chain = chain + [(path.resolve(), shown)]
    if any(parent_path.resolve() == seen for seen, _ in chain):
        names = " -> ".join([name for _, name in chain] + [parent_shown])
        raise ScenarioError([Problem.at(at, "extends", f"cycle: {names}")])
    if not parent_path.exists():
        raise ScenarioError([Problem.at(at, "extends", f"file not found: {parent_shown}")])
    base, base_origins = _load_chain(parent_path, parent_shown, chain)
    return _merge(base, data), base_origins | origins


def _load_file(path: Path, shown: str) -> tuple[dict, dict[KeyPath, Origin]]:
    def fail(message: str, line: int | None = None, column: int | None = None) -> ScenarioError:
        return ScenarioError([Problem(shown, None, line, column, message)])

    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:  # not found, a directory, no permission
        raise fail(f"cannot read file: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise fail(f"not UTF-8 text (byte {error.start} is invalid); is it a binary file?") from None
    if "\0" in text:
        raise fail("contains NUL bytes; is it a binary file?")
    try:
        doc = YAML(typ="rt").load(text)  # round-trip nodes keep each key's line and column
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        context = f" ({error.context})" if error.context else ""
        raise fail(f"YAML syntax error: {error.problem}{context}", mark.line + 1, mark.column + 1) from None
    except ReaderError as error:  # a control character: ruamel gives an offset, not a line
        line = text.count("\n", 0, error.position) + 1
        column = error.position - text.rfind("\n", 0, error.position)
        raise fail(f"YAML syntax error: character U+{error.character:04X}: {error.reason}", line, column) from None
    if doc is None:  # empty or only comments: all defaults
        doc = CommentedMap()
    if not isinstance(doc, CommentedMap):
        kind = "list" if isinstance(doc, CommentedSeq) else f"single value {_show(doc)}"
        raise fail(f"the top level should be a mapping of keys, got a {kind}")
    origins = {(): Origin(shown)}
    return _plain(doc, shown, (), origins), origins


def _plain(node: Any, file: str, path: KeyPath, origins: dict[KeyPath, Origin]) -> Any:
    """ruamel's nodes as builtin dicts, lists and scalars, recording where each key and item is."""
    if isinstance(node, (CommentedMap, CommentedSeq)):
        keys = node.keys() if isinstance(node, CommentedMap) else range(len(node))
        for key in keys:
            # Keys merged in with `<<: *anchor` have no position of their own: use the mapping's.
            line, column = (node.lc.data or {}).get(key, (node.lc.line, node.lc.col))[:2]
            origins[path + (key,)] = Origin(file, line + 1, column + 1)
        if isinstance(node, CommentedSeq):
            return [_plain(item, file, path + (i,), origins) for i, item in enumerate(node)]
        return {key: _plain(value, file, path + (key,), origins) for key, value in node.items()}
    if isinstance(node, ScalarBoolean):  # an int subclass: test it before int
        return bool(node)
    for kind in (bool, int, float, str):  # ScalarFloat, HexInt, LiteralScalarString, ...
        if isinstance(node, kind):
            return kind(node)
    return node


def _merge(base: dict, child: dict) -> dict:
    """Mappings merge key by key; for anything else, lists included, the child wins whole."""
    merged = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _exists(data: Any, path: KeyPath) -> bool:
    for key in path:
        if isinstance(data, dict) and key in data:
            data = data[key]
        elif isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data):
            data = data[key]
        else:
            return False
    return True


# --- --set overrides ---------------------------------------------------------------


def _apply_overrides(data: dict, origins: dict[KeyPath, Origin], overrides: Iterable[str]) -> None:
    """Set each dotted KEY to VALUE; unknown keys are left for validation to report, like a file's."""
    problems = []
    for text in overrides:
        key, equals, value = text.partition("=")
        path = tuple(key.strip().split("."))
        if not equals or not all(path):
            problems.append(Problem.at(SET, None, f"expected KEY=VALUE with a dotted KEY, got {text!r}"))
            continue
        target = data
        for depth, part in enumerate(path[:-1], start=1):
            if not isinstance(target.get(part), dict):  # a new section, or one written as a value
                target[part] = {}
                origins[path[:depth]] = SET
            target = target[part]
        target[path[-1]] = _scalar(value)
        origins[path] = SET
    if problems:
        raise ScenarioError(problems)


def _scalar(text: str) -> Any:
    """A --set value read as YAML reads a scalar: 4 int, 0.5 float, null None, true bool.
    Text that YAML would read as a list or mapping, or not at all, stays the string typed."""
    try:
        value = YAML(typ="safe", pure=True).load(text)
    except YAMLError:
        return text
    return text if isinstance(value, (dict, list)) else value


# --- validation errors -------------------------------------------------------------


def _problems(error: ValidationError, origins: dict[KeyPath, Origin]) -> list[Problem]:
    problems = []
    for detail in error.errors():
        loc = detail["loc"]
        # The longest prefix of the error's path that was written somewhere.
        origin = next(origins[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in origins)
        key = ".".join(map(str, loc)) or None
        problems.append(Problem.at(origin, key, _message(detail)))
    return problems


def _message(detail: dict) -> str:
    if detail["type"] == "extra_forbidden":
        return _unknown_key(detail["loc"])
    if detail["type"] == "value_error":  # our own validators: drop pydantic's "Value error, "
        message = str(detail["ctx"]["error"])
    else:
        message = detail["msg"]
    value = detail["input"]
    return message if isinstance(value, (dict, list)) else f"{message} (got {_show(value)})"


def _unknown_key(loc: KeyPath) -> str:
    """'unknown key' with the closest valid key at that level, or the valid keys."""
    fields = Scenario.model_fields
    for part in loc[:-1]:
        model = fields[part].annotation if part in fields else None
        fields = model.model_fields if isinstance(model, type) and issubclass(model, BaseModel) else {}
    message = f"unknown key {str(loc[-1])!r}"
    valid = list(fields)
    if not valid:
        return message
    close = difflib.get_close_matches(str(loc[-1]), valid, n=1)
    return f"{message}; did you mean {close[0]!r}?" if close else f"{message}; valid keys: {', '.join(valid)}"


def _show(value: Any) -> str:
    """A value as it would be written in YAML."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else str(value)
