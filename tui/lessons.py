"""Lessons for educators: one folder per lesson in `lessons/`, played in name order.

A lesson is `lesson.md`, Markdown with a YAML front matter, beside the pair of scenario
files it runs (anyone can open them in the editor or with `growthsim run`):

    ---
    title: More agents, shorter waits
    strategy: service_quality          # the strategies/ module it teaches
    before: before.yaml                # the platform without the tactic
    after: after.yaml                  # extends before.yaml: the tactic switched on
    watch: [service_wait_mean_min, nps, retention_d30]   # KPIs to look at, marked in the table
    chart: satisfaction_mean           # the time series to overlay
    ---
    ## The tactic ... ## The mechanism in the model ... ## What to look at ... ## Ask the class

`lesson.zh.md` beside it is the same lesson in Chinese (its own front matter: the title in
Chinese, the same scenario files), read when the language spoken is Chinese. No Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from simulation.kernel.language import current

REQUIRED = ("title", "strategy", "before", "after")


class LessonError(Exception):
    pass


@dataclass
class Lesson:
    folder: Path
    title: str
    strategy: str
    before: Path
    after: Path
    body: str
    watch: list[str] = field(default_factory=list)
    chart: str = "active_shoppers"

    @property
    def slug(self) -> str:
        return self.folder.name


def lesson_file(folder: Path, language: str | None = None) -> Path:
    """The lesson's text in `language` (the one spoken when None): lesson.LANG.md, else lesson.md."""
    language = current() if language is None else language
    translated = Path(folder) / f"lesson.{language}.md"
    return translated if language != "en" and translated.is_file() else Path(folder) / "lesson.md"


def read_lesson(folder: Path, language: str | None = None) -> Lesson:
    path = lesson_file(folder, language)
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---"):
        raise LessonError(f"{path}: no front matter (a first line '---')")
    _, front, body = text.split("---", 2)
    try:
        meta = YAML(typ="safe", pure=True).load(front) or {}
    except YAMLError as error:
        raise LessonError(f"{path}: front matter is not YAML: {error}") from None
    missing = [k for k in REQUIRED if k not in meta]
    if missing:
        raise LessonError(f"{path}: front matter lacks {', '.join(missing)}")
    lesson = Lesson(Path(folder), str(meta["title"]), str(meta["strategy"]), Path(folder) / meta["before"],
                    Path(folder) / meta["after"], body.strip(), list(meta.get("watch") or []),
                    str(meta.get("chart") or "active_shoppers"))
    for file in (lesson.before, lesson.after):
        if not file.is_file():
            raise LessonError(f"{path}: {file.name} not found")
    return lesson


def read_extends_chain(path: Path) -> list[Path]:
    """The files a scenario file extends, nearest first, resolved."""
    from tui.scenario_files import read_extends
    chain, path = [], Path(path)
    while (parent := read_extends(path)) is not None:
        path = (path.parent / parent).resolve()
        if path in chain:
            break
        chain.append(path)
    return chain


def find_lessons(root: Path, language: str | None = None) -> tuple[list[Lesson], list[str]]:
    """The lessons under `root`, in folder-name order, in `language` (the one spoken when None),
    and the problems of those that do not load."""
    lessons, problems = [], []
    root = Path(root)
    if not root.is_dir():
        return [], [f"{root}: no lessons folder"]
    for folder in sorted(p for p in root.iterdir() if (p / "lesson.md").is_file()):
        try:
            lessons.append(read_lesson(folder, language))
        except (LessonError, OSError) as error:
            problems.append(str(error))
    return lessons, problems
