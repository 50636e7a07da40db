"""Issue 15, item 1: no command overwrites what a user owns. A file or folder growthsim did
not write is refused before any work (exit 2) unless --force; its own outputs are replaced;
a device or FIFO the user names is written into, never replaced; damaged sweep files on
--resume are named, not a crash."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest

from growthsim.cli import main

TINY = """name: tiny
horizon_days: 10
replications: 2
market: {size: 5000, initial_shoppers: 500}
expect:
  kpis:
    orders: {max: 1000000000}
"""
SWEEP = ["--grid", "seed=1,2", "--set", "horizon_days=10", "--set", "market.size=5000",
         "--set", "market.initial_shoppers=500", "--replications", "2", "--jobs", "1"]


@pytest.fixture
def tiny(tmp_path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    assert main(["check", "--update", str(path)]) == 0   # its golden, so that the check passes
    return path


def test_junit_refuses_a_users_file_replaces_its_own_and_force_replaces_any(tiny, tmp_path, capsys):
    mine = tmp_path / "results.xml"
    mine.write_text("<my-notes/>")
    assert main(["check", str(tiny), "--junit", str(mine)]) == 2
    assert "did not write it" in capsys.readouterr().err and mine.read_text() == "<my-notes/>"
    assert main(["check", str(tiny), "--junit", str(mine), "--force"]) == 0
    assert 'name="growthsim check"' in mine.read_text()
    mine.write_text(mine.read_text().replace('tests="', 'tests="9'))   # a junit file of an earlier check
    assert main(["check", str(tiny), "--junit", str(mine)]) == 0 and 'tests="9' not in mine.read_text()
    assert main(["check", str(tiny), "--junit", str(tmp_path)]) == 2 and "is a folder" in capsys.readouterr().err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_junit_into_a_fifo_is_written_into_and_the_fifo_stays(tiny, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    assert main(["check", str(tiny), "--junit", str(fifo)]) == 0
    reader.join(30)
    assert stat.S_ISFIFO(fifo.stat().st_mode) and 'name="growthsim check"' in received[0]


def test_sweep_out_onto_a_file_or_a_folder_of_other_things_is_refused(tmp_path, capsys):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "draft.md").write_text("mine too")
    assert main(["sweep", "baseline", *SWEEP, "--out", str(a_file)]) == 2
    assert "is not a folder" in capsys.readouterr().err and a_file.read_text() == "mine"
    assert main(["sweep", "baseline", *SWEEP, "--out", str(folder)]) == 2
    assert "draft.md" in capsys.readouterr().err and sorted(p.name for p in folder.iterdir()) == ["draft.md"]
    assert main(["sweep", "baseline", *SWEEP, "--out", str(folder), "--force"]) == 0
    assert (folder / "draft.md").read_text() == "mine too" and (folder / "sweep.csv").exists()


@pytest.mark.parametrize("damage", ["manifest", "point"])
def test_damaged_sweep_files_on_resume_are_named(damage, tmp_path, capsys):
    out = tmp_path / "sweep"
    assert main(["sweep", "baseline", *SWEEP, "--out", str(out)]) == 0
    damaged = out / "sweep.json" if damage == "manifest" else sorted((out / "points").iterdir())[0]
    damaged.write_text(damaged.read_text()[:40] if damage == "manifest" else json.dumps({"replications": [1, 2]}))
    capsys.readouterr()
    assert main(["sweep", "baseline", *SWEEP, "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err
    assert str(damaged) in err and "damaged" in err and "Traceback" not in err


def test_report_out_refuses_a_users_file_and_replaces_its_own(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["run", "baseline", "--set", "horizon_days=10", "--set", "market.size=5000",
                 "--set", "market.initial_shoppers=500", "--replications", "2", "--jobs", "1", "--out", str(run)]) == 0
    mine = tmp_path / "summary.html"
    mine.write_text("<p>my own page</p>")
    assert main(["report", str(run), "--out", str(mine)]) == 2
    assert "did not write it" in capsys.readouterr().err and mine.read_text() == "<p>my own page</p>"
    assert main(["report", str(run), "--out", str(mine), "--force"]) == 0
    assert main(["report", str(run), "--out", str(mine)]) == 0                 # now it is a report growthsim wrote
    assert main(["report", str(run), "--out", str(tmp_path)]) == 2 and "is a folder" in capsys.readouterr().err
    assert main(["report", str(run)]) == 0 and main(["report", str(run)]) == 0   # the folder's own report.html
