"""Library: the scenarios of the bundled folder and of folders named on the command
line, each with its description and last results; open, run, duplicate, delete."""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.widgets import Button, DataTable, Static

from growthsim.terms import kpi_label
from simulation.kernel.currency import DEFAULT_CURRENCY
from tui.base import ModeScreen
from tui.kpis import fmt
from tui.scenario_files import ScenarioEntry, children_of, delete, duplicate, find_scenarios
from tui.widgets import ConfirmDialog
from tui.words import N_, _

SHOWN = ("shoppers_total", "retention_d30", "contribution")


def as_typed(path: Path) -> Path:
    """The path as one would type it here: relative to the working folder when inside it
    (an absolute path rarely fits the detail pane)."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def folder_of(path: Path) -> str:
    """The folder a file is in, as one would type it, for telling files of one name apart."""
    return f"{as_typed(path.parent)}/"


class LibraryScreen(ModeScreen):
    MODE = "library"
    BINDINGS = [
        Binding("enter", "open", N_("Open"), show=True),
        Binding("r", "run", N_("Run")),
        Binding("c", "compare", N_("Compare")),
        Binding("d", "duplicate", N_("Duplicate")),
        Binding("delete,x", "delete", N_("Delete")),
        Binding("ctrl+l", "reload", N_("Reload")),
    ]
    CSS_PATH = "library.tcss"

    entries: reactive[list[ScenarioEntry]] = reactive(list, init=False, always_update=True)   # the files listed

    def body(self) -> ComposeResult:
        yield Static(_("Scenario library. Pick a scenario: [b]Enter[/] opens it in the editor, [b]R[/] runs it, "
                       "[b]C[/] compares it with the scenario it extends."), id="intro")
        with Horizontal(id="panes"):
            yield DataTable(id="scenarios", cursor_type="row", zebra_stripes=True)
            with Vertical(id="detail"):
                with VerticalScroll():
                    yield Static(id="detail-text")
                with Grid(id="buttons"):
                    yield Button(_("Open"), id="open", variant="primary", tooltip=_("Edit its levers (Enter)"), compact=True)
                    yield Button(_("Run"), id="run", variant="success", tooltip=_("Simulate it and watch it unfold (R)"), compact=True)
                    yield Button(_("Compare"), id="compare", tooltip=_("Against the scenario it extends (C)"), compact=True)
                    yield Button(_("Duplicate"), id="duplicate", tooltip=_("A copy beside it, to change (D)"), compact=True)
                    yield Button(_("Delete"), id="delete", variant="error", tooltip=_("Delete the file, after asking (X)"), compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(_("scenario"), _("days"), _("last run"), *(_("shoppers"), _("ret.d30"), _("contrib.")))
        self.reload()
        table.focus()

    def on_screen_resume(self) -> None:
        if self.entries:
            self.reload()

    def reload(self, select: Path | None = None) -> None:
        """List the files anew, keeping `select` (else the file selected) selected."""
        current = select or (self.selected.path if self.selected else None)
        self.entries = find_scenarios(self.gs.folders)
        if current is not None:
            for index, entry in enumerate(self.entries):
                if entry.path.resolve() == Path(current).resolve():
                    self.query_one(DataTable).move_cursor(row=index)
        self.show_detail()

    def watch_entries(self, entries: list[ScenarioEntry]) -> None:
        table = self.query_one(DataTable)
        table.clear()
        names = [entry.name for entry in entries]
        for entry in entries:
            kpis = entry.last_run.results.get("kpis", {}) if entry.last_run else {}
            currency = entry.last_run.results.get("currency", DEFAULT_CURRENCY) if entry.last_run else None
            shown = [fmt((kpis.get(k) or {}).get("mean"), k, currency) if kpis else "" for k in SHOWN]
            name = Text(entry.name) if entry.valid else Text(f"✗ {entry.path.name}", style="red")
            if entry.also_in or names.count(entry.name) > 1:   # which folder(s): the name alone is ambiguous
                name.append(f"  {', '.join(folder_of(path) for path in entry.paths)}", style="dim")
            table.add_row(name, str(entry.horizon_days or ""),
                          entry.last_run.created[5:16].replace("T", " ") if entry.last_run else _("never"),
                          *shown, key=str(entry.path))

    @property
    def selected(self) -> ScenarioEntry | None:
        table = self.query_one(DataTable)
        if not self.entries or table.cursor_row is None or not 0 <= table.cursor_row < len(self.entries):
            return None
        return self.entries[table.cursor_row]

    @on(DataTable.RowHighlighted)
    def show_detail(self) -> None:
        entry = self.selected
        detail = self.query_one("#detail-text", Static)
        if entry is None:
            detail.update(_("No scenario files found in {folders}").format(folders=", ".join(map(str, self.gs.folders))))
            return
        text = Text()
        text.append(entry.name + "\n", style="bold")
        text.append(f"{as_typed(entry.path)}\n", style="dim")
        for path in entry.also_in:
            text.append(_("the same file: {path}").format(path=as_typed(path)) + "\n", style="dim")
        if entry.extends:
            text.append(_("extends {parent}").format(parent=entry.extends) + "\n", style="dim")
        if entry.error:
            text.append("\n" + _("This file has problems:") + "\n", style="bold red")
            text.append(entry.error + "\n", style="red")
        else:
            text.append(_("{days} days, {replications} replications").format(
                days=entry.horizon_days, replications=entry.replications) + "\n\n", style="dim")
            text.append((entry.description or _("(no description)")) + "\n")
        if entry.last_run:
            overrides = (entry.last_run.scenarios[0].get("overrides") or []) if entry.last_run.scenarios else []
            when = entry.last_run.created[:16].replace('T', ' ')
            if overrides:
                last = _("Last run {when} UTC, {replications} replications, with --set {overrides}:").format(
                    when=when, replications=entry.last_run.replications, overrides=", ".join(overrides))
            else:
                last = _("Last run {when} UTC, {replications} replications:").format(
                    when=when, replications=entry.last_run.replications)
            text.append("\n" + last + "\n", style="bold")
            currency = entry.last_run.results.get("currency", DEFAULT_CURRENCY)
            for name, interval in list(entry.last_run.results.get("kpis", {}).items())[:8]:
                label = kpi_label(name)
                text.append(f"  {label}{' ' * max(0, 22 - cell_len(label))} {fmt(interval.get('mean'), name, currency):>12}\n")
        detail.update(text)

    @on(DataTable.RowSelected)
    async def row_selected(self) -> None:
        await self.action_open()

    @on(Button.Pressed)
    async def button(self, event: Button.Pressed) -> None:
        await self.run_action(event.button.id or "")

    def action_reload(self) -> None:
        self.reload()

    async def action_open(self) -> None:
        if self.selected:
            await self.gs.open_editor(self.selected.path)

    async def action_run(self) -> None:
        entry = self.selected
        if entry is None:
            return
        if entry.error:
            self.notify(_("Fix the file's problems first (open it in the editor)."), severity="error")
            return
        await self.gs.run_file(entry.path)

    async def action_compare(self) -> None:
        entry = self.selected
        if entry is None:
            return
        if not entry.extends:
            await self.gs.open_compare([entry.path])
            self.notify(_("Pick the scenarios to compare it with."))
            return
        await self.gs.open_compare([(entry.path.parent / entry.extends), entry.path], start=True)

    def action_duplicate(self) -> None:
        entry = self.selected
        if entry is None:
            return
        target = duplicate(entry.path)
        self.notify(_("Duplicated as {name}").format(name=target.name))
        self.reload(select=target)

    def action_delete(self) -> None:
        entry = self.selected
        if entry is None:
            return
        children = children_of(entry.path, self.entries)
        warning = ""
        if children:
            warning = "\n\n" + _("These scenarios extend it and will no longer load: {names}").format(
                names=", ".join(c.path.name for c in children))

        def done(yes: bool | None) -> None:
            if yes:
                delete(entry.path)
                self.notify(_("Deleted {name}").format(name=entry.path.name))
                self.reload()

        self.app.push_screen(ConfirmDialog(_("Delete {path}?").format(path=entry.path) + warning, yes=_("Delete")), done)
