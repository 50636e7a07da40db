"""Reports in Chinese: the page's words from the catalogue, charts drawn with a CJK font when
one is installed, and English chart words with a note (and a warning) when none is."""

import re
from pathlib import Path

import pytest

from growthsim import i18n
from growthsim.cli import main
from simulation.experiments import report_page

BASELINE = Path(__file__).parent.parent / "scenarios" / "baseline.yaml"
SMALL = ["--set", "horizon_days=40", "--set", "market.size=20000", "--set", "market.initial_shoppers=2000",
         "--replications", "2", "--jobs", "1"]


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("zh") / "run"
    assert main(["run", str(BASELINE), *SMALL, "--out", str(out)]) == 0
    return out


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    i18n.activate("en")


@pytest.mark.filterwarnings("ignore:Glyph")   # the stand-in font has no Chinese glyphs
def test_a_report_in_chinese_with_a_cjk_font(run_folder, monkeypatch, capsys):
    monkeypatch.setattr(report_page, "cjk_font", lambda: "DejaVu Sans")   # stands in for an installed CJK font
    assert main(["--lang", "zh", "report", str(run_folder), "--out", str(run_folder / "zh.html")]) == 0
    page = (run_folder / "zh.html").read_text()
    assert '<html lang="zh-CN">' in page
    assert re.findall(r"<h2>(.*?)</h2>", page)[:3] == ["指标", "增长", "活跃用户数"]
    assert "<td>笔单价</td>" in page and "growthsim 运行：baseline" in page
    assert "图表使用英文标注" not in page and "fonts-noto-cjk" not in capsys.readouterr().err
    assert "整个运行期的转化漏斗" in " ".join(re.findall(r"<!-- (.*?) -->", page))   # the charts' words too


def test_without_a_cjk_font_the_charts_keep_english_and_say_so(run_folder, monkeypatch, capsys):
    monkeypatch.setattr(report_page, "cjk_font", lambda: None)
    assert main(["--lang", "zh", "report", str(run_folder), "--out", str(run_folder / "plain.html")]) == 0
    page = (run_folder / "plain.html").read_text()
    assert "图表使用英文标注" in page and "<h2>指标</h2>" in page   # the page's words are Chinese still
    assert "fonts-noto-cjk" in capsys.readouterr().err
    # matplotlib writes each label as an SVG comment: English, never glyphs the fonts lack
    labels = " ".join(re.findall(r"<!-- (.*?) -->", page))
    assert "Funnel over the run" in labels and not re.search(r"[\u4e00-\u9fff]", labels)


def test_english_reports_are_unchanged_by_the_font_lookup(run_folder, monkeypatch):
    monkeypatch.setattr(report_page, "cjk_font", lambda: None)
    assert main(["report", str(run_folder), "--out", str(run_folder / "en.html")]) == 0
    page = (run_folder / "en.html").read_text()
    assert '<html lang="en">' in page and "<h2>KPIs</h2>" in page and "fonts-noto-cjk" not in page
