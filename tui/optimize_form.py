"""The Optimize screen's form: the fields of an OptimizeForm (tui/optimize_request.py), one
line each, with a row per lever (its key, LOW, HIGH, scale); `load_model` shows a form
model, `to_model` reads one back (pydantic checks it) and marks the fields it refuses."""

from __future__ import annotations

from pydantic import ValidationError
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Select, Static

from tui.optimize_request import SCALES, LeverRow, OptimizeForm, kpi_names, lever_keys
from tui.schema import show_value
from tui.schema_words import schema_text
from tui.words import N_, _

FIELDS = OptimizeForm.model_fields
SIMPLE = ("trials", "replications", "confirm", "finalists", "out")
LABELS = {"scenario": N_("scenario"), "levers": N_("add lever"), "objective": N_("objective"),
          "constraints": N_("constraints"), "trials": N_("trials"), "replications": N_("replications"),
          "confirm": N_("confirm reps"), "finalists": N_("finalists"), "out": N_("folder")}
PLACEHOLDERS = {"constraints": N_("e.g. service_wait_p90_min<=60; ..."), "replications": N_("the scenario's")}


def help_of(name: str) -> str | None:
    """A field's help (its description in the request's schema), in the language spoken."""
    return schema_text(FIELDS[name].description or "") or None


class LeverLine(Horizontal):
    """One lever: its key, LOW, HIGH and scale, and a button taking it away."""

    def __init__(self, row: LeverRow) -> None:
        super().__init__(classes="lever")
        self.row = row

    def compose(self) -> ComposeResult:
        row = self.row
        label = Label(row.key.rsplit(".", 1)[-1] + (" #" if row.whole else ""), classes="key")
        label.tooltip = row.key
        yield label
        yield Input(show_value(int(row.low) if row.whole else row.low), classes="low", compact=True,
                    tooltip=_("LOW: the range's start (whole numbers)") if row.whole else _("LOW: the range's start"))
        yield Input(show_value(int(row.high) if row.whole else row.high), classes="high", compact=True,
                    tooltip=_("HIGH: the range's end, above LOW"))
        yield Select([(s, s) for s in SCALES], value=row.scale, allow_blank=False, classes="scale", compact=True,
                     tooltip=_("log: a range spanning orders of magnitude (above 0)"))
        yield Button("✕", classes="remove", compact=True, tooltip=_("Take this lever away"))

    def values(self) -> dict:
        return {"key": self.row.key, "whole": self.row.whole, "low": self.query_one(".low", Input).value,
                "high": self.query_one(".high", Input).value, "scale": self.query_one(".scale", Select).value}

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.has_class("remove"):
            event.stop()
            self.remove()


