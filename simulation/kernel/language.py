"""The words of a person-facing text in the language the command line chose (docs/translating.md).

Two things every layer may need without importing the CLI (growthsim/), which chooses the
language: a scenario's `title`/`description`, written as a string or as `{en: ..., zh: ...}`,
resolved by `localized`; and the catalogue that translates the words of the reports built in
simulation/experiments, installed here by `growthsim.i18n.activate`. Nothing is installed
when simulation is used as a library: English.
"""

from __future__ import annotations

import gettext as _gettext
from typing import Mapping, Union

LocalizedText = Union[str, dict[str, str]]   # "text" or {en: "text", zh: "文字"}
LANGUAGES = ("en", "zh")   # the languages growthsim speaks (growthsim.i18n reads them here)
FALLBACK = "en"
PSEUDO = "pseudo"   # GROWTHSIM_LANG=pseudo (tests/test_i18n_pseudo.py): what is translated, in ⟦brackets⟧

_language = "en"
_translations: _gettext.NullTranslations = _gettext.NullTranslations()


def localized(text: str | Mapping[str, str] | None, language: str | None = None) -> str:
    """`text` in `language` (the one installed when None); else in English; else its only
    (or first) value. A plain string is the same in every language."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    language = current() if language is None else language
    if language == PSEUDO:
        return f"⟦{localized(text, FALLBACK)}⟧"
    for key in (language, FALLBACK):
        if text.get(key):
            return text[key]
    return next((value for value in text.values() if value), "")


def install(language: str, translations: _gettext.NullTranslations) -> None:
    """The language and catalogue growthsim.i18n chose: read by `localized` and `_`."""
    global _language, _translations
    _language, _translations = language, translations


def current() -> str:
    return _language


def catalogue() -> _gettext.NullTranslations:
    return _translations


def _(message: str) -> str:
    return _translations.gettext(message)


def term(context: str, identifier: str) -> str:
    """A KPI's or strategy's name (context KPI or strategy): the glossary's term in Chinese, the
    identifier in English and for a plugin's own (growthsim.terms lists them for the catalogue)."""
    return _translations.pgettext(context, identifier)


def N_(message: str) -> str:
    """Marks a string for the catalogue without translating it here: translated where it is
    shown (a chart's word through report_page.chart_, a heading through `_`)."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.ngettext(singular, plural, n)


class Refusal(ValueError):
    """A validator's refusal: `str()` is the English sentence (what pydantic and a library user
    see), `translated()` the same in the language spoken, for a person reading a file's errors
    (simulation/storage/loading.py). `template` is marked with N_ where it is raised."""

    def __init__(self, template: str, **fields: object) -> None:
        self.template, self.fields = template, fields
        super().__init__(template.format(**fields))

    def translated(self) -> str:
        return _(self.template).format(**self.fields)
