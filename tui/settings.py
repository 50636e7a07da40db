"""The app's settings a person chose, kept between sessions: today the language the command
palette switched to. A small JSON file beside the run history (platformdirs' user data folder;
GROWTHSIM_SETTINGS names another file, as tests do). Read at start only when neither --lang nor
GROWTHSIM_LANG chose the language (docs/translating.md)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import platformdirs

from growthsim.i18n import LANGUAGES

VARIABLE = "GROWTHSIM_SETTINGS"


def settings_path() -> Path:
    override = os.environ.get(VARIABLE)
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir("growthsim", appauthor=False)) / "settings.json"


class SettingsError(ValueError):
    """A settings file that cannot be read: the app goes on without it, and says so."""


def saved_language(path: Path | None = None) -> str | None:
    """The language saved, or None when there is no file or it names none.
    SettingsError for a file that is not a JSON object or names a language growthsim lacks."""
    path = path or settings_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"{path}: {error}") from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SettingsError(f"{path}: line {error.lineno}: {error.msg}") from error
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: not a JSON object")
    language = data.get("language")
    if language is not None and language not in LANGUAGES:
        raise SettingsError(f"{path}: language: {language!r} is not one of {', '.join(LANGUAGES)}")
    return language


def save_language(language: str, path: Path | None = None) -> None:
    """Remember `language`, keeping the file's other settings. SettingsError, and the file left
    as it is, when it cannot be read: it may be a person's file, never overwritten."""
    path = path or settings_path()
    data: dict = {}
    if path.exists():
        saved_language(path)   # SettingsError for a file we cannot read
        data = json.loads(path.read_text(encoding="utf-8"))
    data["language"] = language
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)
