"""The Calibrate screen's form: one line per field of CalibrateRequest, its description as
the tooltip; `load_model` shows a request, `to_model` reads one back (pydantic checks it) and
marks the fields it refuses."""

from __future__ import annotations

from pydantic import ValidationError
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static

from tui.calibrate_request import ACQUISITIONS, COLUMN_ROLES, MODELS, CalibrateRequest
from tui.schema_words import schema_text
from tui.words import N_, _

FIELDS = CalibrateRequest.model_fields
CHOICES = {"model": MODELS, "acquisition": ACQUISITIONS}
LABELS = {"file": N_("order file"), "keep_status": N_("keep status"), "calibration_end": N_("calibration end"),
          "customer": N_("customer column"), "date": N_("date column"), "amount": N_("amount column"),
          "order": N_("order column"), "status": N_("status column"), "model": N_("model"),
          "acquisition": N_("acquisition"), "extends": N_("extends"), "replications": N_("replications")}
PLACEHOLDERS = {"file": "path/to/orders.csv", "calibration_end": N_("YYYY-MM-DD (empty: no holdout)"),
                **{role: N_("guessed") for role in COLUMN_ROLES}, "keep_status": N_("every status")}


class CalibrateForm(VerticalScroll):
    """The fields of a CalibrateRequest, in its order, with a Browse button by the file."""

    def compose(self) -> ComposeResult:
        for name, info in FIELDS.items():
            with Horizontal(classes="field", id=f"field-{name}"):
                yield Label(_(LABELS[name]) if name in LABELS else name, classes="name")
                if name in CHOICES:
                    yield Select([(c, c) for c in CHOICES[name]], value=info.default, allow_blank=False,
                                 id=f"cal-{name}", tooltip=schema_text(info.description or "") or None, compact=True)
                else:
                    yield Input(id=f"cal-{name}", tooltip=schema_text(info.description or "") or None, compact=True,
                                placeholder=_(PLACEHOLDERS[name]) if name in PLACEHOLDERS else "")
                if name == "file":
                    yield Button(_("Browse"), id="browse", tooltip=_("Pick the order file (Ctrl+O)"), compact=True)
        yield Static("", id="form-error")

    def widget(self, name: str) -> Input | Select:
        return self.query_one(f"#cal-{name}")

    def load_model(self, request: CalibrateRequest) -> None:
        for name, value in request.model_dump().items():
            widget = self.widget(name)
            widget.value = value if isinstance(widget, Select) else ("" if value is None else str(value))
        self.show_errors({})

    def values(self) -> dict[str, str]:
        return {name: self.widget(name).value for name in FIELDS}

    def to_model(self) -> CalibrateRequest | None:
        """The request the form shows, or None with its problems marked on their fields."""
        try:
            request = CalibrateRequest.model_validate(self.values())
        except ValidationError as error:
            self.show_errors({str(e["loc"][0]): e["msg"].removeprefix("Value error, ") for e in error.errors()})
            return None
        self.show_errors({})
        return request

    def fill_empty(self, values: dict[str, str | None]) -> None:
        """Put these values into the fields left empty (the reader's guesses, a suggested end):
        what the person typed stays."""
        for name, value in values.items():
            widget = self.widget(name)
            if value and isinstance(widget, Input) and not widget.value.strip():
                widget.value = str(value)

    def show_errors(self, problems: dict[str, str]) -> None:
        for name in FIELDS:
            self.query_one(f"#field-{name}").set_class(name in problems, "-invalid")
        text = Text()
        for name, message in problems.items():
            text.append(f"✗ {(_(LABELS[name]) if name in LABELS else name).strip()}: {message}\n", style="bold")
        self.query_one("#form-error", Static).update(text)
        self.query_one("#form-error", Static).display = bool(problems)
