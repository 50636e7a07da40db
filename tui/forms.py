"""Forms built from the scenario schema: one per section, one row per field, each with
its unit, range and a line on what it does. A form reads values from and writes them
into the scenario's plain data; pydantic checks them, and errors show on their row."""

from __future__ import annotations

import io
from typing import Any

from rich.text import Text
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, Select, Static, Switch, TextArea

from growthsim.i18n import language
from tui.schema import FieldSpec, Section, get_path, set_path, show_value
from tui.schema_words import field_label, group_parts, schema_text
from tui.words import _


class FieldProblem(Exception):
    """A value that cannot even be read (YAML that does not parse)."""


def yaml_text(value: Any) -> str:
    if value in (None, [], {}):
        return "[]" if value == [] else ("{}" if value == {} else "")
    out = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.dump(value, out)
    return out.getvalue()


class FieldRow(Vertical):
    """Name, input, unit and range on one line; the explanation under it; an error under that."""

    def __init__(self, spec: FieldSpec) -> None:
        super().__init__(id="row__" + "__".join(spec.path))
        self.spec = spec
        self.shown = ""     # the value as loaded, to mark changes

    def compose(self) -> ComposeResult:
        spec = self.spec
        description = schema_text(spec.description)
        # In another language the row shows a translated name: the tooltip tells the key that a
        # file, --set and a policy use.
        key = spec.key if language() != "en" else ""
        tooltip = "\n\n".join(filter(None, (description, key))) or None
        with Horizontal():
            yield Label(schema_text(field_label(spec.name)), classes="name")
            if spec.kind == "bool":
                yield Switch(id=spec.widget_id, tooltip=tooltip)
            elif spec.kind == "choice":
                yield Select([(str(c), c) for c in spec.choices], allow_blank=False, id=spec.widget_id,
                             tooltip=tooltip, compact=True)
            elif spec.kind == "yaml":
                yield TextArea(id=spec.widget_id, tooltip=tooltip, soft_wrap=False, show_line_numbers=False)
            else:
                placeholder = _("empty: none") if spec.optional else ""
                yield Input(id=spec.widget_id, tooltip=tooltip, placeholder=placeholder, compact=True)
            shown_range = "" if spec.kind == "choice" else schema_text(spec.range) if spec.range == "any" else spec.range
            bits = [b for b in (schema_text(spec.unit), shown_range) if b]
            if spec.optional:
                bits.append(_("may be empty"))
            yield Static(" · ".join(bits), classes="unit")
        if description:
            yield Static(description, classes="desc")
        yield Static("", classes="error")

    @property
    def widget(self):
        # Looked up when asked, not kept from on_mount: a form may load values into a row
        # before the row's mount event is handled (seen as a rare failure under load).
        return self.query_one(f"#{self.spec.widget_id}")

    def load(self, value: Any) -> None:
        widget, kind = self.widget, self.spec.kind
        if kind == "bool":
            widget.value = bool(value)
            self.shown = str(bool(value))
        elif kind == "choice":
            widget.value = value
            self.shown = str(value)
        elif kind == "yaml":
            widget.text = yaml_text(value)
            self.shown = widget.text
        else:
            widget.value = show_value(value)
            self.shown = widget.value
        self.set_class(False, "-changed")
        self.show_error(None)

    def current(self) -> str:
        widget, kind = self.widget, self.spec.kind
        if kind == "bool":
            return str(bool(widget.value))
        if kind == "choice":
            return str(widget.value)
        if kind == "yaml":
            return widget.text
        return widget.value

    @property
    def changed(self) -> bool:
        return self.current() != self.shown

    def value(self) -> Any:
        """What goes into the scenario's data: typed where the widget types it, the text
        typed otherwise (pydantic converts and checks it)."""
        widget, kind = self.widget, self.spec.kind
        if kind == "bool":
            return bool(widget.value)
        if kind == "choice":
            return widget.value
        if kind == "yaml":
            try:
                parsed = YAML(typ="safe", pure=True).load(widget.text)
            except YAMLError as error:
                raise FieldProblem(_("not YAML: {error}").format(error=str(error).splitlines()[0])) from None
            if parsed is None:
                return None if self.spec.optional else []
            return parsed
        text = widget.value.strip()
        if text == "" and self.spec.optional:
            return None
        return text

    def show_error(self, message: str | None) -> None:
        if self.has_class("-invalid") == bool(message) and getattr(self, "_message", None) == message:
            return
        self._message = message
        self.set_class(bool(message), "-invalid")
        self.query_one(".error", Static).update(Text("✗ " + message) if message else "")


class SectionForm(VerticalScroll):
    """The rows of one section, under a paragraph on what the section is."""

    def __init__(self, section: Section) -> None:
        super().__init__(id=f"form-{section.id}")
        self.section = section

    def compose(self) -> ComposeResult:
        if self.section.about:
            yield Static(schema_text(self.section.about), classes="about", markup=False)   # "[0, 1]" is text here
        group = ""
        for spec in self.section.fields:
            if spec.group != group:
                group = spec.group
                if group:
                    yield Static(" / ".join(schema_text(part) for part in group_parts(group)), classes="group")
            yield FieldRow(spec)

    @property
    def rows(self) -> list[FieldRow]:
        if not hasattr(self, "_rows"):
            self._rows = list(self.query(FieldRow))
        return self._rows

    def load_model(self, model: Any) -> None:
        """Show the values of a scenario (or its plain data, `model_dump(mode="json")`)."""
        data = model if isinstance(model, dict) else model.model_dump(mode="json")
        for row in self.rows:
            row.load(get_path(data, row.spec.path))

    def write_into(self, data: dict) -> dict[tuple, str]:
        """Put the form's values into the scenario's data; returns rows that cannot be read."""
        problems = {}
        for row in self.rows:
            try:
                set_path(data, row.spec.path, row.value())
            except FieldProblem as problem:
                problems[row.spec.path] = str(problem)
        return problems
