"""growthsim report on a calibration folder (calibrate --out): the source, every fit with its
standard errors, the acquisition fit, the holdout's tracking charts and their tables; and,
without a holdout, the rest with a line saying so."""

from __future__ import annotations

import datetime
import json
import re

import numpy as np
import pytest

from growthsim.cli import main
from simulation.experiments.calibration.calibrate import (CalibrationOptions, calibrate, simulate_holdout,
                                                          write_calibration)
from simulation.storage.loading import load_scenario
from growthsim.bundled import scenario_file
from tests.test_calibration_twin import log_of, shop_orders


def sections(page: str) -> list[str]:
    return re.findall(r"<h2>(.*?)</h2>", page)


@pytest.fixture(scope="module")
def calibration_folder(tmp_path_factory):
    """A small shop (about 1,000 customers over 300 days), calibrated to day 200 with 2 replications of the twin."""
    from pathlib import Path
    orders = shop_orders(np.random.default_rng(1), new_per_day=5.0, days=300)
    calibration = calibrate(log_of(orders), load_scenario(scenario_file(Path("baseline"))),
                            CalibrationOptions(datetime.date(2024, 7, 19)))
    simulate_holdout(calibration, replications=2, jobs=1)
    folder = tmp_path_factory.mktemp("calibration") / "twin"
    write_calibration(calibration, folder)
    return folder


def test_a_calibration_report_has_the_fits_and_the_holdout_figures_with_their_tables(calibration_folder):
    assert main(["report", str(calibration_folder)]) == 0
    page = (calibration_folder / "report.html").read_text(encoding="utf-8")
    data = json.loads((calibration_folder / "calibration.json").read_text(encoding="utf-8"))
    assert sections(page) == ["Source", "Fitted models", "Acquisition", "Holdout: repeat transactions", "Weekly tracking",
                              "Cumulative tracking", "Conditional expectations by calibration frequency",
                              "Calibration histogram"]
    assert page.count("<svg") == 4   # weekly, cumulative, by frequency, histogram
    holdout = data["holdout"]
    assert f"<td>actual repeat transactions</td><td>{holdout['actual_repeat_transactions']:,}</td>" in page
    assert f"{holdout['expected_repeat_transactions']:,.1f}" in page
    for block in ("bgnbd", "pareto_nbd", "gamma_gamma"):
        for name, se in data[block]["se"].items():
            assert f"{name} = {data[block][name]:.4g} ± {se:.4g}" in page, (block, name)
    assert f"<b>{ {'bgnbd': 'BG/NBD', 'pareto_nbd': 'Pareto/NBD'}[data['model']] }</b>" in page and data["model_why"] in page
    assert data["acquisition"]["why"] in page
    weekly = holdout["weekly"]
    assert page.count("<tr><td>") >= len(weekly) + 8 + 8   # a row per week, per frequency group, per histogram bar
    last = weekly[-1]
    assert f"<td>{last['week']}</td><td>{last['actual']:,}</td><td>{last['expected']:,.1f}</td>" in page
    for group in holdout["by_frequency"]:
        assert f"<td>{group['customers']:,}</td>" in page
    for bar in data["calibration_histogram"]:
        assert f"<td>{bar['x']}</td><td>{bar['actual']:,}</td><td>{bar['expected']:,.1f}</td>" in page
    assert not re.search(r'(src|href)\s*=\s*"(https?:|//)', page)   # self-contained: nothing to fetch


def test_without_a_holdout_the_report_says_so_and_shows_the_rest(calibration_folder, tmp_path):
    document = json.loads((calibration_folder / "calibration.json").read_text(encoding="utf-8"))
    document["holdout"] = None       # as calibrate writes it without --calibration-end
    (tmp_path / "calibration.json").write_text(json.dumps(document), encoding="utf-8")
    assert main(["report", str(tmp_path), "--out", str(tmp_path / "r.html")]) == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert sections(page) == ["Source", "Fitted models", "Acquisition", "Holdout", "Calibration histogram"]
    assert "No holdout" in page and page.count("<svg") == 1


def test_the_report_command_says_it_reads_calibration_folders(capsys):
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    assert "calibrate" in capsys.readouterr().out
