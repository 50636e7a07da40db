"""The editor's view of the scenario schema: sections, fields, units and ranges, read
from the same pydantic models as the files (simulation/kernel/scenario.py, strategies/*.py).

No Textual here.
"""

from __future__ import annotations

import inspect
import math
import re
import sys
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from simulation.kernel.scenario import Scenario
from simulation.kernel.scenario import Strategies
from growthsim.i18n import language
from growthsim.terms import strategy_label
from tui.words import N_, _

Path = tuple[str, ...]


@dataclass(frozen=True)
class FieldSpec:
    path: Path                 # from the top of the scenario
    name: str
    kind: str                  # bool, choice, int, float, str, yaml
    optional: bool
    choices: tuple = ()
    description: str = ""
    unit: str = ""
    range: str = ""
    group: str = ""            # nested model the field sits in, e.g. "dropout"

    @property
    def key(self) -> str:
        return ".".join(self.path)

    @property
    def widget_id(self) -> str:
        return "f__" + "__".join(self.path)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    prefix: Path
    fields: tuple[FieldSpec, ...]
    about: str                 # what the section is, the mechanism in a strategist's words
    strategy: bool = False


def unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(annotation)) == 2:
            return args[0], True
    return annotation, False


def is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _kind(annotation: Any) -> tuple[str, tuple]:
    if annotation is bool:
        return "bool", ()
    if typing.get_origin(annotation) is Literal:
        return "choice", typing.get_args(annotation)
    if annotation is int:
        return "int", ()
    if annotation is float:
        return "float", ()
    if annotation is str:
        return "str", ()
    return "yaml", ()


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def range_text(info: FieldInfo, kind: str, choices: tuple = ()) -> str:
    if kind == "choice":
        return " | ".join(map(str, choices))
    if kind not in ("int", "float"):
        return ""
    low = high = None
    for item in info.metadata:
        if isinstance(item, annotated_types.Ge):
            low = f"{_number(item.ge)} ≤"
        elif isinstance(item, annotated_types.Gt):
            low = f"{_number(item.gt)} <"
        elif isinstance(item, annotated_types.Le):
            high = f"≤ {_number(item.le)}"
        elif isinstance(item, annotated_types.Lt):
            high = f"< {_number(item.lt)}"
    if low and high:
        return f"{low} x {high}"
    if low:
        return {"0 ≤": "≥ 0", "0 <": "> 0", "1 ≤": "≥ 1", "1 <": "> 1"}.get(low, f"{low} x")
    if high:
        return f"x {high}"
    return N_("any")   # translated where shown (tui/forms.py)


_UNIT_AT_END = re.compile(r",\s*(days?|minutes|hours|weeks|per day|orders)\s*(\(.*\))?\.?$", re.IGNORECASE)


# Units of the platform's own fields, where the name and description do not say.
UNITS = {
    "seed": "", "replications": "runs", "size": "prospects", "initial_shoppers": "shoppers",
    "shape": "", "a": "", "b": "", "p": "", "q": "", "gamma": "",
    "browse": "probability", "cart": "probability", "checkout": "probability", "order": "probability",
    "initial_a": "", "initial_b": "", "on_time_delivery": "satisfaction, 0-1",
    "late_delivery_per_day": "satisfaction per day late", "late_delivery_max": "satisfaction, 0-1",
    "ticket_resolved": "satisfaction, -1 to 1", "wait_per_hour": "satisfaction per hour",
    "ticket_abandoned": "satisfaction, 0-1", "strength": "x", "reference_satisfaction": "satisfaction, 0-1",
    "purchase_rate_sensitivity": "", "dropout_sensitivity": "", "word_of_mouth_sensitivity": "",
    "gross_margin": "share of revenue", "handle_cv": "", "agents": "agents",
}


def unit_of(name: str, info: FieldInfo, kind: str) -> str:
    """The unit of a field: from the schema's `json_schema_extra["unit"]` where given,
    else read from its name and description."""
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    if "unit" in extra:
        return str(extra["unit"])
    if name in UNITS:
        return UNITS[name]
    text = (info.description or "").lower()
    if kind == "bool":
        return "on/off"
    if kind in ("choice", "str", "yaml"):
        return ""
    if match := _UNIT_AT_END.search(info.description or ""):
        return match.group(1).lower()
    if name.endswith("_days") or "days" in name:
        return "days"
    if name.endswith("_minutes") or name.endswith("_min"):
        return "minutes"
    if "currency" in text:
        return "money per day" if "per day" in text or name.endswith("_per_day") else "money"
    if "per day" in text or "daily" in text or name.endswith("_per_day"):
        if "cost" in name or "cost" in text:
            return "money per day"
        return "per day"
    if "cost" in name or "fee" in name or "price" in name or "budget" in name or "reward" in name:
        return "money"
    zero_one = range_text(info, kind).endswith("≤ 1") and range_text(info, kind).startswith("0")
    if kind == "float" and zero_one and (any(w in text for w in ("probability", "share", "chance"))
                                         or name.endswith(("_rate", "_probability", "_deflection", "margin"))):
        return "probability, 0-1"
    if kind == "int":
        return "count"
    return ""


