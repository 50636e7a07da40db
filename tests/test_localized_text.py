"""A scenario's title and description: a string, or one per language, resolved by one function
(simulation.kernel.language.localized); every bundled scenario speaks English and Chinese."""

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from simulation.kernel.language import localized
from simulation.kernel.scenario import Scenario
from simulation.storage.loading import load_scenario

ROOT = Path(__file__).parent.parent
BUNDLED = sorted((ROOT / "scenarios").glob("*.yaml")) + sorted((ROOT / "scenarios" / "playbook").glob("*.yaml")) \
    + sorted((ROOT / "lessons").glob("*/*.yaml"))
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_a_text_in_the_language_asked_else_english_else_its_only_value():
    both = {"en": "Membership", "zh": "付费会员"}
    assert [localized(both, "zh"), localized(both, "en"), localized(both, "pseudo")] == ["付费会员", "Membership", "⟦Membership⟧"]
    assert localized({"zh": "只有中文"}, "en") == "只有中文"
    assert localized("plain", "zh") == "plain" and localized(None, "en") == ""


def test_a_language_growthsim_does_not_speak_or_a_control_character_is_refused():
    with pytest.raises(ValidationError, match="languages are en, zh; got fr"):
        Scenario(title={"fr": "Adhésion"})
    with pytest.raises(ValidationError, match="zh: has a control character U\\+001B"):
        Scenario(description={"en": "ok", "zh": "坏\x1b[2J"})


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_bundled_scenario_has_a_title_and_description_in_both_languages(path):
    scenario = load_scenario(path)
    for text in (scenario.title, scenario.description):
        assert isinstance(text, dict) and set(text) == {"en", "zh"}, path
        assert CHINESE.search(text["zh"]) and text["en"] != text["zh"], path


def test_a_title_is_not_inherited_and_a_description_is_replaced_whole(tmp_path):
    (tmp_path / "parent.yaml").write_text("schema_version: 2\nname: parent\ntitle: {en: Parent, zh: 父}\n"
                                          "description: {en: Parent's, zh: 父的}\n")
    (tmp_path / "child.yaml").write_text("schema_version: 2\nextends: parent.yaml\nname: child\n"
                                         "description: {en: The child's own}\n")
    child = load_scenario(tmp_path / "child.yaml")
    assert child.title == "" and child.description == {"en": "The child's own"}
    assert localized(child.description, "zh") == "The child's own"   # not the parent's Chinese


@pytest.mark.parametrize("lang, expected", [
    ("zh", ["--set: horizon_days: 应大于或等于 1（实际为 0）", "--set: strategies.logistics.enabld: 未知的键 'enabld'；你是指 'enabled' 吗？"]),
    ("en", ["--set: horizon_days: Input should be greater than or equal to 1 (got 0)",
            "--set: strategies.logistics.enabld: unknown key 'enabld'; did you mean 'enabled'?"]),
])
def test_the_loaders_messages_in_the_language_spoken_and_english_as_pydantic_words_it(lang, expected, capsys):
    from growthsim import i18n
    from growthsim.cli import main
    try:
        assert main(["--lang", lang, "run", "baseline", "--set", "horizon_days=0",
                     "--set", "strategies.logistics.enabld=1"]) == 2
    finally:
        i18n.activate("en")
    shown = " ".join(capsys.readouterr().err.split())
    for line in expected:
        assert " ".join(line.split()) in shown
