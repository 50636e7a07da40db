"""The engine runs headless: importing it never imports the TUI or Textual."""

import subprocess
import sys


def test_engine_and_strategies_import_without_the_tui():
    code = ("import sys, simulation.kernel.engine, simulation.experiments.replicate, simulation.storage.outputs, simulation.storage.loading, "
            "strategies, growthsim.cli; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('tui', 'textual')); "
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
