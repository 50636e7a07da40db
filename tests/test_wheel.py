"""The package installs whole: a wheel built from this tree carries the bundled scenarios,
their golden results and the lessons (pyproject.toml maps them into `growthsim.bundled`),
and the installed `growthsim` finds them from any folder (growthsim/bundled/__init__.py).

The wheel is built without build isolation (this environment's setuptools: no download)
and installed without its dependencies into a fresh virtual environment that sees this
environment's packages through a .pth file. That file names the folder only, so the
.pth files in it (this repository's editable install among them) are not run: what the
commands below import is the wheel's copy, never the repository's. They run from an
empty folder, as a new user's would."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BUNDLED = sorted(p.stem for p in (REPO / "scenarios").glob("*.yaml"))
# How the Lessons screen lists each bundled lesson: "1. A second agent on the service desk" (its first words)
LESSONS = [f"{index}. " + " ".join(re.search(r"^title: (.*)$", (folder / "lesson.md").read_text(), re.M)[1].split()[:2])
           for index, folder in enumerate(sorted(p.parent for p in (REPO / "lessons").glob("*/lesson.md")), 1)]
HEADLESS = {"TEXTUAL_DRIVER": "textual.drivers.headless_driver:HeadlessDriver", "COLUMNS": "100", "LINES": "30",
            "TEXTUAL_ANIMATIONS": "none"}

pytestmark = pytest.mark.serial   # builds a wheel and a virtual environment, then runs real simulations


class Installed:
    """The wheel and a virtual environment with it installed."""

    def __init__(self, wheel: Path, env: Path, site_packages: Path) -> None:
        self.wheel, self.env, self.site_packages = wheel, env, site_packages
        self.bin = env / ("Scripts" if os.name == "nt" else "bin")

    def growthsim(self, *args: str, cwd: Path, env: dict | None = None, timeout: float = 180
                  ) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.bin / "growthsim"), *args], cwd=cwd, env=clean_environment(env),
                              capture_output=True, text=True, timeout=timeout)


def clean_environment(extra: dict | None = None) -> dict:
    """This process's environment without what would put the repository on sys.path."""
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    return {**environment, **(extra or {})}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    root = tmp_path_factory.mktemp("wheel")
    # A copy of the tree, so the build's own folders (build/, *.egg-info) neither land in
    # the repository nor bring old files into the wheel.
    source = root / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", "out", "tests"))
    wheels = root / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                            "-q", "-w", str(wheels), str(source)], capture_output=True, text=True, timeout=300,
                           env=clean_environment())
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    [wheel] = wheels.glob("growthsim-*.whl")

    env = root / "env"
    venv.create(env, with_pip=False)
    installed = Installed(wheel, env, Path())
    python = str(installed.bin / "python")
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True, env=clean_environment()).stdout.strip()
    installed.site_packages = Path(purelib)
    ours = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (installed.site_packages / "test-environment.pth").write_text("".join(f"{path}\n" for path in ours))
    done = subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                          capture_output=True, text=True, timeout=300, env=clean_environment())
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return installed


