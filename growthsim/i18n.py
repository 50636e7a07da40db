"""The language growthsim speaks to a person: English or Simplified Chinese (docs/translating.md).

Words a person reads go through `_()` (or `ngettext`, or `pgettext` for a word with a
context, such as a KPI's name) and come from gettext catalogues in growthsim/locale,
managed with Babel. The language is, in this order: `--lang zh|en`, `GROWTHSIM_LANG`,
then the locale in gettext's order (`LANGUAGE`, `LC_ALL`, `LC_MESSAGES`, `LANG`); English
otherwise. What machines read (JSON keys, CSV/TSV columns, exit codes, and standard output
when it is not a terminal) stays English: see `english()`.

The kernel never imports this module: the language chosen here is installed in
`simulation.kernel.language`, which the reports (simulation/experiments) and the scenarios'
localized titles read, and the scenario loader, which shows the kernel's validators' messages
translated (`simulation.kernel.language.Refusal`).

    python -m growthsim.i18n update    extract the strings, merge them into each .po
    python -m growthsim.i18n compile   write the .mo files that ship in the wheel
"""

from __future__ import annotations

import argparse
import datetime
import gettext
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Mapping

from simulation.kernel import language as core

DOMAIN = "messages"
TUI_DOMAIN = "tui"   # the terminal app's words: a catalogue of their own (tui/), translated apart
MAPPINGS = {DOMAIN: "babel.cfg", TUI_DOMAIN: "babel-tui.cfg"}   # where each domain's strings are found
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = core.LANGUAGES
CATALOGUE_LOCALES = {"zh": "zh_CN"}   # a language of --lang and the catalogue that holds it
VARIABLE = "GROWTHSIM_LANG"
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")   # gettext's order
PSEUDO = core.PSEUDO   # GROWTHSIM_LANG=pseudo: every translated string shown as ⟦English⟧ (tests/test_i18n_pseudo.py)


class LanguageError(ValueError):
    """A language growthsim does not speak, asked for by --lang or GROWTHSIM_LANG."""


class PseudoTranslations(gettext.NullTranslations):
    """Marks each string that went through the catalogue, so that a test can find the text
    that did not: anything a person reads outside ⟦…⟧ escaped translation."""

    def gettext(self, message: str) -> str:
        return f"⟦{message}⟧"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return f"⟦{singular if n == 1 else plural}⟧"

    def pgettext(self, context: str, message: str) -> str:
        return f"⟦{message}⟧"


# The language and the CLI's catalogue are kept in simulation.kernel.language (the simulation
# layers read them there); the app's catalogue here.
_tui_translations: gettext.NullTranslations = gettext.NullTranslations()
_explicit = False   # chosen by --lang or GROWTHSIM_LANG (the app's remembered language yields to them)


def _language_of(value: str) -> str | None:
    """`zh_CN.UTF-8`, `zh-Hans`, `zh` -> zh; `en_GB`, `C`, `POSIX` -> en; others None."""
    code = value.split(".")[0].split("@")[0].replace("-", "_").lower()
    if code.startswith("zh"):   # the catalogue is Simplified Chinese: the nearest for any zh locale
        return "zh"
    if code.startswith("en") or code in ("c", "posix"):
        return "en"
    return None


