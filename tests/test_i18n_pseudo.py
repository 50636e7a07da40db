"""No words a person reads escape translation: the main commands run under the pseudo-locale
(GROWTHSIM_LANG=pseudo shows every translated string as ⟦English⟧, growthsim/i18n.py), and
any English word left outside ⟦…⟧ is a string that does not go through the catalogue.

Allowed outside the brackets: what a person types or a file holds, the same in every
language: option names, metavars, choices, command names, scenario names, file names and
numbers. Messages of the simulation layers (the kernel's validation errors, the
calibration's reasons) stay English for now (docs/translating.md) and are not run here."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from growthsim.cli import COMMANDS, build_parser

ROOT = Path(__file__).parent.parent
SMALL = ["--set", "horizon_days=40", "--set", "market.size=20000", "--set", "market.initial_shoppers=2000",
         "--replications", "2", "--jobs", "1"]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")
WORD = re.compile(r"[A-Za-z][A-Za-z_']+")


def _typed_words() -> set[str]:
    """Every word of the command line's grammar: option names, metavars, dests, choices."""
    import argparse
    words = {"growthsim", "usage", "COMMAND", *COMMANDS, "app", "serve"}
    parsers = [build_parser()]
    while parsers:
        parser = parsers.pop()
        for action in parser._actions:
            texts = [*action.option_strings, action.dest or "", (action.dest or "").upper(), str(action.metavar or "")]
            texts += [str(c) for c in action.choices or ()]
            words.update(w for text in texts for w in WORD.findall(text))
            if isinstance(action, argparse._SubParsersAction):
                parsers.extend(action.choices.values())
    return words


ALLOWED = _typed_words() | {"baseline", "membership", "yaml", "json", "csv", "no", "such", "scenario"}


def _untranslated(output: str) -> list[str]:
    found = []
    rest = ANSI.sub("", output)
    while True:
        # Innermost first: a translated string may hold another (a KPI's name in a title); a
        # translation may be wrapped over lines, or cut short by a narrow column (…).
        shorter = re.sub(r"⟦[^⟦⟧…]*(⟧|…)", lambda m: re.sub(r"[^\n]", " ", m[0]), rest)
        if shorter == rest:
            break
        rest = shorter
    for line, original in zip(rest.splitlines(), ANSI.sub("", output).splitlines()):
        rest = re.sub(r"\S*[/\\.]\S*", " ", line)   # paths, file names, dotted keys
        words = [w for w in WORD.findall(rest) if w not in ALLOWED and w.strip("_") not in ALLOWED]
        if words:
            found.append(f"{words}: {original.strip()}")
    return found


def _pseudo(*args: str, terminal: bool = False) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("TTY_COMPATIBLE", "FORCE_COLOR", "NO_COLOR")}
    environ.update(GROWTHSIM_LANG="pseudo", COLUMNS="100", NO_COLOR="1")
    if terminal:   # rich treats both streams as a terminal: tables for a person, not tab-separated
        environ["TTY_COMPATIBLE"] = "1"
    return subprocess.run([sys.executable, "-m", "growthsim", *args], capture_output=True, text=True,
                          env=environ, cwd=ROOT, timeout=600)


@pytest.fixture
def pseudo(monkeypatch):
    """The pseudo-locale in this process, English again afterwards."""
    from growthsim import i18n
    monkeypatch.setenv("COLUMNS", "100")
    i18n.activate(i18n.PSEUDO)
    yield
    i18n.activate("en")


def _subparsers(parser):
    import argparse
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices


@pytest.mark.parametrize("command", ["", *sorted(set(COMMANDS) | {"app", "serve"})])
def test_every_help_is_translated(pseudo, command):
    """What `growthsim [COMMAND] --help` prints, built in this process (the same parser and
    formatter; a process per command cost a second each of imports)."""
    parser = build_parser()
    shown = (_subparsers(parser)[command] if command else parser).format_help()
    assert "⟦" in shown
    assert _untranslated(shown) == []


def test_help_through_the_command_line_is_translated():
    """The same help, through `--help` of a real process: GROWTHSIM_LANG is read and argparse's own words go through the catalogue."""
    shown = _pseudo("run", "--help")
    assert shown.returncode == 0, shown.stderr
    assert "⟦" in shown.stdout and _untranslated(shown.stdout) == []


@pytest.mark.parametrize("args, code", [
    (["run", "baseline", *SMALL], 0),
    (["compare", "baseline", "membership", *SMALL], 0),
    (["strategies"], 0),
    (["validate", "baseline"], 0),
    (["history"], 0),
    (["run", "no-such-scenario"], 2),                  # a message of ours, exit 2
    (["run", "baseline", "--replications", "x"], 2),   # argparse's own error
    (["sweep", "baseline", "--grid", "a=1", "--lhs", "b=0:1"], 2),
    (["optimize", "baseline"], 2),
])
def test_a_person_reads_no_untranslated_line(args, code):
    shown = _pseudo(*args, terminal=True)
    assert shown.returncode == code, shown.stderr
    assert "Traceback" not in shown.stderr
    assert _untranslated(shown.stdout) == [] and _untranslated(shown.stderr) == []
