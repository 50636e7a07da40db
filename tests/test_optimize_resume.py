"""`growthsim optimize --resume` after the process was killed mid-study continues the same
study: the trials finished before the kill are kept as they were, and more are added."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from growthsim.cli import main
from simulation.storage.outputs import read_csv

BASELINE = str(Path(__file__).parent.parent / "scenarios" / "baseline.yaml")
AGENTS = "strategies.service_quality.agents"
SMALL = ["horizon_days=20", "market.size=8000", "market.initial_shoppers=2000"]


def arguments(out: Path, *extra: str) -> list[str]:
    return ["optimize", BASELINE, *(f"--set={s}" for s in SMALL), "--lever", f"{AGENTS}=0:30:int",
            "--lever", "strategies.service_quality.chatbot_deflection=0:0.8", "--objective", "contribution:max",
            "--constraint", "service_wait_p90_min<=60", "--trials", "14", "--replications", "2", "--confirm", "2",
            "--jobs", "2", "--seed", "3", "--out", str(out), *extra]


def complete_rows(out: Path) -> list[dict]:
    try:
        return [row for row in read_csv(out / "trials.csv") if row["state"] == "complete"]
    except (FileNotFoundError, ValueError, KeyError):
        return []


@pytest.mark.serial
def test_resume_after_a_kill_continues_the_same_study(tmp_path, capsys):
    out = tmp_path / "opt"
    process = subprocess.Popen([sys.executable, "-m", "growthsim", *arguments(out)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + 120
        while len(complete_rows(out)) < 4 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert process.poll() is None, f"the study ended before it was killed: {process.stderr.read().decode()}"
        process.send_signal(signal.SIGKILL)   # no chance to tidy up: trials may be left running
    finally:
        process.wait(timeout=30)
    before = complete_rows(out)
    assert 4 <= len(before) < 14
    assert json.loads((out / "optimize.json").read_text())["status"] == "searching"
    assert not (out / "best.yaml").exists()

    assert main(arguments(out)) == 2   # the same study again needs --resume
    assert "add --resume" in " ".join(capsys.readouterr().err.split())

    assert main(arguments(out, "--resume")) in (0, 1)
    assert f"resuming: {len(before)}" in capsys.readouterr().err
    after = read_csv(out / "trials.csv")
    finished = [row for row in after if row["state"] in ("complete", "fail")]
    assert len(finished) == 14 and len(after) > len(before)
    by_number = {row["trial"]: row for row in after}
    for row in before:   # kept as they were: same levers, same KPIs
        kept = by_number[row["trial"]]
        assert (kept[AGENTS], kept["contribution"], kept["state"]) == (row[AGENTS], row["contribution"], "complete")
    result = json.loads((out / "optimize.json").read_text())
    assert result["status"] == "done" and result["search"]["trials"] == 14 and (out / "best.yaml").exists()
