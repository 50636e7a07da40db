"""Loading scenario files: YAML, `extends`, `--set` overrides, and errors that say where.

A scenario file is a YAML mapping of `Scenario` keys. `extends: other.yaml` (relative
to the extending file) starts from another file: mappings merge key by key, the
extending file wins, anything else (lists included) it replaces whole. `--set
KEY=VALUE` overrides come last. Every key remembers the file, line and column it
was written at, so that a bad value is reported where it was written, even when it
was inherited. All problems are reported together as one `ScenarioError`.

Whatever a file holds, loading ends in a `Scenario` or a `ScenarioError`, never in
another exception or a hang (docs/reliability.md): files that are not regular files,
larger than `MAX_FILE_BYTES`, not UTF-8, nested deeper than `MAX_DEPTH` or expanding
(through YAML aliases) to more than `MAX_VALUES` values are refused, and so are
numbers that are not finite (`.inf`, `.nan`), which no scenario key accepts.

`schema_version:` says which defaults a file was written for (simulation/kernel/scenario.py).
A file without it is version 1: it loads, with today's defaults for the keys it leaves
unset, and a notice saying what changed (the currency, each changed default, old -> new)
so that its numbers keep their meaning. A run gives that notice once: to the `notices`
list a caller passes, else to `NOTICES`, whose listener the CLI sets to print on stderr.
A version this growthsim does not know is an error at the key.
"""

from __future__ import annotations

import difflib
import errno
import io
import math
import os
import re
import stat
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scalarbool import ScalarBoolean

from simulation.kernel.language import N_, Refusal, _
from simulation.kernel.existing_customers import CustomersFileError, customers_in_file
from simulation.kernel.scenario import SCHEMA_VERSION, VERSION_1_DEFAULTS, Scenario

KeyPath = tuple  # a key's path from the top, e.g. ("behavior", "dropout", "a")

MAX_FILE_BYTES = 1 << 20   # 1 MiB: hundreds of calendar events; parsing it takes seconds, not minutes
MAX_DEPTH = 64             # mappings and lists inside each other; the schema needs 5
MAX_EXTENDS = 32           # files in one `extends` chain; the bundled library's longest is 2
MAX_VALUES = 200_000       # keys and items after YAML aliases are expanded (a "billion laughs" file)


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

    SHOWN = 30   # a file that is no scenario at all (a log, a CSV) is not listed line by line

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        lines = list(map(str, self.problems[: self.SHOWN]))
        if len(self.problems) > self.SHOWN:
            lines.append(f"... and {len(self.problems) - self.SHOWN} more problems")
        super().__init__("\n".join(lines))


class Notices:
    """Notices a run gives once each (a compare or a check loads many files): `start` sets
    who shows them (the CLI: a line on stderr) and forgets those already given."""

    def __init__(self) -> None:
        self.given: set[str] = set()
        self.show = None

    def start(self, show) -> None:
        self.given, self.show = set(), show

    def give(self, kind: str, text: str, into: list[str] | None = None) -> None:
        if into is not None:
            into.append(text)
        elif kind not in self.given:
            self.given.add(kind)
            if self.show is not None:
                self.show(text)


NOTICES = Notices()


def version_1_notice(files: list[str]) -> str:
    """What changed since version 1, for a file written without `schema_version:`."""
    today = Scenario()
    changed = []
    for key, old in VERSION_1_DEFAULTS.items():
        new: Any = today
        try:
            for part in key.split("."):
                new = new[int(part)] if part.isdigit() else getattr(new, part)
        except (AttributeError, IndexError):   # its plugin is not installed
            continue
        hint = " (a mean order of about 35 -> about 100)" if key == "behavior.spend.gamma" else ""
        changed.append(f"{key} {old:g} -> {new:g}{hint}")
    return (f"{', '.join(files)}: no schema_version, so written for version 1 of the defaults. Since version "
            f"{SCHEMA_VERSION} amounts are in CNY (currency: CNY; the defaults are a Chinese platform's, "
            f"docs/evidence.md) and these defaults changed: {'; '.join(changed)}. Keys the file leaves unset now "
            "take the new values; to keep an old one, write it in the file. Add `schema_version: "
            f"{SCHEMA_VERSION}` to the file to silence this notice.")


