"""The layers of docs/architecture.md hold: the import contracts of pyproject.toml are kept,
and the kernel runs headless, with every strategy arriving through the registry."""

import shutil
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]


def test_the_import_contracts_are_kept():
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "import-linter is a test dependency: pip install -e '.[test]'"
    done = subprocess.run([lint_imports, "--no-cache"], capture_output=True, text=True, cwd=REPOSITORY)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout, done.stdout


def test_engine_and_strategies_import_without_the_tui():
    code = ("import sys, simulation.kernel.engine, simulation.experiments.replicate, simulation.storage.outputs, "
            "simulation.storage.loading, growthsim.cli; "
            "from simulation.kernel.registry import registry; registry(); "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('tui', 'textual')); "
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_command_line_starts_without_the_libraries_of_other_commands():
    """Every command builds the whole parser: the libraries of optimising (Optuna), drawing
    reports (matplotlib) and reading order exports (polars) are imported by the commands that
    use them, not by a run's start (half a second and 60 MB less at each start)."""
    code = ("import sys, growthsim.cli; "
            "bad = sorted({m.split('.')[0] for m in sys.modules} & {'optuna', 'matplotlib', 'polars', 'textual'}); "
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