def field_specs(model: type[BaseModel], prefix: Path, group: str = "") -> list[FieldSpec]:
    specs: list[FieldSpec] = []
    for name, info in model.model_fields.items():
        annotation, optional = unwrap_optional(info.annotation)
        if is_model(annotation) and not optional:
            specs += field_specs(annotation, prefix + (name,), group=f"{group}.{name}".strip("."))
            continue
        kind, choices = _kind(annotation)
        specs.append(FieldSpec(prefix + (name,), name, kind, optional, choices,
                               " ".join((info.description or "").split()), unit_of(name, info, kind),
                               range_text(info, kind, choices), group))
    return specs


def _first_paragraphs(text: str | None, count: int = 1) -> str:
    if not text:
        return ""
    paragraphs = [" ".join(p.split()) for p in inspect.cleandoc(text).split("\n\n") if p.strip()]
    return "\n\n".join(paragraphs[:count])


def _mechanism(model: type[BaseModel]) -> str:
    """A strategy module's docstring: its one-line summary and its mechanism paragraph."""
    module = sys.modules.get(model.__module__)
    doc = inspect.cleandoc(module.__doc__ or "") if module else ""
    paragraphs = [_unwrapped(p) for p in doc.split("\n\n") if p.strip()]
    at = next((i for i, p in enumerate(paragraphs) if p.lower().startswith("mechanism")), None)
    if at is None:
        return "\n\n".join(paragraphs[:1])
    # "Mechanism, in a strategist's words:" heads the list that follows: shown with it.
    mechanism = paragraphs[at:at + 2] if paragraphs[at].endswith(":") else paragraphs[at:at + 1]
    return "\n\n".join(paragraphs[:1] + mechanism)


def _unwrapped(paragraph: str) -> str:
    """A paragraph on one line; a list keeps one line per item, its bold markers dropped."""
    items = re.split(r"\n(?=[*-] )", paragraph.strip())
    return "\n".join(re.sub(r"^\* ", "• ", " ".join(item.split())).replace("**", "") for item in items)


ABOUT = {
    "market": "Who could ever shop here (Bass's M) and who already does on day 0.",
    "behavior": "How shoppers buy and quietly lapse: each draws a purchase rate (Gamma) and a dropout "
                "probability after each order (Beta), as in BG/NBD; order values are Gamma-Gamma; each visit "
                "goes down the funnel.",
    "economics": "Money: the gross margin on net revenue, from which contribution is computed.",
}

TITLES = {"market": N_("Market"), "acquisition": N_("Acquisition (Bass)"), "behavior": N_("Buying and churn (BG/NBD)"),
          "satisfaction": N_("Satisfaction"), "feedback": N_("Feedback loops"), "economics": N_("Economics")}


def sections() -> list[Section]:
    """The editor's sections, in the order of the schema: general, the platform, each
    strategy, then calendar and policies."""
    fields = Scenario.model_fields
    general = []
    for name in ("name", "description", "horizon_days", "seed", "replications", "baseline"):
        info = fields[name]
        annotation, optional = unwrap_optional(info.annotation)
        kind, choices = _kind(annotation)
        general.append(FieldSpec((name,), name, kind, optional, choices, info.description or "",
                                 unit_of(name, info, kind), range_text(info, kind, choices)))
    out = [Section("general", N_("General"), (), tuple(general),
                   "What the scenario is called, what it asks, how long it runs and how often it is replicated.")]
    for name in ("market", "acquisition", "behavior", "satisfaction", "feedback", "economics"):
        model = fields[name].annotation
        out.append(Section(name, TITLES[name], (name,), tuple(field_specs(model, (name,))),
                           ABOUT.get(name) or _first_paragraphs(model.__doc__, 2)))
    for name, info in Strategies.model_fields.items():
        model = info.annotation
        out.append(Section(f"strategy-{name}", "Strategy: " + name.replace("_", " "), ("strategies", name),
                           tuple(field_specs(model, ("strategies", name))), _mechanism(model), strategy=True))
    lists = []
    for name in ("calendar", "policies"):
        info = fields[name]
        lists.append(FieldSpec((name,), name, "yaml", False, (), info.description or ""))
    out.append(Section("lists", N_("Calendar and policies"), (), tuple(lists),
                       "Dated events (festival sales, member days, carriers' slowdowns; or a preset, {preset: china, "
                       "events: [...]}) and rules that change a lever during the run, as YAML; see docs/calendar.md."))
    return out


def section_title(section: Section) -> str:
    """A section's title in the language spoken; a strategy by the glossary's name in Chinese."""
    if section.strategy:
        strategy = section.prefix[-1]
        shown = strategy.replace("_", " ") if language() == "en" else strategy_label(strategy)
        return _("Strategy: {name}").format(name=shown)
    return _(section.title)


def get_path(data: Any, path: Path) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def set_path(data: dict, path: Path, value: Any) -> None:
    for key in path[:-1]:
        data = data.setdefault(key, {})
    data[path[-1]] = value


def show_value(value: Any) -> str:
    """A value as the form shows it, exactly: a float comes back as the same float."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isfinite(value):
            for digits in (6, 10, 15):
                text = f"{value:.{digits}g}"
                if float(text) == value:
                    return text
        return repr(value)
    return str(value)
