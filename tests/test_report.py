"""growthsim report: a self-contained page with every chart, for a run and a compare."""

import json
import re
from pathlib import Path

from growthsim.cli import main
from simulation.kernel.currency import format_money
from simulation.storage.history import History

BASELINE = Path(__file__).parent.parent / "scenarios" / "baseline.yaml"
SMALL = ["--set", "horizon_days=70", "--set", "market.size=20000", "--set", "market.initial_shoppers=2000",
         "--replications", "2", "--jobs", "1"]


def sections(page: str) -> list[str]:
    return re.findall(r"<h2>(.*?)</h2>", page)


def test_a_run_report_has_every_chart_inline(tmp_path):
    out = tmp_path / "run"
    assert main(["run", str(BASELINE), *SMALL, "--out", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert sections(page) == ["KPIs", "Growth", "Active shoppers", "Revenue and cost", "Cohort retention",
                              "Funnel", "Growth accounting"]
    assert page.count("<svg") == 6
    assert not re.search(r'(src|href)\s*=\s*"(https?:|//)', page)   # self-contained: nothing to fetch


def test_a_report_from_a_history_id(tmp_path):
    out = tmp_path / "run"
    assert main(["run", str(BASELINE), *SMALL, "--out", str(out)]) == 0
    record = History().list()[0]
    assert main(["report", str(record.id), "--out", str(tmp_path / "r.html")]) == 0
    assert "Cohort retention" in (tmp_path / "r.html").read_text()


def test_a_compare_report_shows_differences_and_overlays(tmp_path):
    out = tmp_path / "cmp"
    assert main(["compare", str(BASELINE), str(BASELINE), *SMALL, "--set", "strategies.service_quality.agents=2",
                 "--out", str(out)]) == 0
    assert (out / "0-baseline" / "timeseries.csv").exists() and (out / "1-baseline" / "summary.json").exists()
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert sections(page) == ["Figures", "Return on investment", "KPI differences", "Shoppers acquired",
                              "Active shoppers", "Revenue per day (7-day average)"]
    assert page.count("<svg") == 4


def figures(page: str) -> dict[str, list[str]]:
    """The figures table: KPI -> its cells."""
    table = re.search(r'<table class="figures">(.*?)</table>', page, re.S).group(1)
    rows = [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", table)]
    return {cells[0]: cells[1:] for cells in rows if cells}


def test_a_comparison_made_without_a_folder_is_reported_later_from_the_history(tmp_path, monkeypatch, capsys):
    membership = BASELINE.parent / "membership.yaml"
    assert main(["compare", str(BASELINE), str(membership), *SMALL, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    record = History().list(1)[0]
    assert record.kind == "compare" and record.out_dir is None
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(record.id)]) == 0
    page = (tmp_path / f"compare-{record.id}-report.html").read_text()
    assert sections(page)[:2] == ["Figures", "Return on investment"] and page.count("<svg") == 4
    table = figures(page)
    gmv = next(r for r in printed["rows"] if r["kpi"] == "gmv" and r["diff_mean"] is not None)
    base, plan, difference, percent = table["gmv"]
    assert base.startswith("¥") and "," in base                         # money in the scenario's currency
    assert difference.startswith(format_money(gmv["diff_mean"], "CNY", signed=True) + " [")
    assert percent == f"{gmv['diff_pct']:+.1f} %"
    assert table["membership_fee_revenue"][3] == "n/a (baseline ≤ 0)"   # the baseline has no members
    assert "membership" in page.split("Return on investment")[1]
    # Again: the report it wrote is replaced; an unknown id is bad input.
    assert main(["report", str(record.id)]) == 0
    assert main(["report", "999999"]) == 2
    assert "neither a folder nor a history id" in capsys.readouterr().err


def test_nothing_to_report_is_bad_input(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "no summary.json" in capsys.readouterr().err
    assert main(["report", "12345"]) == 2


def test_a_run_folder_with_a_torn_summary_is_bad_input(tmp_path, capsys):
    """Found by tests/test_properties_cli.py (issue 15, item 5): `report` on a run folder whose
    summary.json was cut short crashed with JSONDecodeError (exit 3)."""
    out = tmp_path / "run"
    assert main(["run", str(BASELINE), *SMALL, "--out", str(out)]) == 0
    for damage in ('{"kpis": [', "[]", '{"scenario": "x"}'):
        (out / "summary.json").write_text(damage)
        assert main(["report", str(out)]) == 2
        err = capsys.readouterr().err
        assert str(out) in err and "damaged" in err and "Traceback" not in err
