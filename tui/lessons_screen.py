"""Lessons: a guided walk through each tactic, in order; each plays its before/after
pair as a comparison, with the KPIs to look at marked."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.widgets import Button, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from tui.base import ModeScreen
from tui.kpis import label
from tui.lessons import Lesson, find_lessons
from tui.words import N_, _
from growthsim.i18n import language
from growthsim.terms import strategy_label


QUESTION_HEADING = "## Ask the class"


def split_question(body: str) -> tuple[str, str]:
    """The lesson's text, and its closing question for the class (its section, heading
    included; empty when the lesson has none)."""
    at = body.find(QUESTION_HEADING)
    if at < 0:
        return body, ""
    end = body.find("\n## ", at + len(QUESTION_HEADING))
    if end < 0:
        return body[:at].rstrip() + "\n", body[at:].strip()
    return body[:at] + body[end + 1:], body[at:end].strip()


class LessonsScreen(ModeScreen):
    MODE = "lessons"
    BINDINGS = [
        Binding("ctrl+r", "play", N_("Play before/after"), priority=True),
        Binding("n", "next", N_("Next")),
        Binding("p", "previous", N_("Previous")),
        Binding("b", "open('before')", N_("Open before"), show=False),
        Binding("a", "open('after')", N_("Open after"), show=False),
    ]
    CSS_PATH = "lessons.tcss"

    index: reactive[int] = reactive(0, init=False, always_update=True)   # the lesson shown

    def __init__(self) -> None:
        super().__init__()
        self.lessons: list[Lesson] = []
        self.problems: list[str] = []

    def body(self) -> ComposeResult:
        with Horizontal(id="panes"):
            yield OptionList(id="lesson-list")
            with Vertical(id="lesson"):
                # The text scrolls; the question for the class stays below it, whole, at
                # any height of the terminal: it is what the lesson leads to.
                with VerticalScroll(id="lesson-scroll"):
                    yield Markdown("", id="lesson-text")
                yield Markdown("", id="question")
                yield Static("", id="files")
        with Horizontal(id="buttons"):
            yield Button(_("Play before/after"), id="play", variant="success", compact=True,
                         tooltip=_("Compare the two scenarios with the same seeds (Ctrl+R)"))
            yield Button(_("Open before"), id="before", compact=True, tooltip=_("The platform without the tactic (B)"))
            yield Button(_("Open after"), id="after", compact=True, tooltip=_("The tactic switched on (A)"))
            yield Button(_("Previous"), id="previous", compact=True, tooltip="P")
            yield Button(_("Next"), id="next", compact=True, tooltip="N")

    def on_mount(self) -> None:
        self.lessons, self.problems = find_lessons(self.gs.lessons_dir)
        options = self.query_one("#lesson-list", OptionList)
        for index, lesson in enumerate(self.lessons, start=1):
            options.add_option(Option(f"{index}. {lesson.title}", id=lesson.slug))
        if self.lessons:
            options.highlighted = 0
            self.show(0)
        else:
            self.query_one("#lesson-text", Markdown).update(
                "# " + _("No lessons") + "\n\n" + "\n".join(f"- {p}" for p in self.problems))
        options.focus()

    @on(OptionList.OptionHighlighted, "#lesson-list")
    def chosen(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index != self.index:
            self.show(event.option_index)

    def show(self, index: int) -> None:
        self.index = index

    def watch_index(self, index: int) -> None:
        lesson = self.lessons[index]
        strategy = lesson.strategy.replace('_', ' ') if language() == "en" else strategy_label(lesson.strategy)
        header = f"# {index + 1}. {lesson.title}\n\n*" + _("Strategy: {name}").format(name=strategy) + "*\n\n"
        text, question = split_question(lesson.body)
        self.query_one("#lesson-text", Markdown).update(header + text)
        self.query_one("#lesson-scroll", VerticalScroll).scroll_home(animate=False)
        question_widget = self.query_one("#question", Markdown)
        question_widget.update(question)
        question_widget.display = bool(question)
        watch = ", ".join(label(k) for k in lesson.watch)
        self.query_one("#files", Static).update(
            _("before: {before}\nafter:  {after}").format(before=lesson.before, after=lesson.after)
            + ("\n" + _("watch:  {kpis}").format(kpis=watch) if watch else ""))

    @property
    def lesson(self) -> Lesson | None:
        return self.lessons[self.index] if self.lessons else None

    def _move(self, step: int) -> None:
        if self.lessons:
            index = max(0, min(len(self.lessons) - 1, self.index + step))
            self.query_one("#lesson-list", OptionList).highlighted = index
            self.show(index)

    def action_next(self) -> None:
        self._move(1)

    def action_previous(self) -> None:
        self._move(-1)

    async def action_play(self) -> None:
        lesson = self.lesson
        if lesson is not None:
            await self.gs.open_compare([lesson.before, lesson.after], start=True, focus=lesson.watch)
            compare = self.app.screen
            if hasattr(compare, "query_one") and lesson.chart:
                from textual.widgets import Select
                try:
                    compare.query_one("#series", Select).value = lesson.chart
                except Exception:
                    pass

    async def action_open(self, which: str) -> None:
        lesson = self.lesson
        if lesson is not None:
            await self.gs.open_editor(lesson.before if which == "before" else lesson.after)

    @on(Button.Pressed)
    async def button(self, event: Button.Pressed) -> None:
        name = event.button.id or ""
        await self.run_action(f"open('{name}')" if name in ("before", "after") else name)
