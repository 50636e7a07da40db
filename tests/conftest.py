import os
import subprocess
import textwrap
import threading
from pathlib import Path

import pytest
from hypothesis import settings

from simulation.storage.loading import Problem, ScenarioError, load_scenario
from simulation.kernel.scenario import Scenario

REPOSITORY = Path(__file__).resolve().parent.parent

# The property tests (tests/test_properties_*.py) try the same examples on every run, for a
# person and for CI alike, so a verdict never depends on the draw and a fresh clone passes
# or fails as CI does. `pytest --hypothesis-profile=explore tests/test_properties_cli.py
# tests/test_properties_loading.py` draws thousands of new examples and remembers what
# failed in .hypothesis/ (README.md, "Before changing the CLI or loading"); what it finds
# is kept as an @example in the test, so the fixed profile tries it from then on.
settings.register_profile("fixed", derandomize=True, database=None, max_examples=150, print_blob=True)
settings.register_profile("explore", derandomize=False, max_examples=5000, print_blob=True)
settings.load_profile("fixed")   # `--hypothesis-profile=NAME` loads another after this


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """`pytest` alone runs the suite on every core: `-n auto --dist loadgroup` unless the
    command line says otherwise (`-n 0` or `-p no:xdist`: one process, for debugging). Set
    here rather than in pyproject's addopts, where `-p no:xdist` would make `-n` unknown."""
    if not config.pluginmanager.hasplugin("xdist") or hasattr(config, "workerinput"):
        return
    if config.option.numprocesses is None:
        config.option.numprocesses = "auto"
        if config.option.dist == "no":
            config.option.dist = "loadgroup"


def pytest_collection_modifyitems(config, items):
    """Tests marked `serial` share one xdist group, so `--dist loadgroup` (pyproject.toml)
    runs them one after another on a single worker, never two of them at once."""
    for item in items:
        if item.get_closest_marker("serial"):
            item.add_marker(pytest.mark.xdist_group("serial"))


class _Repository:
    """The files git tracks (none outside a git checkout), with their size and modification
    time, and what the repository's top folder holds (a test writing `out/` into the working
    folder leaves a new one)."""

    CACHES = {".hypothesis", ".pytest_cache", "__pycache__", ".venv"}

    def __init__(self) -> None:
        try:
            listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPOSITORY, capture_output=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            listed = b""
        self.names = [name for name in listed.decode("utf-8", "surrogateescape").split("\0") if name]
        self.seen = self.now()

    def now(self) -> dict[str, tuple[int, int]]:
        found = {name: (0, 0) for name in os.listdir(REPOSITORY) if name not in self.CACHES} if self.names else {}
        for name in self.names:
            try:
                stat = (REPOSITORY / name).stat()
                found[name] = (stat.st_size, stat.st_mtime_ns)
            except FileNotFoundError:
                found[name] = (-1, -1)
        return found

    def changed(self) -> list[str]:
        """What changed since the last call."""
        now = self.now()
        changed = sorted(name for name in now.keys() | self.seen.keys() if now.get(name) != self.seen.get(name))
        self.seen = now
        return changed


@pytest.fixture(scope="session")
def _repository(request) -> _Repository | None:
    # `--snapshot-update` rewrites tests/tui/__snapshots__ on purpose.
    return None if request.config.getoption("--snapshot-update", default=False) else _Repository()


@pytest.fixture(autouse=True)
def _leaves_the_working_folder_and_the_repository_as_they_were(_repository):
    """No test changes the working folder (monkeypatch.chdir undoes itself) or a file of the
    repository (tests write under tmp_path). The first autouse fixture, so it is set up
    first and checks after every other fixture (monkeypatch's undo included) is done."""
    folder = os.getcwd()
    yield
    assert os.getcwd() == folder, f"the test left the working folder at {os.getcwd()}"
    changed = _repository.changed() if _repository is not None else []
    assert not changed, f"files of the repository changed while the test ran (by it, or in an editor?): {changed[:10]}"


def scenario(**sections) -> Scenario:
    """A Scenario from nested keyword dicts, e.g. scenario(market={"size": 10})."""
    return Scenario.model_validate(sections)


def write(path: str, text: str) -> str:
    """A scenario file from indented text (dedented), its folders made; returns the path."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def finishes(call, *args, timeout: float = 120.0, **kwargs):
    """`call(*args, **kwargs)`, which must not hang: fails the test if it has not returned
    after `timeout` seconds. A generous bound on a shared machine, not a measure of speed."""
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["value"] = call(*args, **kwargs)
        except BaseException as error:   # handed to the test's thread, raised there
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        pytest.fail(f"{getattr(call, '__name__', call)} still running after {timeout:.0f} s: it hangs", pytrace=False)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def problems(path: str, overrides=()) -> list[Problem]:
    """The problems loading `path` reports (it must fail)."""
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, overrides)
    return caught.value.problems


@pytest.fixture(scope="session", autouse=True)
def session_history(tmp_path_factory):
    """Module-scoped fixtures (a whole optimisation, made once for a file's tests) run before
    private_history: they record in a database of the session's, never the user's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GROWTHSIM_HISTORY", str(tmp_path_factory.mktemp("history") / "history.sqlite"))
        yield


@pytest.fixture(autouse=True)
def private_history(tmp_path, monkeypatch):
    """Tests record their runs in a database of their own, never the user's, and write
    crash reports (growthsim/arguments.py) in their own folder, never the system's
    temporary folder."""
    monkeypatch.setenv("GROWTHSIM_HISTORY", str(tmp_path / "history.sqlite"))
    monkeypatch.setenv("GROWTHSIM_CRASH_REPORTS", str(tmp_path / "crash-reports"))


@pytest.fixture
def small_scenario() -> Scenario:
    return scenario(horizon_days=60, replications=3,
                    market={"size": 50_000, "initial_shoppers": 3_000})