def load_scenario(path: str | os.PathLike, overrides: Iterable[str] = (),
                  notices: list[str] | None = None) -> Scenario:
    """The validated scenario of a file (with what it extends) and `--set` overrides.
    A version-1 file's notice goes to `notices` if given, else to `NOTICES`."""
    versions: list[tuple[str, Any, Origin | None]] = []
    data, origins = _resolve(path, overrides, versions)
    old_files = _check_versions(versions)
    not_finite = _non_finite_numbers(data, origins)
    try:
        scenario = Scenario.model_validate(data)
        # pydantic runs no validator on a default, so a value given against a default it
        # contradicts (market.size: 1, initial_shoppers left at 20,000) passed; validated
        # again with every default written out, it is refused at the key to change.
        Scenario.model_validate(scenario.model_dump())
    except ValidationError as error:
        # A non-finite number gets its own message (pydantic's "less than 1 (got nan)" puzzles).
        clearer = {problem.key: problem for problem in not_finite}
        problems = [clearer.pop(problem.key, problem) for problem in _problems(error, origins)]
        raise ScenarioError(problems + list(clearer.values())) from None
    # Text that pydantic reads as a number ('1e400', 'inf') is finite only once read.
    not_finite = not_finite or _non_finite_numbers(scenario.model_dump(), origins, written=data)
    if not_finite:
        raise ScenarioError(not_finite)
    if scenario.baseline is not None:
        scenario.baseline = _relative_to_origin(scenario.baseline, origins.get(("baseline",)), "baseline")
    if scenario.market.customers is not None:
        _check_customers(scenario, origins.get(("market", "customers")))
    if old_files:   # only for a file that loads: a file with errors gets the errors alone
        NOTICES.give("schema_version", version_1_notice(old_files), notices)
    return scenario


def _check_versions(versions: list[tuple[str, Any, Origin | None]]) -> list[str]:
    """Each file's `schema_version`: absent is 1 (the files returned, for the notice), a
    known version is silent, any other value is an error at the key."""
    problems, old = [], []
    for file, version, origin in versions:
        if origin is None:
            old.append(file)
        elif isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= SCHEMA_VERSION:
            problems.append(Problem.at(origin, "schema_version", f"unknown version {_show(version)}: this growthsim "
                                       f"reads versions 1 to {SCHEMA_VERSION} (was the file written by a newer one?)"))
        elif version == 1:
            old.append(file)
    if problems:
        raise ScenarioError(problems)
    return old


def _check_customers(scenario: Scenario, origin: Origin | None) -> None:
    """A calibrated twin's customers file: found beside the scenario, readable, one row per
    initial shopper."""
    key = "market.customers"
    scenario.market.customers = _relative_to_origin(scenario.market.customers, origin, key)
    try:
        rows = customers_in_file(scenario.market.customers)
    except CustomersFileError as error:
        raise ScenarioError([Problem.at(origin or SET, key, f"{scenario.market.customers}: {error}")]) from None
    if rows != scenario.market.initial_shoppers:
        raise ScenarioError([Problem.at(origin or SET, key, f"{scenario.market.customers} has {rows} customers but "
                                        f"market.initial_shoppers is {scenario.market.initial_shoppers}: they must agree")])


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


def _resolve(path: str | os.PathLike, overrides: Iterable[str],
             versions: list | None = None) -> tuple[dict, dict[KeyPath, Origin]]:
    data, origins = _load_chain(Path(path), str(path), [], versions)
    _apply_overrides(data, origins, overrides)
    # Drop origins of keys that a later file or --set replaced with something else,
    # so that an error's longest known prefix is always the value actually validated.
    return data, {key: origin for key, origin in origins.items() if _exists(data, key)}


