"""The editor's forms come from the scenario schema: every strategy has a section,
every field its unit or range and its explanation."""

from simulation.kernel.scenario import Strategies
from tui.schema import sections, show_value


def test_every_strategy_has_a_section_with_every_field():
    by_id = {s.id: s for s in sections()}
    for name, info in Strategies.model_fields.items():
        section = by_id[f"strategy-{name}"]
        assert section.strategy and section.about
        top = {spec.path[2] for spec in section.fields}
        assert top == set(info.annotation.model_fields)


def test_fields_carry_range_unit_and_explanation():
    fields = {spec.key: spec for s in sections() for spec in s.fields}
    agents = fields["strategies.service_quality.agents"]
    assert agents.range == "≥ 0" and agents.unit == "agents" and agents.description
    assert fields["strategies.service_quality.handle_minutes"].unit == "minutes"
    assert fields["horizon_days"].range == "1 ≤ x ≤ 3650"
    assert fields["strategies.service_quality.handle_distribution"].kind == "choice"
    assert fields["strategies.service_quality.patience_minutes"].optional
    assert fields["calendar"].kind == "yaml"
    numbers = [spec for spec in fields.values() if spec.kind in ("int", "float")]
    assert all(spec.range for spec in numbers)


def test_values_are_shown_exactly():
    for value in (0.03 / 365, 1 / 3, 2.5, 1e-9, 480.0):
        assert float(show_value(value)) == value
