"""Chinese and English (docs/translating.md): the language chosen, the catalogues up to date
and consistent, money in 万, and what scripts read (JSON, piped tables) the same in both."""

import gettext
import os
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from rich.cells import cell_len
from rich.console import Console

from growthsim import i18n
from growthsim.arguments import wrap_cells
from growthsim.terms import KPI_IDENTIFIERS, STRATEGY_IDENTIFIERS, kpi_label
from simulation.kernel.currency import format_money
from simulation.kernel.registry import registry

ROOT = Path(__file__).parent.parent
PO = ROOT / "growthsim" / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
SMALL = ["--set", "horizon_days=40", "--set", "market.size=20000", "--set", "market.initial_shoppers=2000",
         "--replications", "2", "--jobs", "1"]


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    i18n.activate("en")


def catalogue():
    with open(PO, "rb") as handle:
        return read_po(handle)


# --- which language -------------------------------------------------------------------------

@pytest.mark.parametrize("flag, environ, expected", [
    (None, {}, "en"),
    ("zh", {"GROWTHSIM_LANG": "en", "LANG": "en_US.UTF-8"}, "zh"),          # the flag first
    (None, {"GROWTHSIM_LANG": "zh", "LANGUAGE": "en"}, "zh"),                # then GROWTHSIM_LANG
    (None, {"LANGUAGE": "fr:zh_CN:en", "LANG": "en_US.UTF-8"}, "zh"),       # LANGUAGE: the first we speak
    (None, {"LANGUAGE": "", "LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),   # empty is unset
    (None, {"LC_ALL": "C", "LC_MESSAGES": "zh_CN.UTF-8"}, "en"),             # the first set decides
    (None, {"LC_MESSAGES": "zh_TW.UTF-8", "LANG": "en_GB.UTF-8"}, "zh"),
    (None, {"LANG": "zh_CN.GB18030"}, "zh"),
    (None, {"LANG": "fr_FR.UTF-8"}, "en"),                                   # a locale we lack: English
])
def test_the_language_comes_from_the_flag_then_the_variable_then_the_locale(flag, environ, expected):
    assert i18n.resolve(flag, environ) == expected


@pytest.mark.parametrize("flag, environ", [("fr", {}), (None, {"GROWTHSIM_LANG": "klingon"})])
def test_a_language_asked_for_that_growthsim_does_not_speak_is_bad_input(flag, environ):
    with pytest.raises(i18n.LanguageError, match="en or zh"):
        i18n.resolve(flag, environ)


def test_lang_is_taken_wherever_it_is_on_the_line_but_not_after_double_dash():
    assert i18n.take_flag(["run", "x", "--lang", "zh", "--json"]) == ("zh", ["run", "x", "--json"])
    assert i18n.take_flag(["--lang=en", "run"]) == ("en", ["run"])
    assert i18n.take_flag(["run", "--", "--lang", "zh"]) == (None, ["run", "--", "--lang", "zh"])
    with pytest.raises(i18n.LanguageError):
        i18n.take_flag(["run", "--lang"])


def test_a_bad_language_exits_2_with_a_message(capsys):
    from growthsim.cli import main
    assert main(["--lang", "fr", "strategies"]) == 2
    assert "--lang fr" in capsys.readouterr().err


# --- the catalogues -------------------------------------------------------------------------

def test_the_shipped_mo_is_compiled_from_the_po():
    """The .mo is committed (an editable install reads it too): stale after an edit of the
    .po until `python -m growthsim.i18n compile`."""
    shipped = gettext.GNUTranslations(open(PO.with_suffix(".mo"), "rb"))
    import io
    fresh = gettext.GNUTranslations(io.BytesIO(i18n.compiled(PO)))
    assert shipped._catalog == fresh._catalog, "run: python -m growthsim.i18n compile"


def test_the_catalogue_holds_every_string_of_the_code():
    """A string added or changed in growthsim/ without `python -m growthsim.i18n update`
    (and its translation) fails here."""
    in_code = {(m.context, m.id) for m in i18n._extract() if m.id}
    in_po = {(m.context, m.id) for m in catalogue() if m.id}
    assert in_code - in_po == set(), "run: python -m growthsim.i18n update, then translate"


def test_the_wheel_ships_the_compiled_catalogues():
    import fnmatch
    import tomllib
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = settings["tool"]["setuptools"]["package-data"]["growthsim"]
    mo = PO.with_suffix(".mo").relative_to(ROOT / "growthsim").as_posix()
    assert any(fnmatch.fnmatch(mo, pattern) for pattern in patterns)
    assert any(d.startswith("babel") for d in settings["project"]["dependencies"])


def _fields(text: str) -> list[str]:
    braces = sorted(f"{{{name}{'!' + conv if conv else ''}{':' + spec if spec else ''}}}"
                    for _, name, spec, conv in string.Formatter().parse(text) if name is not None)
    return braces + sorted(re.findall(r"%(?:\(\w+\))?[sdr]", text))


def test_every_string_of_growthsim_is_translated_with_the_same_placeholders():
    for message in catalogue():
        if not message.id or any(where == "argparse.py" for where, _ in message.locations):
            continue   # argparse's words are translated where a person meets them (usage, errors)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"untranslated: {message.id!r}"
        for translated in strings:
            assert _fields(translated) == _fields(ids[0]), (message.id, translated)
            if "%%" in ids[0]:   # an argparse help string: a lone % would break its formatting
                assert "%" not in translated.replace("%%", ""), translated


def test_every_kpi_and_strategy_has_its_chinese_term_and_the_glossary_agrees():
    """The registry's KPIs and strategies are all in growthsim/terms.py, and docs/glossary.md
    gives each the catalogue's term: one term per KPI, wherever it is read."""
    assert set(registry().kpi_names) <= set(KPI_IDENTIFIERS)
    assert {p.name for p in registry().plugins} <= set(STRATEGY_IDENTIFIERS)
    glossary = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    terms = {(m.context, m.id): m.string for m in catalogue() if m.context in ("KPI", "strategy")}
    for (context, name), term in terms.items():
        assert term and term != name, name
        row = next((line for line in glossary.splitlines() if line.startswith(f"| `{name}` |")), None)
        assert row is not None, f"docs/glossary.md has no row for {context} {name}"
        assert f"| {term} |" in row, f"docs/glossary.md: {name} should read {term}"


@pytest.mark.parametrize("term", ["笔单价", "客单价", "复购率", "流失率", "净推荐值 NPS", "获客成本 CAC", "贡献利润", "满减",
                                  "秒杀", "直播带货"])
def test_the_established_terms_are_the_ones_used(term):
    assert any(term in m.string for m in catalogue() if m.context in ("KPI", "strategy"))   # 流失率 in 月流失率


def test_chinese_kpi_labels_and_english_identifiers():
    assert kpi_label("aov") == "aov"
    i18n.activate("zh")
    assert (kpi_label("aov"), kpi_label("spend_per_buyer"), kpi_label("a_plugins_own_kpi")) == \
        ("笔单价", "客单价", "a_plugins_own_kpi")


# --- numbers --------------------------------------------------------------------------------

@pytest.mark.parametrize("amount, english, chinese", [
    (12.345, "¥12.35", "¥12.35"), (1234, "¥1,234", "¥1,234"), (12_345, "¥12,345", "¥1.23万"),
    (99_999, "¥99,999", "¥10.0万"), (123_456, "¥123,456", "¥12.3万"), (-123_456, "-¥123,456", "-¥12.3万"),
    (123_456_789, "¥123,456,789", "¥1.23亿"), (None, "-", "-"),
])
def test_money_in_wan_for_a_chinese_reader_and_english_unchanged(amount, english, chinese):
    assert format_money(amount) == english
    assert format_money(amount, wan=True) == chinese


def test_dates_in_chinese_prose():
    import datetime
    i18n.activate("zh")
    assert i18n.format_date(datetime.date(2025, 11, 11)) == "2025年11月11日"
    i18n.activate("en")
    assert i18n.format_date(datetime.date(2025, 11, 11)) == "2025-11-11"


# --- wide characters ------------------------------------------------------------------------

def test_help_wraps_chinese_by_columns():
    text = "用订单导出文件（CSV、TSV、gzip、.xlsx、Parquet）拟合 BG/NBD、Pareto/NBD 模型" * 3
    lines = wrap_cells(text, 40)
    assert all(cell_len(line) <= 40 for line in lines) and "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_the_kpi_table_in_chinese_aligns_at_100_columns():
    """rich measures a cell by the columns its characters take: every line of the table is
    as wide as the others, within 100 columns, and its column rules line up."""
    from growthsim.cli import kpi_table
    from simulation.experiments.replicate import run_replications
    from simulation.storage.loading import load_scenario

    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml", SMALL[1:6:2])
    result = run_replications(scenario, replications=2, jobs=1)
    i18n.activate("zh")
    console = Console(width=100, record=True, force_terminal=True, color_system=None)
    console.print(kpi_table(result))
    text = console.export_text()
    lines = [line for line in text.splitlines() if line.strip()]
    body = [line for line in lines if line.lstrip().startswith(("│", "┃", "┏", "┡", "└", "┗", "├"))]
    assert len(body) > 40 and {cell_len(line) for line in body} == {cell_len(body[0])} and cell_len(body[0]) <= 100

    def rules(line: str) -> list[int]:
        return [cell_len(line[:k]) for k, c in enumerate(line) if c in "│┃┼╇┿┯┳┻┷┴╋"]
    assert len({tuple(rules(line)) for line in body if line.lstrip()[0] in "│┃"}) == 1
    assert "笔单价" in text and "万" in text


# --- what scripts read ----------------------------------------------------------------------

def _growthsim(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("TTY_COMPATIBLE", "FORCE_COLOR")}
    return subprocess.run([sys.executable, "-m", "growthsim", *args], capture_output=True,
                          env={**environ, **(env or {}), "COLUMNS": "100"}, cwd=ROOT, timeout=600)


@pytest.mark.parametrize("args", [
    ["run", "baseline", *SMALL, "--json"],
    ["run", "baseline", *SMALL],                     # piped: tab-separated, English
    ["strategies", "--json"],
    ["strategies"],
])
def test_json_and_piped_output_are_the_same_bytes_in_chinese_and_english(args):
    english = _growthsim("--lang", "en", *args)
    chinese = _growthsim("--lang", "zh", *args)
    assert english.returncode == chinese.returncode == 0, chinese.stderr.decode()
    assert english.stdout == chinese.stdout
    assert english.stdout.strip()


def test_a_terminal_reads_chinese_and_errors_are_chinese_with_exit_2():
    shown = _growthsim("--lang", "zh", "run", "baseline", *SMALL, env={"TTY_COMPATIBLE": "1", "NO_COLOR": "1"})
    assert shown.returncode == 0
    assert "笔单价" in shown.stdout.decode() and "均值" in shown.stdout.decode()
    bad = _growthsim("run", "no-such-scenario", env={"LANG": "zh_CN.UTF-8", "LANGUAGE": "", "LC_ALL": ""})
    assert bad.returncode == 2
    assert "此处没有该文件" in bad.stderr.decode() and "Traceback" not in bad.stderr.decode()


def test_a_check_verdict_reads_chinese_for_a_person_and_stays_english_for_json():
    import numpy as np

    from simulation.experiments.check import judge_bound
    from simulation.kernel.expectations import Bounds

    verdict = judge_bound("orders", Bounds(min=10.0), np.array([1.0, 2.0, 3.0]))
    try:
        i18n.activate("zh")
        assert verdict.text().startswith("orders 应至少为 10：其 2（95% 置信区间")
    finally:
        i18n.activate("en")
    assert verdict.text() == verdict.message
    assert verdict.message.startswith("orders should be at least 10: its 2 (95 % CI")


def test_the_order_exports_reading_report_reads_chinese(tmp_path):
    from simulation.storage.order_export import read_orders

    path = tmp_path / "orders.csv"
    path.write_text("customer_id,order_date,amount\nc1,2025-01-02,10\n,2025-01-03,5\n" +
                    "".join(f"c{k},2025-01-0{1 + k % 9},{k}\n" for k in range(2, 200)))
    report = read_orders(path).report
    try:
        i18n.activate("zh")
        lines = report.lines()
    finally:
        i18n.activate("en")
    assert lines[0].startswith("已读取") and any("缺少顾客" in line for line in lines), lines
    assert report.lines()[0].startswith("Read ")


def test_a_validators_message_reads_chinese_in_a_files_errors(tmp_path):
    from simulation.storage.loading import ScenarioError, load_scenario

    path = tmp_path / "bad.yaml"
    path.write_text("schema_version: 2\nname: bad\npolicies:\n"
                    "  - {name: p, metric: orders, set: strategies.service_quality.agents, to: 3}\n")
    said = {}
    for language in ("zh", "en"):
        try:
            i18n.activate(language)
            with pytest.raises(ScenarioError) as error:
                load_scenario(path)
            said[language] = str(error.value)
        finally:
            i18n.activate("en")
    assert "'above' 和 'below' 须且只须给出一个" in said["zh"]
    assert "give exactly one of 'above' or 'below'" in said["en"]
