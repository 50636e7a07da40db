"""Editor: a scenario as forms, one per section of the schema (general, the platform,
each strategy, calendar and policies). Invalid values are shown on their row and never
saved; saving writes only what differs from the parent, keeping the file's comments."""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive, var
from textual.screen import ModalScreen
from textual.widgets import Button, ContentSwitcher, Input, Label, OptionList, Select, Static, Switch, TextArea
from textual.widgets.option_list import Option

from simulation.storage.loading import ScenarioError, validation_message
from simulation.kernel.language import localized
from simulation.kernel.scenario import Scenario
from tui.base import ModeScreen
from tui.forms import FieldRow, SectionForm
from tui.scenario_files import SaveError, dump, free_name, raw_scenario, read_extends, save_as_child, save_in_place
from tui.schema import section_title, sections
from tui.widgets import ConfirmDialog, ErrorDialog
from tui.words import N_, _, ngettext


@dataclass(frozen=True)
class NewScenario:
    """What "save as new" asks for: the file, and the name and description it shows."""
    file: str
    name: str
    description: str


class SaveAsDialog(ModalScreen["NewScenario | None"]):
    """The new file's name, and a name and description of its own: a what-if that kept its
    parent's would say what the parent is, not what it changes. Escape cancels."""

    BINDINGS = [Binding("escape", "dismiss(None)", N_("Cancel"))]
    CSS_PATH = "editor.tcss"

    def __init__(self, parent: Path, file: str, name: str, description: str) -> None:
        super().__init__()
        self.parent_path, self.suggested, self.parent_description = parent, (file, name), description

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(_("A new scenario beside {name}, extending it.").format(name=self.parent_path.name))
            yield Label(_("File name:"))
            yield Input(self.suggested[0], id="file")
            yield Label(_("Name (shown in tables):"))
            yield Input(self.suggested[1], id="name")
            yield Label(_("Description: what this one changes, and why"))
            yield Input("", id="description", placeholder=_("was: {description}").format(
                description=self.parent_description)[:200])
            yield Static("", id="problem")
            with Horizontal():
                yield Button(_("Save"), variant="primary", id="ok")
                yield Button(_("Cancel"), id="cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "description":
            self.submit()
        else:
            self.focus_next(Input)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self.submit()
        else:
            self.dismiss(None)

    def submit(self) -> None:
        values = {key: self.query_one(f"#{key}", Input).value.strip() for key in ("file", "name", "description")}
        missing = [key for key, value in values.items() if not value]
        if missing:
            names = {"file": _("a file name"), "name": _("a name"), "description": _("a description")}
            self.query_one("#problem", Static).update(Text(_("Give the new scenario {missing}.").format(
                missing=_(", ").join(names[key] for key in missing)), style="bold red"))
            self.query_one(f"#{missing[0]}", Input).focus()
            return
        self.dismiss(NewScenario(**values))


class EditorScreen(ModeScreen):
    MODE = "editor"
    # Nothing is focused before a scenario is loaded: the section list is hidden then, and
    # Textual's auto focus would still pick it (focusable ignores `display`), where PageUp
    # or PageDown on a list never laid out raised KeyError. `_load` focuses the list.
    AUTO_FOCUS = ""
    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save"), priority=True),
        Binding("ctrl+n", "save_as", N_("Save as new"), priority=True),
        Binding("ctrl+r", "run", N_("Run"), priority=True),
        Binding("ctrl+down", "section(1)", N_("Next section"), show=False, priority=True),
        Binding("ctrl+up", "section(-1)", N_("Previous section"), show=False, priority=True),
    ]
    CSS_PATH = "editor.tcss"

    # The file open (None before one is): its watcher draws the header line. Set again on
    # every load (saving, reverting), so it always updates: the name may have changed.
    path: reactive[Path | None] = reactive(None, init=False, always_update=True)
    parent_file: var[str | None] = var(None)          # what the file extends, as written in it
    scenario: var[Scenario | None] = var(None)        # the form's values, when valid
    # What is wrong with the form's values, by location; its watcher marks the rows, the
    # sections and the status line. Always updates: the same problems can come with other
    # changes from the file, which the markers count too.
    problems: reactive[dict[tuple, str]] = reactive(dict, init=False, always_update=True)

    def __init__(self) -> None:
        super().__init__()
        self.sections = sections()
        self.original: dict = {}
        self.loading = False
        self._pending_section = None
        self._mounting = asyncio.Lock()
        self._rows: dict[tuple, FieldRow] = {}

    def body(self) -> ComposeResult:
        yield Static(_("No scenario open: pick one in the Library (F2) and press Enter."), id="file")
        yield Static("", id="status")
        with Horizontal(id="panes"):
            yield OptionList(*(Option(section_title(s), id=s.id) for s in self.sections), id="sections")
            # Forms are mounted when their section is first shown: every strategy's
            # fields at once would be a thousand widgets to lay out.
            yield ContentSwitcher(id="forms")
        with Horizontal(id="buttons"):
            yield Button(_("Save"), id="save", variant="primary", tooltip=_("Only what differs from the parent (Ctrl+S)"),
                         compact=True)
            yield Button(_("Save as new"), id="save_as", tooltip=_("A new file that extends this one (Ctrl+N)"), compact=True)
            yield Button(_("Run"), id="run", variant="success", tooltip=_("Run the scenario as it is in the form (Ctrl+R)"),
                         compact=True)
            yield Button(_("Revert"), id="revert", tooltip=_("Back to the file as saved"), compact=True)

    def on_mount(self) -> None:
        self.query_one("#panes").display = False
        self.query_one("#buttons").display = False

    # --- loading -----------------------------------------------------------------------

    def load(self, path: Path) -> None:
        if self.dirty and path != self.path:
            def answer(yes: bool | None) -> None:
                if yes:
                    self._load(path)
            self.app.push_screen(ConfirmDialog(_("Discard the changes to {name}?").format(name=self.path.name), yes=_("Discard")), answer)
            return
        self._load(path)

    def _load(self, path: Path) -> None:
        try:
            scenario = raw_scenario(path)
        except ScenarioError as error:
            self.app.push_screen(ErrorDialog(_("{path} cannot be opened in the form").format(path=path),
                                             f"{error}\n\n" + _("Fix it in a text editor; the library shows it with ✗.")))
            return
        path = Path(path)
        self.parent_file = read_extends(path)
        self.original = dump(scenario)
        for form in self.query(SectionForm):
            form.load_model(self.original)
        self.path = path                    # after what its watcher shows: the parent, the name
        if not self.query(SectionForm):
            self.call_later(self.open_section, self.sections[0].id)
        self.validate()
        self.query_one("#sections", OptionList).focus()

    def watch_path(self, path: Path | None) -> None:
        if path is not None:
            extends = ("  [dim]" + (_("extends {parent}").format(parent=self.parent_file) if self.parent_file
                                    else _("(extends nothing)")) + "[/]")
            self.query_one("#file", Static).update(f"[b]{self.original['name']}[/]  {path}{extends}")
        self.query_one("#panes").display = path is not None
        self.query_one("#buttons").display = path is not None

    @property
    def rows(self) -> dict[tuple, FieldRow]:
        """The rows of the sections shown so far (the others cannot have changed)."""
        return self._rows

    async def open_section(self, section_id: str) -> SectionForm:
        """Show a section, mounting its form with the file's values the first time."""
        switcher = self.query_one(ContentSwitcher)
        async with self._mounting:          # a form is mounted once, whoever asks first
            found = self.query(f"#form-{section_id}")
            if found:
                form = found.first(SectionForm)
            else:
                form = SectionForm(next(s for s in self.sections if s.id == section_id))
                await switcher.mount(form)
                form.load_model(self.original)
                self._rows.update({row.spec.path: row for row in form.rows})
        switcher.current = form.id
        return form

    @property
    def dirty(self) -> bool:
        return self.path is not None and any(row.changed for row in self.rows.values())

    # --- checking --------------------------------------------------------------------

    @on(Input.Changed)
    @on(Switch.Changed)
    @on(Select.Changed)
    @on(TextArea.Changed)
    def changed(self) -> None:
        """Check the whole scenario at every change: errors show as they are typed."""
        if self.path is not None:
            self.validate()

    def data(self) -> tuple[dict, dict[tuple, str]]:
        data = copy.deepcopy(self.original)
        problems: dict[tuple, str] = {}
        for form in self.query(SectionForm):
            problems |= form.write_into(data)
        return data, problems

    def validate(self) -> None:
        data, problems = self.data()
        scenario = None
        if not problems:
            try:
                scenario = Scenario.model_validate(data)
            except ValidationError as error:
                for detail in error.errors():
                    problems.setdefault(tuple(detail["loc"]), validation_message(detail))
        if scenario is not None:
            problems |= self.missing_files(scenario)
            scenario = None if problems else scenario
        self.scenario = scenario
        self.problems = problems            # a new dict each time: data() makes it

    def missing_files(self, scenario: Scenario) -> dict[tuple, str]:
        """Files the scenario names that are not there, flagged where they are typed (a run
        would otherwise fail minutes later): its ROI baseline and a twin's customers."""
        folder = self.path.parent if self.path is not None else Path(".")
        named = {("baseline",): scenario.baseline, ("market", "customers"): scenario.market.customers}
        return {key: _("file not found: {path}").format(path=folder / name) for key, name in named.items()
                if name and not (folder / name).is_file()}

    def watch_problems(self, problems: dict[tuple, str]) -> None:
        rows = self.rows
        fields = {spec.path for section in self.sections for spec in section.fields}
        shown: dict[tuple, str] = {}
        general = []
        for loc, message in problems.items():
            path = tuple(str(k) for k in loc)
            target = next((path[:n] for n in range(len(path), 0, -1) if path[:n] in fields), None)
            if target is None:
                general.append(f"{'.'.join(path) or 'scenario'}: {message}")
            else:
                extra = f" (at {'.'.join(path[len(target):])})" if len(path) > len(target) else ""
                shown.setdefault(target, message + extra)
        changed = {path for path, row in rows.items() if row.changed}
        for path, row in list(rows.items()):
            row.show_error(shown.get(path))
            row.set_class(path in changed, "-changed")
        options = self.query_one("#sections", OptionList)
        for index, section in enumerate(self.sections):
            bad = sum(1 for spec in section.fields if spec.path in shown)
            edits = sum(1 for spec in section.fields if spec.path in changed)
            title = Text(section_title(section))
            if edits:
                title.append(f" •{edits}", style="yellow")
            if bad:
                title.append(f" ✗{bad}", style="bold red")
            if str(options.get_option_at_index(index).prompt) != str(title):
                options.replace_option_prompt_at_index(index, title)
        status = self.query_one("#status", Static)
        count = len(shown) + len(general)
        changes = len(changed)
        if count:
            status.update("✗ " + ngettext("{count} problem: fix the fields marked in red; "
                                          "nothing is saved or run until they are fixed.",
                                          "{count} problems: fix the fields marked in red; "
                                          "nothing is saved or run until they are fixed.", count).format(count=count)
                          + "".join("\n" + g for g in general))
        else:
            status.update("✓ " + ngettext("valid · {changes} change from the file", "valid · {changes} changes from the file",
                                          changes).format(changes=changes))
        status.set_class(bool(count), "-invalid")

    # --- navigating --------------------------------------------------------------------

    @on(OptionList.OptionHighlighted, "#sections")
    def section_chosen(self, event: OptionList.OptionHighlighted) -> None:
        """Show the highlighted section once the highlight rests (a form is built the
        first time it is shown; arrowing past sections should not build them all)."""
        if self.path is None:
            return
        if self._pending_section is not None:
            self._pending_section.stop()
        section_id = event.option.id
        self._pending_section = self.set_timer(0.15, lambda: self.run_worker(self.open_section(section_id),
                                                                             group="sections"))

    @on(OptionList.OptionSelected, "#sections")
    async def section_entered(self, event: OptionList.OptionSelected) -> None:
        if self._pending_section is not None:
            self._pending_section.stop()
        form = await self.open_section(event.option.id)
        rows = form.rows
        if rows:
            rows[0].widget.focus()

    def action_section(self, step: int) -> None:
        options = self.query_one("#sections", OptionList)
        options.highlighted = ((options.highlighted or 0) + step) % len(self.sections)

    async def show_section(self, section_id: str) -> SectionForm:
        index = next(i for i, s in enumerate(self.sections) if s.id == section_id)
        self.query_one("#sections", OptionList).highlighted = index
        form = await self.open_section(section_id)
        if self._pending_section is not None:
            self._pending_section.stop()
        return form

    # --- saving and running ---------------------------------------------------------------

    def _refuse(self, what: str) -> bool:
        """True (and a notification: `what`, a message with {count}) when the form cannot be used."""
        if self.path is None:
            return True
        self.validate()
        if self.scenario is None:
            self.notify(_(what).format(count=len(self.problems)), severity="error")
            return True
        return False

    def action_save(self) -> None:
        if self._refuse(N_("Not saved: {count} problem(s) marked in red.")):
            return
        try:
            save_in_place(self.path, self.scenario)
        except (SaveError, ScenarioError, OSError) as error:
            self.app.push_screen(ErrorDialog(_("Not saved"), str(error)))
            return
        self.notify(_("Saved {name}").format(name=self.path.name))
        self._load(self.path)

    def action_save_as(self) -> None:
        if self._refuse(N_("Not saved: {count} problem(s) marked in red.")):
            return
        suggestion = free_name(self.path.parent, f"{self.path.stem}-what-if")
        name = self.scenario.name if self.scenario.name != self.original.get("name") else suggestion.stem

        def chosen(new: NewScenario | None) -> None:
            if new is None:
                return
            target = self.path.parent / (new.file if new.file.endswith((".yaml", ".yml")) else f"{new.file}.yaml")
            scenario = self.scenario.model_copy(update={"name": new.name, "description": new.description})
            try:
                save_as_child(self.path, target, scenario)
            except (SaveError, ScenarioError, OSError) as error:
                self.app.push_screen(ErrorDialog(_("Not saved"), str(error)))
                return
            self.notify(_("Saved {name}: extends {parent}").format(name=target.name, parent=self.path.name))
            self._load(target)

        self.app.push_screen(SaveAsDialog(self.path, suggestion.name, name, localized(self.scenario.description)), chosen)

    async def action_run(self) -> None:
        if self._refuse(N_("Not run: {count} problem(s) marked in red.")):
            return
        scenario = self.scenario
        if scenario.baseline:
            scenario = scenario.model_copy(update={"baseline": str(self.path.parent / scenario.baseline)})
        await self.gs.run_scenario(scenario, self.path if not self.dirty else None)

    def action_revert(self) -> None:
        if self.path is not None:
            self._load(self.path)

    @on(Button.Pressed)
    async def button(self, event: Button.Pressed) -> None:
        await self.run_action(event.button.id or "")

    # --- for tests and lessons ------------------------------------------------------------

    def row(self, key: str) -> FieldRow:
        return self.rows[tuple(key.split("."))]

    async def focus_field(self, key: str) -> FieldRow:
        """Show the section of a field (a dotted key) and put the cursor in it."""
        path = tuple(key.split("."))
        section = next(s for s in self.sections if any(spec.path == path for spec in s.fields))
        await self.show_section(section.id)
        row = self.rows[path]
        row.widget.focus()
        row.scroll_visible(animate=False)
        return row
