"""The scenarios and lessons that ship with growthsim, wherever it is installed.

The repository keeps them at its top, in `scenarios/` and `lessons/`; pyproject.toml maps
those folders into the package as `growthsim.bundled.scenarios` and
`growthsim.bundled.lessons`. A wheel carries them as package data; an editable install
(`pip install -e .`) finds them in the repository's own folders, so an edit shows at once.
Every user of the bundled folders (the commands, `check`, the app) asks this module.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from growthsim.arguments import BadInput
from growthsim.i18n import _

SCENARIO_SUFFIXES = (".yaml", ".yml")


def _folder(package: str) -> Path:
    folder = files(package)
    if not isinstance(folder, Path):   # e.g. a zip archive: scenarios are read, extended and written as files
        raise BadInput(_("growthsim's bundled files ({package}) are not in a folder but in {folder}; "
                         "install growthsim with pip so they are").format(package=package, folder=folder))
    return folder


def scenarios_folder() -> Path:
    """The bundled scenario library (`scenarios/` in the repository)."""
    return _folder("growthsim.bundled.scenarios")


def lessons_folder() -> Path:
    """The bundled lessons (`lessons/` in the repository)."""
    return _folder("growthsim.bundled.lessons")


def scenario_names() -> list[str]:
    """The bundled scenarios' names, as `growthsim run NAME` takes them."""
    return sorted(p.stem for p in scenarios_folder().iterdir() if p.suffix in SCENARIO_SUFFIXES)


def scenario_file(argument: Path) -> Path:
    """The scenario file a command was given: the file itself when it exists, else the
    bundled scenario of that name (`baseline` or `baseline.yaml`). A bare name that is
    neither is bad input, with the bundled names; a missing path is left to the loader,
    whose message names it."""
    argument = Path(argument)
    if argument.exists() or len(argument.parts) != 1:
        return argument
    stem = argument.stem if argument.suffix in SCENARIO_SUFFIXES else argument.name
    for suffix in SCENARIO_SUFFIXES:
        bundled = scenarios_folder() / f"{stem}{suffix}"
        if bundled.is_file():
            return bundled
    raise BadInput(_("{argument}: no such file here, nor a bundled scenario of that name; "
                     "the bundled scenarios are {names}").format(argument=argument, names=", ".join(scenario_names())))