def _load_chain(path: Path, shown: str, chain: list[tuple[Path, str]],
                versions: list | None = None) -> tuple[dict, dict[KeyPath, Origin]]:
    """A file merged over what it `extends`, and the origin of every key; each file's
    `schema_version` (its value and origin, None where it has none) goes to `versions`."""
    data, origins = _load_file(path, shown)
    if versions is not None:
        versions.append((shown, data.get("schema_version"), origins.get(("schema_version",))))
    if "extends" not in data:
        return data, origins
    parent = data.pop("extends")
    at = origins.pop(("extends",))
    if not isinstance(parent, str):
        raise ScenarioError([Problem.at(at, "extends", _("should be a file name, got {value}").format(value=_show(parent)))])
    if not parent.strip():
        raise ScenarioError([Problem.at(at, "extends", _("should be a file name, got an empty one"))])
    if len(chain) + 1 >= MAX_EXTENDS:
        raise ScenarioError([Problem.at(at, "extends", f"a chain of more than {MAX_EXTENDS} files "
                                        f"({chain[0][1] if chain else shown} -> ... -> {shown} -> {parent}); "
                                        "a scenario extends a few others at most")])
    parent_path = path.parent / parent
    parent_shown = os.path.normpath(Path(shown).parent / parent)
    chain = chain + [(path.resolve(), shown)]
    if any(parent_path.resolve() == seen for seen, _name in chain):
        names = " -> ".join([name for _path, name in chain] + [parent_shown])
        raise ScenarioError([Problem.at(at, "extends", _("cycle: {names}").format(names=names))])
    if not parent_path.exists():
        raise ScenarioError([Problem.at(at, "extends", _("file not found: {path}").format(path=parent_shown))])
    if parent_path.is_dir():
        raise ScenarioError([Problem.at(at, "extends", _("is a folder, not a scenario file: {path}").format(path=parent_shown))])
    base, base_origins = _load_chain(parent_path, parent_shown, chain, versions)
    # A title names this file's question: not inherited. A description is replaced whole, not
    # merged language by language (a child's {en: ...} must not keep its parent's zh).
    merged = _merge({key: value for key, value in base.items() if key != "title"},
                    {key: value for key, value in data.items() if key != "description"})
    if "description" in data:
        merged["description"] = data["description"]
    return merged, base_origins | origins


def _load_file(path: Path, shown: str) -> tuple[dict, dict[KeyPath, Origin]]:
    def fail(message: str, line: int | None = None, column: int | None = None) -> ScenarioError:
        return ScenarioError([Problem(shown, None, line, column, message)])

    try:
        text = _read_limited(path).decode("utf-8-sig")
    except OSError as error:  # not found, a directory, no permission
        raise fail(_("cannot read file: {reason}").format(reason=error.strerror or error)) from None
    except UnicodeDecodeError as error:
        raise fail(_("not UTF-8 text (byte {byte} is invalid); is it a binary file?").format(byte=error.start)) from None
    if "\0" in text:
        raise fail(_("contains NUL bytes; is it a binary file?"))
    deep = _flow_too_deep(text)
    if deep is not None:   # refused before parsing: the parser would recurse for seconds first
        line, column = text.count("\n", 0, deep) + 1, deep - text.rfind("\n", 0, deep)
        raise fail(f"nested too deeply (a scenario nests at most {MAX_DEPTH} levels)", line, column)
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
    except RecursionError:   # brackets inside brackets, thousands deep
        raise fail(f"nested too deeply (a scenario nests at most {MAX_DEPTH} levels)") from None
    if doc is None:  # empty or only comments: running the defaults instead would hide the mistake
        raise fail(_("the file is empty (no keys, or only comments); a scenario needs at least a name, "
                     "or `extends:` a scenario it changes"))
    if not isinstance(doc, CommentedMap):
        kind = "list" if isinstance(doc, CommentedSeq) else f"single value {_show(doc)}"
        raise fail(f"the top level should be a mapping of keys, got a {kind}")
    origins = {(): Origin(shown)}
    return _plain(doc, shown, (), origins, _Budget(shown)), origins


