"""Issue 7, item 2: generated scenario files (valid and broken: wrong values, misspelt
keys, chains of `extends` with cycles and holes, torn or binary text) and `--set` values.
Loading either gives a valid scenario or fails with a ScenarioError whose every problem
names a file it was given (or --set), a line and column inside it, and a message --
never any other exception, never a hang."""

from __future__ import annotations

import io
import math
import os
import typing
from pathlib import Path

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.representer import RepresenterError

from growthsim.cli import main
from simulation.storage.loading import ScenarioError, load_scenario, model_in
from simulation.kernel.scenario import Scenario

# As many examples as the Hypothesis profile says (tests/conftest.py: a fixed set, or
# thousands of new ones with --hypothesis-profile=explore).
SETTINGS = settings(deadline=None, suppress_health_check=list(HealthCheck))


def _leaves(model: type[BaseModel], prefix: tuple = ()):
    for name, field in model.model_fields.items():
        inner = model_in(field.annotation)
        if inner is not None and typing.get_origin(field.annotation) is not dict:
            listed = typing.get_origin(field.annotation) is list
            yield from _leaves(inner, prefix + (name,) + ((0,) if listed else ()))
        else:
            yield prefix + (name,), field.annotation


LEAVES = list(_leaves(Scenario))


def plausible(annotation) -> st.SearchStrategy:
    """Values a person might write for a key of this type: mostly in range, some not."""
    choices = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Literal:
        return st.sampled_from(choices) | st.text(max_size=8)
    kinds = [a for a in (choices or (annotation,)) if a is not type(None)]
    options = [st.none()] if type(None) in choices else []
    for kind in kinds:
        if kind is bool:
            options.append(st.booleans())
        elif kind is int:
            options.append(st.integers(-5, 2000) | st.sampled_from([0, 1, 10**6, 10**12, 2**63, 2**64, 10**30]))
        elif kind is float:
            options.append(st.floats(-0.5, 2.0) | st.sampled_from([0.0, 1e-9, 0.5, 1.0, 30.0, 1e6, 1e308, -1e308,
                                                                   5e-324, math.nan, math.inf]))
        elif kind is str:
            # Control characters too: a terminal escape, a bell, a right-to-left override, a NUL.
            options.append(st.text(max_size=12) | st.sampled_from(["\x1b[31mred", "bell\x07", "\u202eevil",
                                                                    "nul\x00", "a\nb", "\x9b2J"]))
    return st.one_of(options) if options else anything()


def anything() -> st.SearchStrategy:
    scalars = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10)
               | st.sampled_from(["yes", "~", "1e400", ".inf", "-.nan", "0x1F", "2024-01-01", "!!binary AA=="]))
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6)


def misspelt(key: str) -> st.SearchStrategy:
    return st.integers(0, max(0, len(key) - 1)).map(lambda i: key[:i] + key[i + 1:] + key[i:i + 1])


@st.composite
def documents(draw, others: list[str]) -> dict:
    document: dict = {}
    for path, annotation in draw(st.lists(st.sampled_from(LEAVES), max_size=5)):
        path = list(path)
        if draw(st.integers(0, 9)) == 0:   # now and then, a typo in one of the keys
            at = draw(st.integers(0, len(path) - 1))
            if isinstance(path[at], str):
                path[at] = draw(misspelt(path[at]))
        value = draw(plausible(annotation) if draw(st.integers(0, 4)) else anything())
        target = document
        for part, following in zip(path, path[1:]):
            if isinstance(part, int):
                continue
            default = [] if isinstance(following, int) else {}
            existing = target.get(part) if isinstance(target, dict) else None
            if not isinstance(existing, (dict, list)):
                target[part] = existing = default
            if isinstance(existing, list):
                if not existing or not isinstance(existing[0], dict):
                    existing[:] = [{}]
                existing = existing[0]
            target = existing
        if isinstance(target, dict):
            target[path[-1]] = value
    if others and draw(st.booleans()):
        document["extends"] = draw(st.sampled_from(others + ["missing.yaml", "", "sub", "./f0.yaml"]) | anything())
    if draw(st.integers(0, 5)) == 0:
        document[draw(st.text(min_size=1, max_size=8))] = draw(anything())
    return document


def dumped(document: dict) -> bytes:
    out = io.StringIO()
    try:
        YAML(typ="safe", pure=True).dump(document, out)
    except RepresenterError:   # something YAML cannot represent: write what repr gives
        return repr(document).encode()
    return out.getvalue().encode("utf-8")