@pytest.fixture
def empty(tmp_path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


def test_the_wheel_carries_every_bundled_scenario_golden_and_lesson(installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    expected = {f"growthsim/bundled/scenarios/{p.name}" for p in (REPO / "scenarios").iterdir()
                if p.name.endswith((".yaml", ".golden.json"))}
    expected |= {f"growthsim/bundled/lessons/{p.relative_to(REPO / 'lessons').as_posix()}"
                 for p in (REPO / "lessons").rglob("*") if p.suffix in (".md", ".yaml")}
    assert len(expected) > 2 * len(BUNDLED) + 7                     # every scenario, its golden, the lessons
    assert expected <= names, sorted(expected - names)


def test_the_installed_package_is_the_wheel_not_the_repository(installed, empty):
    code = "import growthsim, simulation, tui, growthsim.bundled as b; print(growthsim.__file__, simulation.__file__, " \
           "tui.__file__, b.scenarios_folder(), b.lessons_folder(), sep='\\n')"
    done = subprocess.run([str(installed.bin / "python"), "-c", code], cwd=empty, capture_output=True, text=True,
                          env=clean_environment(), timeout=60)
    assert done.returncode == 0, done.stderr
    places = [Path(line) for line in done.stdout.splitlines()]
    assert len(places) == 5
    for place in places:
        assert place.is_relative_to(installed.site_packages), place
        assert not place.is_relative_to(REPO), place


def test_run_validate_and_compare_take_bundled_names_from_an_empty_folder(installed, empty):
    run = installed.growthsim("run", "baseline", "--replications", "2", "--set", "horizon_days=30", "--json",
                              "--jobs", "1", cwd=empty)     # one process: no workers to start
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert (summary["scenario"], summary["replications"], summary["horizon_days"]) == ("baseline", 2, 30)

    validate = installed.growthsim("validate", *BUNDLED, cwd=empty)
    assert validate.returncode == 0, validate.stderr
    shown = [Path(line.removesuffix(": ok")) for line in validate.stdout.splitlines()]
    assert [p.stem for p in shown] == BUNDLED
    assert all(p.is_relative_to(installed.site_packages / "growthsim" / "bundled" / "scenarios") for p in shown)

    compare = installed.growthsim("compare", "baseline", "membership", "--replications", "2",
                                  "--set", "horizon_days=20", "--json", "--jobs", "1", cwd=empty)
    assert compare.returncode == 0, compare.stderr
    assert json.loads(compare.stdout)["names"] == ["baseline", "membership"]
    assert list(empty.iterdir()) == []                                # nothing written where it ran


def test_a_name_that_is_neither_a_file_nor_bundled_is_bad_input_listing_the_bundled(installed, empty):
    for command in (["run", "baselin"], ["check", "baselin"]):
        done = installed.growthsim(*command, cwd=empty)
        assert done.returncode == 2, (command, done.stderr)
        assert "baselin: no such file here" in done.stderr and "Traceback" not in done.stderr
        assert all(name in done.stderr for name in BUNDLED)


def test_check_holds_a_bundled_scenario_to_its_shipped_golden(installed, empty):
    done = installed.growthsim("check", "baseline", "--json", cwd=empty, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    [scenario] = json.loads(done.stdout)["scenarios"]
    folder = installed.site_packages / "growthsim" / "bundled" / "scenarios"
    assert Path(scenario["path"]) == folder / "baseline.yaml"
    assert Path(scenario["golden"]) == folder / "baseline.golden.json"
    golden = [check for check in scenario["checks"] if check["kind"] == "golden"]
    assert golden and all(check["passed"] for check in golden)     # a missing golden fails: "no golden"


def screen_text(svg: Path) -> str:
    text = "".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg.read_text()))
    return html.unescape(text).replace("\xa0", " ")


@pytest.mark.parametrize("command, keys, seen", [([], "", BUNDLED), (["app"], "f7", LESSONS)],
                         ids=["growthsim-library", "growthsim-app-lessons"])
def test_the_app_opens_on_the_bundled_library_and_lessons(installed, empty, command, keys, seen):
    shots = empty.parent / "shots"
    shots.mkdir()
    done = installed.growthsim(*command, cwd=empty, timeout=120, env={
        **HEADLESS, "TEXTUAL_PRESS": keys, "TEXTUAL_SCREENSHOT": "2", "TEXTUAL_SCREENSHOT_LOCATION": str(shots),
        "TEXTUAL_SCREENSHOT_FILENAME": "app.svg"})
    assert done.returncode == 0, done.stderr[-3000:]
    screen = screen_text(shots / "app.svg")
    missing = [word for word in seen if word not in screen]
    assert not missing, screen
    assert "no lessons folder" not in screen and "no scenario" not in screen.lower()


def test_an_editable_install_reads_the_repositorys_own_folders():
    """The suite runs on the README's `pip install -e`: there the bundled folders are this
    repository's, so an edit to a scenario or a lesson shows at once."""
    from growthsim import bundled
    assert bundled.scenarios_folder() == REPO / "scenarios"
    assert bundled.lessons_folder() == REPO / "lessons"
    assert bundled.scenario_names() == BUNDLED
    assert bundled.scenario_file(Path("membership")) == REPO / "scenarios" / "membership.yaml"
