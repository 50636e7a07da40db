"""The app's catalogue, the `tui` domain (tui.po beside messages.po, docs/translating.md):
compiled, complete, and every translation with the placeholders and markup of its English."""

import fnmatch
import gettext
import io
import re
import string
import tomllib
from pathlib import Path

from babel.messages.pofile import read_po

from growthsim import i18n

ROOT = Path(__file__).resolve().parent.parent
PO = i18n.po_of(i18n.TUI_DOMAIN)


def catalogue():
    with open(PO, "rb") as handle:
        return read_po(handle)


def test_the_shipped_tui_mo_is_compiled_from_the_po():
    shipped = gettext.GNUTranslations(open(PO.with_suffix(".mo"), "rb"))
    fresh = gettext.GNUTranslations(io.BytesIO(i18n.compiled(PO)))
    assert shipped._catalog == fresh._catalog, "run: python -m growthsim.i18n compile"


def test_the_tui_catalogue_holds_every_string_of_the_app():
    in_code = {(m.context, m.id) for m in i18n._extract(i18n.TUI_DOMAIN) if m.id}
    in_po = {(m.context, m.id) for m in catalogue() if m.id}
    assert in_code, "babel-tui.cfg finds no string in tui/"
    assert in_code - in_po == set(), "run: python -m growthsim.i18n update, then translate tui.po"


def test_the_app_and_the_cli_keep_their_catalogues_apart():
    in_tui = {m.id for m in i18n._extract(i18n.TUI_DOMAIN) if m.id}
    locations = {where for m in i18n._extract(i18n.DOMAIN) for where, _ in m.locations}
    assert not any(where.startswith("tui/") for where in locations)
    assert "Scenario library. Pick a scenario: [b]Enter[/] opens it in the editor, [b]R[/] runs it, " \
           "[b]C[/] compares it with the scenario it extends." in in_tui


def test_the_wheel_ships_the_tui_catalogue():
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = settings["tool"]["setuptools"]["package-data"]["growthsim"]
    mo = PO.with_suffix(".mo").relative_to(ROOT / "growthsim").as_posix()
    assert any(fnmatch.fnmatch(mo, pattern) for pattern in patterns)


def _fields(text: str) -> list[str]:
    return sorted(f"{{{name}}}" for _, name, _, _ in string.Formatter().parse(text) if name is not None)


def _markup(text: str) -> list[str]:
    return sorted(re.findall(r"\[/?[a-z@]*\]", text))


def test_every_string_of_the_app_is_translated_with_the_same_placeholders_and_markup():
    for message in catalogue():
        if not message.id:
            continue
        english = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"untranslated: {message.id!r}"
        for translated in strings:
            assert _fields(translated) == _fields(english), (english, translated)
            assert _markup(translated) == _markup(english), (english, translated)


def test_the_app_speaks_chinese_with_the_glossarys_terms():
    try:
        i18n.activate("zh")
        from tui.kpis import label, money
        from tui.words import _
        assert _("F2 Library") == "F2 场景库" and _("Compare") == "对比" and _("Results") == "结果"
        assert label("aov") == "笔单价" and label("spend_per_buyer") == "客单价"
        assert money(123_456, "CNY") == "¥12.3万"
        from tui.schema_words import field_label, schema_text   # the editor's words from the schema
        assert schema_text(field_label("budget_per_day")) == "日预算" and schema_text("") == ""
        from tui.calibrate_request import CalibrateRequest   # the forms' field help (tooltips)
        assert schema_text(CalibrateRequest.model_fields["file"].description).startswith("订单导出文件")
        from simulation.experiments.compare import percent_text   # the comparison table's n/a reasons
        assert percent_text({"diff_pct": None, "diff_pct_reason": "baseline undefined"}, narrow=True) == "无（无定义）"
        from simulation.experiments.optimize_spec import verdict_text   # a constraint's verdict
        assert verdict_text("violated") != "violated"
    finally:
        i18n.activate("en")
    assert label("aov") == "Order value (AOV)" and money(123_456, "CNY") == "¥123,456"
