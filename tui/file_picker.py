"""A dialog to pick a file from a folder tree (Textual's DirectoryTree), showing only the
files of the suffixes asked for, and folders; Escape cancels."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DirectoryTree, Label
from tui.words import N_, _


class SuffixTree(DirectoryTree):
    """Folders, and the files with one of `suffixes`; hidden entries left out."""

    def __init__(self, path: Path, suffixes: tuple[str, ...], **kwargs) -> None:
        super().__init__(path, **kwargs)
        self.suffixes = suffixes

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [p for p in paths if not p.name.startswith(".")
                and (p.is_dir() or p.name.lower().endswith(self.suffixes))]


class FilePicker(ModalScreen["Path | None"]):
    BINDINGS = [Binding("escape", "dismiss(None)", N_("Cancel"))]
    CSS_PATH = "dialogs.tcss"

    def __init__(self, title: str, folder: Path, suffixes: tuple[str, ...]) -> None:
        super().__init__()
        self.title_text, self.folder, self.suffixes = title, folder, suffixes

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Label(_("{title} ({suffixes}); Enter picks, Esc cancels").format(
                title=self.title_text, suffixes=", ".join(self.suffixes)))
            yield SuffixTree(self.folder, self.suffixes, id="tree")
            with Horizontal():
                yield Button(_("Cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one(SuffixTree).focus()

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        self.dismiss(Path(event.path))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)
