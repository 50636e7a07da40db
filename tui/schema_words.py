"""The app's words that come from pydantic schemas, for the `tui` catalogue: the editor's (field
names, units, descriptions, groups and the sections' paragraphs of the scenario model,
tui/schema.py) and the field help of the Calibrate and Optimize forms (their requests' field
descriptions, shown as tooltips).

babel-tui.cfg names `extract` as the extraction method of this file: Babel calls it with the
file, and it gives the file's own strings and every text the editor shows from the schema,
so that `python -m growthsim.i18n update` (or `pybabel extract -F babel-tui.cfg`) adds a
changed description as it adds any other string. The editor translates them where it shows
them (tui/forms.py, `schema_text`)."""

from __future__ import annotations

from typing import Iterator

from tui.words import _


def field_label(name: str) -> str:
    """A field's name as a person reads it: `horizon_days` -> "horizon days"."""
    return name.replace("_", " ")


def group_parts(group: str) -> list[str]:
    """A nested model's path, `channels.app`, as the parts the editor shows: "channels", "app"."""
    return [field_label(part) for part in group.split(".") if part]


def schema_text(text: str) -> str:
    """A schema text in the language spoken (empty stays empty: gettext's "" is the header)."""
    return _(text) if text else ""


def schema_texts() -> Iterator[tuple[str, str]]:
    """Each text the editor shows from the schema, with where it comes from (a comment for
    the translator)."""
    from tui.calibrate_request import CalibrateRequest
    from tui.optimize_request import OptimizeForm
    from tui.schema import sections

    for section in sections():
        if section.about:
            yield section.about, f"section {section.id}: what it is"
        for spec in section.fields:
            yield field_label(spec.name), f"field name: {spec.key}"
            if spec.description:
                yield spec.description, f"description of {spec.key}"
            if spec.unit:
                yield spec.unit, f"unit of {spec.key}"
            for part in group_parts(spec.group):
                yield part, f"group of fields: {spec.group}"
    for form in (CalibrateRequest, OptimizeForm):
        for name, info in form.model_fields.items():
            if info.description:
                yield info.description, f"help of {form.__name__}.{name}"


def extract(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    """Babel's extraction method for this file: its Python strings, then the schema's texts."""
    from babel.messages.extract import extract_python

    yield from extract_python(fileobj, keywords, comment_tags, options)
    seen = set()
    for text, where in schema_texts():
        if text not in seen:   # one comment per text: where it is first shown
            seen.add(text)
            yield 0, None, text, [where]