def _read_limited(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES (not a device, a pipe, a huge log)."""
    # Non-blocking: opening a named pipe would otherwise wait for a writer for ever.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with open(fd, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        if not stat.S_ISREG(mode):     # a device or a pipe: it may never end
            raise OSError(0, "not a regular file")
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise OSError(0, f"larger than {MAX_FILE_BYTES >> 20} MiB; is it really a scenario?")
    return data


def _flow_too_deep(text: str) -> int | None:
    """The offset of the first `[` or `{` nested deeper than MAX_DEPTH, outside quotes
    and comments; None if there is none (at once, for the files that have few)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    depth, quote = 0, None
    at_line_start = True
    comment = False
    for offset, char in enumerate(text):
        if char == "\n":
            comment, at_line_start = False, True
            if quote == "#":
                quote = None
            continue
        if comment:
            continue
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and (at_line_start or text[offset - 1] in " \t"):
            comment = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return offset
        elif char in "]}":
            depth = max(0, depth - 1)
        at_line_start = at_line_start and char in " \t"
    return None


class _Budget:
    """Counts values while converting, so that a file of aliases cannot expand without end."""

    def __init__(self, file: str) -> None:
        self.file, self.values = file, 0

    def spend(self, count: int, origin: Origin | None, depth: int) -> None:
        self.values += count
        if self.values > MAX_VALUES:
            raise ScenarioError([Problem(self.file, None, None, None,
                                         f"more than {MAX_VALUES} values (are YAML aliases expanding without end?)")])
        if depth > MAX_DEPTH:
            where = origin or Origin(self.file)
            raise ScenarioError([Problem.at(where, None, f"nested too deeply (a scenario nests at most {MAX_DEPTH} levels)")])


def _plain(node: Any, file: str, path: KeyPath, origins: dict[KeyPath, Origin], budget: _Budget) -> Any:
    """ruamel's nodes as builtin dicts, lists and scalars, recording where each key and item is."""
    if isinstance(node, (CommentedMap, CommentedSeq)):
        keys = node.keys() if isinstance(node, CommentedMap) else range(len(node))
        budget.spend(len(node), origins.get(path), len(path) + 1)
        for key in keys:
            # Keys merged in with `<<: *anchor` have no position of their own: use the mapping's.
            line, column = (node.lc.data or {}).get(key, (node.lc.line, node.lc.col))[:2]
            origins[path + (key,)] = Origin(file, line + 1, column + 1)
        if isinstance(node, CommentedSeq):
            return [_plain(item, file, path + (i,), origins, budget) for i, item in enumerate(node)]
        return {key: _plain(value, file, path + (key,), origins, budget) for key, value in node.items()}
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
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:   # bytes that were not UTF-8 on the command line
            problems.append(Problem.at(SET, None, f"not UTF-8 text: {text!r}"))
            continue
        key, equals, value = text.partition("=")
        path = tuple(key.strip().split("."))
        if not equals or not all(path):
            problems.append(Problem.at(SET, None, _("expected KEY=VALUE with a dotted KEY, got {text}").format(
                text=repr(text))))
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


# A whole-scenario check that names the key it is about, e.g. "policies[0].set: no scenario key 'x'".
_PATH_PREFIX = re.compile(r"^([A-Za-z_]\w*(?:\[\d+\]|\.[A-Za-z_]\w*)*): (.+)$", re.DOTALL)


def _problems(error: ValidationError, origins: dict[KeyPath, Origin]) -> list[Problem]:
    problems = []
    for detail in error.errors():
        loc = tuple(detail["loc"])
        message = _message(detail)
        named = _PATH_PREFIX.match(message) if detail["type"] == "value_error" else None
        path = named and tuple(int(part) if part.isdigit() else part
                               for part in re.split(r"\.|\[|\]\.?", named.group(1)) if part)
        if path and loc + path[:1] in origins:   # a model validator's error: report it at the key it names
            loc, message = loc + path, named.group(2)
        # The longest prefix of the error's path that was written somewhere.
        origin = next(origins[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in origins)
        key = ".".join(map(_key_text, loc)) or None
        problems.append(Problem.at(origin, key, message))
    return problems


def _key_text(part: Any) -> str:
    return part if isinstance(part, str) else str(part) if isinstance(part, int) else _show(part)


# pydantic's messages a person meets most, as templates for the catalogue: each is used only
# when it gives pydantic's own English words (so English is unchanged), then translated.
PYDANTIC_MESSAGES = {
    "greater_than": N_("Input should be greater than {gt}"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "less_than": N_("Input should be less than {lt}"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "int_type": N_("Input should be a valid integer"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "float_type": N_("Input should be a valid number"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "bool_type": N_("Input should be a valid boolean"),
    "string_type": N_("Input should be a valid string"),
    "literal_error": N_("Input should be {expected}"),
}


def _pydantic_message(detail: dict) -> str:
    template = PYDANTIC_MESSAGES.get(detail["type"])
    fields = detail.get("ctx") or {}
    try:
        if template is not None and template.format(**fields) == detail["msg"]:
            return _(template).format(**fields)
    except (KeyError, IndexError, ValueError):
        pass
    return detail["msg"]


def validation_message(detail: dict) -> str:
    """A pydantic error's message in the language spoken: our validators' (without pydantic's
    "Value error, "; a Refusal translated) or pydantic's own (the common ones translated)."""
    if detail["type"] == "value_error":
        error = detail["ctx"]["error"]
        return error.translated() if isinstance(error, Refusal) else str(error)
    return _pydantic_message(detail)


def _message(detail: dict) -> str:
    if detail["type"] == "extra_forbidden":
        return _unknown_key(detail["loc"])
    message = validation_message(detail)
    value = detail["input"]
    return message if isinstance(value, (dict, list)) else _("{message} (got {value})").format(message=message,
                                                                                              value=_show(value))


def model_in(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds, through list[...] and ... | None (the schema's one walk
    down a key path, shared with tests/test_properties_loading.py)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        model = model_in(argument)
        if model is not None:
            return model
    return None


def _unknown_key(loc: KeyPath) -> str:
    """'unknown key' with the closest valid key at that level, or the valid keys."""
    fields = Scenario.model_fields
    for part in loc[:-1]:
        if isinstance(part, int):   # an item of a list: the same model's fields
            continue
        model = model_in(fields[part].annotation) if part in fields else None
        fields = model.model_fields if model is not None else {}
    key = repr(_key_text(loc[-1]))
    valid = list(fields)
    if not valid:
        return _("unknown key {key}").format(key=key)
    close = difflib.get_close_matches(str(loc[-1]), valid, n=1)
    if close:
        return _("unknown key {key}; did you mean {close}?").format(key=key, close=repr(close[0]))
    return _("unknown key {key}; valid keys: {valid}").format(key=key, valid=", ".join(valid))


def _non_finite_numbers(data: Any, origins: dict[KeyPath, Origin], path: KeyPath = (), written: Any = None) -> list[Problem]:
    """`.inf` and `.nan`: valid YAML, but no rate, probability or count of a scenario; an
    infinite rate would make the simulation loop for ever. `written`: the data as the
    files wrote it, when `data` is the validated scenario's, to show the value as written."""
    if isinstance(data, float) and not math.isfinite(data):
        origin = next(origins[path[:n]] for n in range(len(path), -1, -1) if path[:n] in origins)
        shown = _show(_at(written, path, data) if written is not None else data)
        return [Problem.at(origin, ".".join(map(_key_text, path)) or None, _("should be a finite number (got {value})").format(value=shown))]
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    return [problem for key, value in items
            for problem in _non_finite_numbers(value, origins, path + (key,), written)]


def _at(data: Any, path: KeyPath, default: Any) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return default
    return data


def _show(value: Any) -> str:
    """A value as it would be written in YAML."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else ".inf" if value > 0 else "-.inf"
    return repr(value) if isinstance(value, str) else str(value)