def resolve(flag: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The language to speak: the flag, then GROWTHSIM_LANG (either must be one growthsim
    speaks: LanguageError), then the first locale variable set, as gettext reads them
    (LANGUAGE is a list separated by colons: its first language growthsim speaks)."""
    environ = os.environ if environ is None else environ
    for source, value in (("--lang", flag), (VARIABLE, environ.get(VARIABLE))):
        if value:
            if value == PSEUDO and source == VARIABLE:
                return PSEUDO
            language = _language_of(value)
            if language is None:
                raise LanguageError(f"{source} {value}: growthsim speaks {' or '.join(LANGUAGES)}")
            return language
    for variable in LOCALE_VARIABLES:
        value = environ.get(variable)
        if value:
            for entry in value.split(":") if variable == "LANGUAGE" else [value]:
                language = _language_of(entry)
                if language is not None:
                    return language
            return "en"   # gettext stops at the first variable set; a locale we lack reads English
    return "en"


def translations(language: str, domain: str = DOMAIN) -> gettext.NullTranslations:
    if language == PSEUDO:
        return PseudoTranslations()
    if language not in CATALOGUE_LOCALES:
        return gettext.NullTranslations()
    return gettext.translation(domain, LOCALE_DIR, languages=[CATALOGUE_LOCALES[language]], fallback=True)


def activate(language: str) -> None:
    """Speak `language` from now on (and argparse's own words too: usage, options, errors)."""
    global _tui_translations
    core.install(language, translations(language))
    _tui_translations = translations(language, TUI_DOMAIN)
    # argparse looks its words up through its module globals `_` and `ngettext` (gettext's
    # default domain, read from the environment, not from --lang): point them at ours.
    argparse._ = gettext_
    argparse.ngettext = ngettext


def take_flag(argv: list[str]) -> tuple[str | None, list[str]]:
    """`--lang X` or `--lang=X` wherever it is on the command line (before `--`), and the
    command line without it: a global flag, read before the parser is built in its language."""
    rest, flag, k = [], None, 0
    while k < len(argv):
        item = argv[k]
        if item == "--":
            rest += argv[k:]
            break
        if item == "--lang":
            if k + 1 >= len(argv):
                raise LanguageError(f"--lang: expected {' or '.join(LANGUAGES)}")
            flag, k = argv[k + 1], k + 2
            continue
        if item.startswith("--lang="):
            flag = item.partition("=")[2]
        else:
            rest.append(item)
        k += 1
    return flag, rest


def choose(argv: list[str]) -> list[str]:
    """Speak the language the command line and the environment ask for; returns the command
    line without `--lang`. LanguageError for a language growthsim does not speak."""
    global _explicit
    flag, rest = take_flag(argv)
    activate(resolve(flag))
    _explicit = bool(flag or os.environ.get(VARIABLE))
    return rest


def chosen_explicitly() -> bool:
    """Whether the language came from --lang or GROWTHSIM_LANG (by `choose`), not the locale."""
    return _explicit


def language() -> str:
    """The language being spoken: en, zh (or pseudo, in tests)."""
    return core.current()


@contextmanager
def english() -> Iterator[None]:
    """English for the block: standard output that is not a terminal is read by scripts."""
    global _tui_translations
    saved, saved_tui = (core.current(), core.catalogue()), _tui_translations
    core.install("en", gettext.NullTranslations())
    _tui_translations = gettext.NullTranslations()
    try:
        yield
    finally:
        core.install(*saved)
        _tui_translations = saved_tui


def gettext_(message: str) -> str:
    return core.catalogue().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return core.catalogue().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return core.catalogue().pgettext(context, message)


_ = gettext_


def tui_gettext(message: str) -> str:
    """A word of the terminal app, from its own catalogue (domain `tui`)."""
    return _tui_translations.gettext(message)


def tui_ngettext(singular: str, plural: str, n: int) -> str:
    return _tui_translations.ngettext(singular, plural, n)


def format_date(day: datetime.date) -> str:
    """A date in prose: 2025年11月11日 in Chinese, ISO (2025-11-11) in English. Tables keep
    ISO in both languages: it sorts, and its width does not change."""
    if core.current() == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return day.isoformat()


# --- the catalogues: extract, update, compile (docs/translating.md) -------------------------

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "messages.pot"


def template_of(domain: str) -> Path:
    return ROOT / f"{domain}.pot"


def po_of(domain: str, locale: str = "zh_CN") -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{domain}.po"


def _extract(domain: str = DOMAIN):
    """The strings of the domain's folders (as its mapping says: babel.cfg for growthsim/,
    babel-tui.cfg for tui/), and for growthsim's, argparse's own words."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir, extract_from_file

    from babel.messages.frontend import parse_mapping_cfg

    with open(ROOT / MAPPINGS[domain]) as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    from growthsim import __version__
    catalogue = Catalog(project="growthsim", version=__version__, copyright_holder="growthsim contributors",
                        msgid_bugs_address="", charset="utf-8")
    found = [(ROOT / path, line, message, comments, context)
             for path, line, message, comments, context in
             extract_from_dir(ROOT, method_map=method_map, options_map=options_map, keywords=DEFAULT_KEYWORDS)]
    if domain == DOMAIN:
        found += [(Path(argparse.__file__), line, message, comments, context)
                  for line, message, comments, context in extract_from_file("python", argparse.__file__)]
    for path, line, message, comments, context in found:
        where = os.path.relpath(path, ROOT) if Path(path).is_relative_to(ROOT) else "argparse.py"
        catalogue.add(message, None, [(where, line)], auto_comments=comments, context=context,
                      flags=("python-format",) if isinstance(message, str) and "%(" in message else ())
    return catalogue


def update() -> None:
    """Write each domain's .pot and merge it into every .po (new strings empty, old ones kept obsolete)."""
    for domain in MAPPINGS:
        _update(domain)


def _update(domain: str) -> None:
    from babel.messages.pofile import read_po, write_po

    template = _extract(domain)
    with open(template_of(domain), "wb") as handle:
        write_po(handle, template, omit_header=False, sort_by_file=True, width=100)
    for language, locale in CATALOGUE_LOCALES.items():
        po = po_of(domain, locale)
        if po.exists():
            with open(po, "rb") as handle:
                catalogue = read_po(handle, locale=locale)
            catalogue.update(template, no_fuzzy_matching=True)
        else:
            from babel.messages.catalog import Catalog
            catalogue = Catalog(locale=locale, project="growthsim", charset="utf-8")
            catalogue.update(template, no_fuzzy_matching=True)
        po.parent.mkdir(parents=True, exist_ok=True)
        with open(po, "wb") as handle:
            write_po(handle, catalogue, sort_by_file=True, width=100, include_previous=False)
        print(f"{po}: {sum(1 for m in catalogue if m.id and not m.string)} untranslated")


def compiled(po: Path) -> bytes:
    """The .mo of a .po, as `compile` writes it (tests/test_i18n.py checks the shipped one)."""
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(po, "rb") as handle:
        catalogue = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalogue, use_fuzzy=False)
    return buffer.getvalue()


def compile_catalogues() -> None:
    for domain in MAPPINGS:
        for locale in CATALOGUE_LOCALES.values():
            _compile(po_of(domain, locale))


def _compile(po: Path) -> None:
    if po.exists():
        po.with_suffix(".mo").write_bytes(compiled(po))
        print(f"wrote {po.with_suffix('.mo')}")


if __name__ == "__main__":
    commands = {"update": update, "compile": compile_catalogues}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        print("usage: python -m growthsim.i18n update|compile", file=sys.stderr)
        sys.exit(2)
    commands[sys.argv[1]]()
