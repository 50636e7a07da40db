"""What every screen of the app shares: the bar of modes at the top and the footer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static

if TYPE_CHECKING:
    from tui.app import GrowthsimApp

MODES = (("library", "F2 Library"), ("editor", "F3 Editor"), ("run", "F4 Run"), ("results", "F5 Results"),
         ("compare", "F6 Compare"), ("lessons", "F7 Lessons"), ("calibrate", "F8 Calibrate"), ("optimize", "F9 Optimize"))
FULL_WIDTH = len(" growthsim  ") + sum(len(f" {title}  ") for _, title in MODES) + len(" F1 Help ")


class ModeBar(Static):
    """The app's name and its modes, the current one highlighted; each one clickable."""

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def render(self) -> Text:
        text = Text.assemble((" growthsim ", "bold reverse"), " ")
        # A narrow terminal (100 columns) keeps every mode and drops the app's name and the
        # padding around the modes that are not the current one.
        narrow = bool(self.size.width) and self.size.width < FULL_WIDTH
        if narrow:
            text = Text()
        for mode, title in MODES:
            current = mode == self.current
            style = "bold reverse" if current else ""
            shown = f" {title} " if current or not narrow else title
            text.append(Text.from_markup(f"[@click=app.go('{mode}')]{shown}[/]", style=style))
            text.append(" ")
        text.append(Text.from_markup("[@click=app.help]" + ("F1 Help" if narrow else " F1 Help ") + "[/]"))
        return text


class ModeScreen(Screen):
    """A screen that is the base of one of the app's modes."""

    MODE = ""

    @property
    def gs(self) -> "GrowthsimApp":
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield ModeBar(self.MODE)
        yield from self.body()
        yield Footer()

    def body(self) -> ComposeResult:
        yield from ()
