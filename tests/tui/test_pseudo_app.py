"""No word of the app escapes translation: with the pseudo-locale (GROWTHSIM_LANG=pseudo)
every translated string reads ⟦English⟧, so an English word outside the brackets on a
screen is one that did not go through the catalogue. The walk visits every mode's screen
and help, and reads every widget a person sees.

The editor's forms are read whole, section by section, scrolled out of view or not: their
field names, units, descriptions and paragraphs come from the model's schema and are
translated where shown (tui/schema_words.py).

Not checked, by the contract of docs/translating.md: data (scenario names, descriptions and
paths, numbers, dates), identifiers (KPI and scenario keys), and key names."""

import re
from pathlib import Path

import pytest
from rich.console import Console
from textual.content import Content
from textual.widgets import Button, DataTable, Input, OptionList, Static
from textual.widgets._footer import FooterKey
from textual_plotext import PlotextPlot

from tests.tui.conftest import BASE, MORE_AGENTS

SIZE = (160, 45)
SCHEMA_TEXT = ".name, .unit, .desc, .about, .group"   # the editor's texts from the model's schema
# Words that are data or identifiers, never translated.
ALLOWED = {"growthsim", "base", "more_agents", "lib", "yaml", "Enter", "Esc", "Ctrl", "Tab", "Shift", "UTC", "GMV",
           "KPI", "ROI", "NPS", "CLV", "CAC", "LTV", "HTML", "CSV", "Del", "esc", "enter", "del", "lessons", "agents",
           "before", "after", "md", "Up", "Down", "vs",
           "auto", "max", "min"}   # choice values, as on the command line (--model auto, --direction max)
DATA = [line.partition(": ")[2] for line in (BASE + MORE_AGENTS).splitlines() if line.startswith("description:")]
DATA += ["Agents in a hurry", "The tactic", "More agents.", "Ask the class", "Does it pay?"]   # the test lesson


def plain(renderable, width: int = 160) -> str:
    if isinstance(renderable, Content):
        return renderable.plain
    if isinstance(renderable, str):
        return renderable
    console = Console(width=width, record=True, file=open("/dev/null", "w"), color_system=None)
    console.print(renderable)
    return console.export_text()


def visible_texts(screen) -> list[str]:
    texts = []
    for widget in screen.walk_children():
        if not widget.region.area or not widget.display:
            continue
        if isinstance(widget, DataTable):
            texts += [plain(column.label) for column in widget.columns.values()]
            texts += [plain(cell) for row in range(widget.row_count) for cell in widget.get_row_at(row)]
        elif isinstance(widget, FooterKey):
            texts.append(widget.description)
        elif isinstance(widget, Button):
            texts.append(plain(widget.label))
        elif isinstance(widget, Input):
            texts.append(widget.placeholder)
        elif isinstance(widget, OptionList):
            texts += [plain(option.prompt) for option in widget.options]
        elif isinstance(widget, PlotextPlot):
            texts += [getattr(widget, "title", ""), getattr(widget, "xlabel", "")]
        elif isinstance(widget, Static):
            content = widget.content
            texts.append(Content.from_markup(content).plain if isinstance(content, str) else plain(content))
    return texts


def escaped(text: str) -> list[str]:
    """English words outside ⟦…⟧ (a bracket still open at the end marks the rest)."""
    for data in DATA:
        text = text.replace(data, "")
    outside = re.sub(r"⟦[^⟧]*(⟧|$)", " ", re.sub(r"\s+", " ", text))
    outside = re.sub(r"(\S+/\S+|\S+\.(yaml|json|csv|html|md)|\[/?\w*\])", " ", outside)   # paths, markup
    return [word for word in re.findall(r"[A-Za-z][A-Za-z_]+", outside) if word not in ALLOWED]


@pytest.fixture(autouse=True)
def pseudo(speak):
    speak("pseudo")


async def test_no_word_of_the_main_screens_escapes_translation(make_app):
    app = make_app()
    found: dict[str, set[str]] = {}

    async def look(where: str) -> None:
        await app.workers.wait_for_complete()
        for _ in range(3):
            await pilot.pause()
        for text in visible_texts(app.screen):
            for word in escaped(text):
                found.setdefault(where, set()).add(f"{word} in {text.strip()[:80]!r}")

    async with app.run_test(size=SIZE) as pilot:
        await look("library")
        await app.open_editor(Path("lib/more_agents.yaml"))
        await look("editor")
        for section in app.screen.sections:   # every form, all its rows (most are out of view)
            form = await app.screen.show_section(section.id)
            await pilot.pause()   # the form's checks run once its rows are composed
            for static in form.query(SCHEMA_TEXT):   # not a Select's value: a choice is an identifier
                for word in escaped(plain(static.content) if not isinstance(static.content, str)
                                    else Content.from_markup(static.content).plain):
                    found.setdefault(f"editor {section.id}", set()).add(f"{word} in {str(static.content)[:80]!r}")
        await pilot.press("f2", "r")
        await look("run")
        await pilot.press("f5")
        for tab in ("tab-kpis", "tab-charts", "tab-cohorts", "tab-funnel", "tab-growth", "tab-costs", "tab-money",
                    "tab-policies"):
            app.screen.query_one("TabbedContent").active = tab
            await look(f"results {tab}")
        await pilot.press("f2", "down", "c")
        await look("compare")
        app.screen.query_one("TabbedContent").active = "tab-charts"
        await look("compare charts")
        await pilot.press("f7")
        await look("lessons")
        await pilot.press("f8")
        await look("calibrate")
        await pilot.press("f9")
        await look("optimize")
        await pilot.press("f1")
        await look("help")
    assert not found, "\n".join(f"{where}: {hit}" for where, hits in found.items() for hit in sorted(hits))