@st.composite
def damaged(draw, text: bytes) -> bytes:
    how = draw(st.integers(0, 9))
    if how == 0 and text:   # torn: cut anywhere
        return text[: draw(st.integers(0, len(text) - 1))]
    if how == 1:            # a few bytes anywhere, of any value
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(st.binary(min_size=1, max_size=4)) + text[at:]
    if how == 2:            # another encoding
        return text.decode("utf-8").encode(draw(st.sampled_from(["utf-16", "utf-8-sig", "latin-1"])), "replace")
    if how == 4 and text:   # a line given twice: a key repeated
        lines = text.split(b"\n")
        at = draw(st.integers(0, len(lines) - 1))
        return b"\n".join(lines[:at + 1] + lines[at:])
    if how == 3:            # characters YAML has opinions about
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(st.sampled_from([b"\t", b": ", b"- ", b"&a ", b"*a", b"{", b"]", b"'", b"\x07",
                                                 b"\r", b"\xef\xbb\xbf", b"%YAML 1.1\n", b"---\n"])) + text[at:]
    return text


@st.composite
def scenario_folders(draw) -> dict[str, bytes]:
    names = [f"f{i}.yaml" for i in range(draw(st.integers(1, 3)))]
    return {name: draw(damaged(dumped(draw(documents([n for n in names if n != name]))))) for name in names}


dotted_keys = st.sampled_from([".".join(map(str, path)) for path, _ in LEAVES]) | st.text(max_size=12)
set_values = (st.text(max_size=12) | st.sampled_from(["-1", "0", "1e-9", "1e400", ".nan", "[1, 2]", "{a: 1}", "null",
                                                      "true", "'007'", "!!str 3", "*a", "caf\udce9"]))
overrides = st.lists(st.tuples(dotted_keys, st.sampled_from(["=", "", "=="]), set_values)
                     .map(lambda t: f"{t[0]}{t[1]}{t[2]}"), max_size=3)


def _kind(error: ScenarioError) -> str:
    message = error.problems[0].message
    return next((kind for kind in ("YAML syntax", "UTF-8", "unknown key", "extends", "cycle", "finite", "Input should",
                                   "file not found", "mapping") if kind in message or kind == error.problems[0].key),
                "other")


def check_outcome(files: dict[str, bytes], sets: list[str]) -> None:
    lines = {name: content.count(b"\n") + 1 for name, content in files.items()}
    try:
        scenario = load_scenario("f0.yaml", sets)
    except ScenarioError as error:
        event(f"refused: {_kind(error)}")
        assert error.problems and str(error)
        for problem in error.problems:
            assert problem.message and "Traceback" not in problem.message
            assert problem.file == "--set" or os.path.normpath(problem.file) in lines or Path(problem.file).is_dir(), \
                problem
            if problem.line is not None:
                assert problem.file in lines and 1 <= problem.line <= lines[problem.file] + 1, problem
                assert problem.column is not None and problem.column >= 1
        return
    event("valid")
    # A valid model: it validates again to itself, and holds no number that is not finite.
    assert Scenario.model_validate(scenario.model_dump()) == scenario

    def finite(value) -> bool:
        if isinstance(value, float):
            return math.isfinite(value)
        if isinstance(value, dict):
            return all(map(finite, value.values()))
        if isinstance(value, list):
            return all(map(finite, value))
        return True

    assert finite(scenario.model_dump())


@SETTINGS
@given(files=scenario_folders(), sets=overrides)
# Found by the explore profile: text that pydantic reads as an infinite number passed as a valid
# scenario (tests/test_reliability_loading.py::test_text_that_reads_as_an_infinite_number_is_refused).
@example(files={"f0.yaml": b"behavior:\n  purchase_rate: {shape: '1E400'}\n"}, sets=[])
@example(files={"f0.yaml": b"name: x\n"}, sets=["behavior.purchase_rate.rate='inf'"])
# Found by the explore profile: a default contradicting a value given (pydantic validates no
# default) passed (tests/test_reliability_loading.py::test_a_default_that_contradicts_a_value_given_...).
@example(files={"f0.yaml": b"market: {size: 1}\n"}, sets=[])
def test_loading_gives_a_valid_scenario_or_a_clear_error(files, sets, tmp_path_factory, monkeypatch):
    folder = tmp_path_factory.mktemp("s")
    monkeypatch.chdir(folder)
    (folder / "sub").mkdir()
    for name, content in files.items():
        (folder / name).write_bytes(content)
    check_outcome(files, sets)


@SETTINGS
@given(files=scenario_folders())
def test_validate_exits_0_or_2_and_prints_no_traceback(files, tmp_path_factory, capsys, monkeypatch):
    folder = tmp_path_factory.mktemp("v")
    monkeypatch.chdir(folder)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    assert main(["validate", *files]) in (0, 2)
    assert "Traceback" not in capsys.readouterr().err
