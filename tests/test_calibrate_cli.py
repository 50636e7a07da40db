"""`growthsim calibrate` from the command line, on the example export shipped in examples/
(a synthetic Taobao-style export with a BOM, Chinese headers, cancelled orders, refunds and
bad rows: examples/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from growthsim.cli import main

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "shop_orders.csv"
FAST = ["--replications", "2", "--jobs", "1"]


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory) -> tuple[Path, int, str]:
    out = tmp_path_factory.mktemp("calibrate") / "twin"
    code = main(["calibrate", str(EXAMPLE), "--out", str(out), "--keep-status", "交易成功",
                 "--calibration-end", "2025-04-01", *FAST])
    return out, code, ""


def test_the_example_export_calibrates_into_a_twin_that_runs(calibrated, tmp_path, capsys):
    out, code, _ = calibrated
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["calibration.json", "customers.parquet", "scenario.yaml", "scores.csv"]
    data = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
    source = data["source"]
    # examples/README.md: 4 rows with an unparseable date, 4 with an empty amount, 15 cancelled.
    assert source["bad_rows"] == {"unparseable date": 4, "empty amount": 4} and source["filtered_rows"] == 15
    assert source["columns"]["customer"] == "买家会员名" and source["calibration_end"] == "2025-04-01"
    assert data["holdout"]["days"] == data["twin"]["horizon_days"]
    assert main(["run", str(out / "scenario.yaml"), "--replications", "1", "--jobs", "1", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["kpis"]["orders"]["mean"] > 0


def test_json_prints_calibration_json(tmp_path, capsys):
    assert main(["calibrate", str(EXAMPLE), "--out", str(tmp_path / "twin"), "--json", *FAST]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["holdout"] is None and printed["twin"]["horizon_days"] == 365   # no --calibration-end: no holdout
    assert printed == json.loads((tmp_path / "twin" / "calibration.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("arguments, message", [
    (["--customer", "buyer"], "buyer"),
    (["--calibration-end", "2030-01-01"], "outside the orders' dates"),
    (["--max-bad-fraction", "0.001"], "line 136"),
])
def test_bad_input_is_exit_2_with_the_place_and_nothing_written(arguments, message, tmp_path, capsys):
    out = tmp_path / "twin"
    assert main(["calibrate", str(EXAMPLE), "--out", str(out), *arguments, *FAST]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_a_folder_of_the_users_files_is_not_replaced(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["calibrate", str(EXAMPLE), "--out", str(out), *FAST]) == 2
    assert "notes.txt" in capsys.readouterr().err and (out / "notes.txt").read_text() == "mine"
