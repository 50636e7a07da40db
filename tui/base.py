"""What every screen of the app shares: the bar of modes at the top and the footer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

from tui.words import N_, _

if TYPE_CHECKING:
    from tui.app import GrowthsimApp

MODES = (("library", N_("F2 Library")), ("editor", N_("F3 Editor")), ("run", N_("F4 Run")),
         ("results", N_("F5 Results")), ("compare", N_("F6 Compare")), ("lessons", N_("F7 Lessons")),
         ("calibrate", N_("F8 Calibrate")), ("optimize", N_("F9 Optimize")))


def mode_titles() -> list[tuple[str, str]]:
    """Each mode and its title in the language spoken, with its key: `F2 Library`."""
    return [(mode, _(title)) for mode, title in MODES]


def full_width() -> int:
    """Columns the bar takes with the app's name and padding (a Chinese title takes two a character)."""
    return (cell_len(" growthsim  ") + sum(cell_len(f" {title}  ") for _mode, title in mode_titles())
            + cell_len(f" {_('F1 Help')} "))


# Textual's own binding of the command palette (App.COMMAND_PALETTE_BINDING) says "palette".
PALETTE = N_("palette")


class TranslatedFooter(Footer):
    """The footer with each binding's description in the language spoken: bindings are
    declared in English (their msgid, marked with N_) and translated when shown."""

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.description = _(widget.description) if widget.description else ""
                if isinstance(widget.tooltip, str) and widget.tooltip:
                    widget.tooltip = _(widget.tooltip)
            yield widget


class ModeBar(Static):
    """The app's name and its modes, the current one highlighted; each one clickable."""

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def render(self) -> Text:
        text = Text.assemble((" growthsim ", "bold reverse"), " ")
        # A narrow terminal (100 columns) keeps every mode and drops the app's name and the
        # padding around the modes that are not the current one.
        narrow = bool(self.size.width) and self.size.width < full_width()
        if narrow:
            text = Text()
        for mode, title in mode_titles():
            current = mode == self.current
            style = "bold reverse" if current else ""
            shown = f" {title} " if current or not narrow else title
            text.append(Text.from_markup(f"[@click=app.go('{mode}')]{shown}[/]", style=style))
            text.append(" ")
        help_title = _("F1 Help")
        text.append(Text.from_markup("[@click=app.help]" + (help_title if narrow else f" {help_title} ") + "[/]"))
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
        yield TranslatedFooter()

    def body(self) -> ComposeResult:
        yield from ()
