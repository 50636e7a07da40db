"""Fixtures for the app's tests: a small scenario library (45-day runs of a 20,000
prospect market, so runs take a fraction of a second), a lesson, and the settings
that keep snapshots stable (tests/../shared TUI.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

BASE = """\
# A small platform for quick runs.
name: base
description: A small platform, for quick runs in tests.
horizon_days: 45   # a month and a half
seed: 3
replications: 3
market:
  size: 20000
  initial_shoppers: 2000
strategies:
  service_quality:
    agents: 1   # one agent around the clock
    tickets_per_order: 0.5
    handle_minutes: 30
"""

MORE_AGENTS = """\
extends: base.yaml
# What if we hire two more agents?
name: more_agents
description: Three agents instead of one.
strategies:
  service_quality:
    agents: 3   # the lever
"""

LESSON = """\
---
title: Agents in a hurry
strategy: service_quality
before: before.yaml
after: after.yaml
watch: [service_wait_mean_min, nps]
chart: satisfaction_mean
---
## The tactic

More agents.

## Ask the class

Does it pay?
"""


@pytest.fixture(autouse=True)
def stable_terminal(monkeypatch, tmp_path_factory):
    """No colour override, no animation, no theme from the environment, no blinking cursor; the
    settings in a file of the test's own, and English again after the test."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TEXTUAL_THEME", raising=False)
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    # The app's remembered language (tui/settings.py) in a file of the test's own, never the person's.
    monkeypatch.setenv("GROWTHSIM_SETTINGS", str(tmp_path_factory.mktemp("settings") / "settings.json"))
    from textual.widgets import Input, TextArea
    for widget in (Input, TextArea):
        monkeypatch.setattr(widget, "cursor_blink", False)
    yield
    from growthsim import i18n
    i18n.activate("en")   # a test that switched the app's language (the palette's) leaves the next in English


@pytest.fixture
def speak():
    """`speak("zh")` switches the app's language for the test; English again after it."""
    from growthsim import i18n

    yield i18n.activate
    i18n.activate("en")


@pytest.fixture
def library(tmp_path, monkeypatch) -> Path:
    """A folder `lib` with base.yaml and more_agents.yaml (which extends it); the
    working folder is tmp_path, so paths shown on screen are the same on every run."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "lib"
    folder.mkdir()
    (folder / "base.yaml").write_text(BASE)
    (folder / "more_agents.yaml").write_text(MORE_AGENTS)
    return Path("lib")


@pytest.fixture
def lessons(library) -> Path:
    folder = Path("lessons") / "01-agents"
    folder.mkdir(parents=True)
    (folder / "lesson.md").write_text(LESSON)
    (folder / "before.yaml").write_text(BASE.replace("name: base", "name: before"))
    (folder / "after.yaml").write_text(MORE_AGENTS.replace("base.yaml", "before.yaml").replace("more_agents", "after"))
    return Path("lessons")


@pytest.fixture
def make_app(library, lessons):
    """The app as the CLI makes it, on the test library and lessons."""
    from textual.clock import MockClock

    from tui.app import create_app

    def make(**options):
        options = {"lessons": lessons, "progress_interval": 0.0, "clock": MockClock(), "out_dir": Path("out"),
                   **options}
        return create_app([library], **options)

    return make
