"""Lessons: one per strategy, in order, each a pair of scenario files that load; a
lesson plays its before/after comparison with its KPIs marked."""

import pytest
from textual.widgets import DataTable, Markdown, OptionList

from simulation.storage.loading import load_scenario
from simulation.kernel.scenario import Strategies
from tui.app import BUNDLED_LESSONS
from tui.compare import CompareScreen
from tui.editor import EditorScreen
from tui.lessons import find_lessons, read_extends_chain
from tui.lessons_screen import LessonsScreen

SIZE = (100, 30)
SECTIONS = ("## The tactic", "## The mechanism in the model", "## What to look at", "## Ask the class")


def test_bundled_lessons_are_complete_and_their_scenarios_load():
    lessons, problems = find_lessons(BUNDLED_LESSONS)
    assert not problems
    assert lessons
    for lesson in lessons:
        for heading in SECTIONS:
            assert heading in lesson.body, (lesson.slug, heading)
        before, after = load_scenario(lesson.before), load_scenario(lesson.after)
        assert read_extends_chain(lesson.after)[0] == lesson.before.resolve()
        assert before != after
        assert lesson.strategy in Strategies.model_fields


def test_every_lesson_in_chinese_runs_the_same_scenarios():
    """lesson.zh.md: the same front matter but the title, the four sections in Chinese."""
    english, chinese = find_lessons(BUNDLED_LESSONS, "en")[0], find_lessons(BUNDLED_LESSONS, "zh")
    assert not chinese[1] and len(chinese[0]) == len(english)
    for en, zh in zip(english, chinese[0]):
        assert (zh.strategy, zh.before, zh.after, zh.watch, zh.chart) == (en.strategy, en.before, en.after, en.watch, en.chart)
        assert zh.title != en.title and "## The tactic" not in zh.body
        for heading in ("## 策略", "## 模型中的机制", "## 看什么", "## 课堂讨论"):
            assert heading in zh.body, (zh.slug, heading)


def test_a_lesson_for_each_strategy():
    taught = [lesson.strategy for lesson in find_lessons(BUNDLED_LESSONS)[0]]
    assert set(taught) == set(Strategies.model_fields)


async def test_play_a_lesson_in_order(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f7")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonsScreen)
        assert screen.lesson.title == "Agents in a hurry"
        await pilot.press("a")                                # open the "after" file in the editor
        await pilot.pause()
        assert isinstance(app.screen, EditorScreen) and app.screen.path.name == "after.yaml"
        await pilot.press("f7", "ctrl+r")
        await app.workers.wait_for_complete()
        for _ in range(3):
            await pilot.pause()
        compare = app.screen
        assert isinstance(compare, CompareScreen)
        assert compare.comparison.names == ["before", "after"]
        assert str(compare.query_one("#kpi-table", DataTable).get_row("nps")[0]).startswith("▶")
        assert compare.query_one("#series").value == "satisfaction_mean"


async def test_the_bundled_lessons_walk_in_order(library):
    from textual.clock import MockClock

    from tui.app import create_app
    app = create_app([library], clock=MockClock())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f7")
        await pilot.pause()
        screen = app.screen
        count = len(screen.lessons)
        assert screen.query_one("#lesson-list", OptionList).option_count == count
        for index in range(count - 1):
            await pilot.press("n")
            await pilot.pause()
            assert screen.index == index + 1
        await pilot.press("p")
        assert screen.index == max(0, count - 2)


def inside(inner, outer) -> bool:
    return (outer.x <= inner.x and inner.right <= outer.right
            and outer.y <= inner.y and inner.bottom <= outer.bottom)


@pytest.mark.parametrize("size", [(120, 36), (160, 45)])
async def test_the_question_is_never_cut_off_and_the_text_scrolls(size):
    """Issue 15, item 8: at 120x36 the lesson's text ran past the bottom of its pane and the
    question for the class, at its end, could not be seen. Every bundled lesson's question
    is shown whole, inside its pane and the screen; the text above it scrolls to its end."""
    from textual.clock import MockClock

    from tui.app import create_app
    app = create_app([], lessons=BUNDLED_LESSONS, clock=MockClock())
    async with app.run_test(size=size) as pilot:
        await pilot.press("f7")
        await pilot.pause()
        screen = app.screen
        pane, scroll = screen.query_one("#lesson"), screen.query_one("#lesson-scroll")
        question = screen.query_one("#question", Markdown)
        scrolled = 0
        for index, lesson in enumerate(screen.lessons):
            screen.show(index)
            for _ in range(3):   # the Markdown widgets lay out their blocks after an update
                await pilot.pause()
            assert "Ask the class" in question.source and question.source.split("\n")[-1] in lesson.body
            assert question.region.height >= 3 and inside(question.region, pane.content_region), lesson.slug
            assert inside(question.region, screen.region), lesson.slug
            # Shown whole: as tall as its content needs.
            assert question.region.height == question.outer_size.height == question.get_content_height(
                question.content_region.size, question.content_region.size, question.content_region.width) \
                + question.styles.gutter.height, lesson.slug
            assert "Ask the class" not in screen.query_one("#lesson-text", Markdown).source
            if scroll.max_scroll_y > 0:
                scrolled += 1
                scroll.scroll_end(animate=False, immediate=True)
                await pilot.pause()
                assert scroll.scroll_y == scroll.max_scroll_y > 0
        assert scrolled, "no lesson is longer than its pane at this size: the scrolling goes untested"