class OptimizeFormView(VerticalScroll):
    """The fields of an OptimizeForm, in its order, levers as rows under the key picker."""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="field", id="field-scenario"):
            yield Label(_(LABELS["scenario"]), classes="name")
            yield Select([], prompt=_("pick a scenario"), id="opt-scenario", compact=True,
                         tooltip=help_of("scenario"))
        with Horizontal(classes="field", id="field-levers"):
            yield Label(_(LABELS["levers"]), classes="name")
            yield Select([(key, key) for key in lever_keys()], prompt=_("a key of the scenario"), id="opt-lever-key",
                         compact=True, type_to_search=True, tooltip=help_of("levers"))
            yield Button(_("Add"), id="add-lever", compact=True, tooltip=_("Add the key as a lever, with its range from "
                                                                         "the schema's bounds"))
        yield Vertical(id="levers")
        with Horizontal(classes="field", id="field-objective"):
            yield Label(_(LABELS["objective"]), classes="name")
            yield Input(id="opt-objective", compact=True, suggester=SuggestFromList(kpi_names()),
                        tooltip=help_of("objective"))
            yield Select([("max", "max"), ("min", "min")], value="max", allow_blank=False, id="opt-direction",
                         compact=True, tooltip=help_of("direction"))
        with Horizontal(classes="field", id="field-constraints"):
            yield Label(_(LABELS["constraints"]), classes="name")
            yield Input(id="opt-constraints", compact=True, placeholder=_(PLACEHOLDERS["constraints"]),
                        suggester=SuggestFromList(kpi_names()), tooltip=help_of("constraints"))
        for name in SIMPLE:
            with Horizontal(classes="field", id=f"field-{name}"):
                yield Label(_(LABELS[name]), classes="name")
                yield Input(id=f"opt-{name}", compact=True, placeholder=_(PLACEHOLDERS[name]) if name in PLACEHOLDERS else "",
                            tooltip=help_of(name))
        yield Static("", id="form-error")

    def widget(self, name: str) -> Input | Select:
        return self.query_one(f"#opt-{name}")

    def set_scenarios(self, options: list[tuple[str, str]]) -> None:
        select = self.query_one("#opt-scenario", Select)
        current = select.value
        select.set_options(options)
        if current in {value for _, value in options}:
            select.value = current

    @property
    def lever_lines(self) -> list[LeverLine]:
        return list(self.query(LeverLine))

    async def add_lever(self, row: LeverRow) -> None:
        if any(line.row.key == row.key for line in self.lever_lines):
            return
        await self.query_one("#levers", Vertical).mount(LeverLine(row))

    async def load_model(self, form: OptimizeForm) -> None:
        select = self.query_one("#opt-scenario", Select)
        if form.scenario:
            select.value = form.scenario
        await self.query_one("#levers", Vertical).remove_children()
        for row in form.levers:
            await self.add_lever(row)
        self.widget("objective").value = form.objective
        self.widget("direction").value = form.direction
        self.widget("constraints").value = form.constraints
        for name in SIMPLE:
            self.widget(name).value = show_value(getattr(form, name))
        self.show_errors({})

    def values(self) -> dict:
        scenario = self.query_one("#opt-scenario", Select).value
        return {"scenario": "" if scenario is Select.BLANK else str(scenario),
                "levers": [line.values() for line in self.lever_lines],
                "objective": self.widget("objective").value, "direction": self.widget("direction").value,
                "constraints": self.widget("constraints").value,
                **{name: self.widget(name).value for name in SIMPLE}}

    def to_model(self) -> OptimizeForm | None:
        """The form's model, or None with its problems marked on their fields (a lever's on its row)."""
        try:
            form = OptimizeForm.model_validate(self.values())
        except ValidationError as error:
            self.show_errors(problems(error, [line.row.key for line in self.lever_lines]))
            return None
        self.show_errors({})
        return form

    def show_errors(self, found: dict[str, str]) -> None:
        for name in ("scenario", "levers", "objective", "constraints", *SIMPLE):
            self.query_one(f"#field-{name}").set_class(name in found, "-invalid")
        for index, line in enumerate(self.lever_lines):
            line.set_class(f"lever {index}" in found, "-invalid")
        text = Text()
        for name, message in found.items():
            label = self.lever_lines[int(name.split()[1])].row.key if name.startswith("lever ") else _(LABELS[name])
            text.append(f"✗ {label.replace('add lever', 'levers')}: {message}\n", style="bold")
        error = self.query_one("#form-error", Static)
        error.update(text)
        error.display = bool(found)


def problems(error: ValidationError, keys: list[str]) -> dict[str, str]:
    """Each field's problem, by field name; a lever's as `lever N` (its row)."""
    found: dict[str, str] = {}
    for detail in error.errors():
        location = detail["loc"]
        name = str(location[0])
        if name == "levers" and len(location) > 1:
            name = f"lever {location[1]}"
            if len(location) > 2:   # a value that is not a number: say which end
                detail = {**detail, "msg": f"{location[2]}: {detail['msg']}"}
        found.setdefault(name, str(detail["msg"]).removeprefix("Value error, "))
    return found
