"""`expect:` in a scenario file: what a team agreed its outcomes must be, for `growthsim check`.

```yaml
expect:
  kpis:                          # bounds on this scenario's KPIs
    retention_d90: {min: 0.05, max: 0.20}
    nps: {min: 30}
  relations:                     # against another scenario, relative to this file
    - kpi: retention_d90
      compare_to: baseline.yaml
      at_least: 0.02             # this scenario's minus baseline's: at least +2 points
    - kpi: churn_rate_monthly
      compare_to: baseline.yaml
      at_most: 0                 # no worse than the baseline
  golden: true                   # compare with the recorded golden (the default)
```

Every expectation is judged on the 95 % confidence interval over replications, never on
one replication or on the mean alone (simulation/experiments/check.py):
- a bound `min` holds when the whole interval is at or above it (`ci_low >= min`), a
  `max` when it is at or below it (`ci_high <= max`);
- a relation runs the other scenario with this one's seed, replications and horizon
  (common random numbers, as `growthsim compare`), takes the KPI's difference
  (this - other) replication by replication, and holds when the Student-t interval of
  those differences lies at or above `at_least` (and at or below `at_most`).
An interval that straddles a bound fails: the agreement is not shown.

`expect:` belongs to the file that writes it: a scenario that `extends` another does not
inherit the other's expectations (a what-if exists to move KPIs). `golden: false` is for
a file that only exists to be extended.
"""

from __future__ import annotations

import difflib
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator, model_validator

from simulation.kernel.config import Config
from simulation.kernel.language import N_, Refusal


def _known_kpi(name: str) -> str:
    from simulation.kernel.registry import registry   # late: the registry builds the scenario schema
    names = registry().kpi_names
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "see docs/metrics.md for the KPIs"
        raise ValueError(f"not a KPI; {hint}")
    return name


KpiName = Annotated[str, AfterValidator(_known_kpi)]


class Bounds(Config):
    min: float | None = Field(None, description="The KPI's whole 95 % interval is at least this.")
    max: float | None = Field(None, description="The KPI's whole 95 % interval is at most this.")

    @model_validator(mode="after")
    def _a_bound_that_can_hold(self) -> "Bounds":
        if self.min is None and self.max is None:
            raise Refusal(N_("give min, max or both"))
        if self.min is not None and self.max is not None and self.min > self.max:
            raise Refusal(N_("min ({min}) is above max ({max})"), min=self.min, max=self.max)
        return self


class Relation(Config):
    kpi: KpiName = Field(description="The KPI to compare, e.g. retention_d90.")
    compare_to: str = Field(description="The other scenario file, relative to this one.")
    at_least: float | None = Field(
        None, description="This scenario's KPI minus the other's is at least this (whole paired 95 % interval).")
    at_most: float | None = Field(
        None, description="This scenario's KPI minus the other's is at most this (whole paired 95 % interval).")

    @model_validator(mode="after")
    def _a_margin_that_can_hold(self) -> "Relation":
        if self.kpi == "roi":
            raise Refusal(N_("roi is already relative to `baseline:`; bound it under expect.kpis instead"))
        if self.at_least is None and self.at_most is None:
            raise Refusal(N_("give at_least, at_most or both"))
        if self.at_least is not None and self.at_most is not None and self.at_least > self.at_most:
            raise Refusal(N_("at_least ({at_least}) is above at_most ({at_most})"), at_least=self.at_least, at_most=self.at_most)
        return self


class Expectations(Config):
    kpis: dict[str, Bounds] = Field({}, description="Bounds on this scenario's KPIs: {kpi: {min, max}}.")
    relations: list[Relation] = Field([], description="Differences to other scenarios, paired by replication.")
    golden: bool = Field(True, description="Compare with the golden results recorded by `growthsim check --update`.")

    # Checked on the mapping rather than on each key: a key's own error location reads
    # "expect.kpis.name.[key]", and "[key]" is markup to the terminal.
    @field_validator("kpis")
    @classmethod
    def _known_kpis(cls, kpis: dict[str, Bounds]) -> dict[str, Bounds]:
        for name in kpis:
            try:
                _known_kpi(name)
            except ValueError as error:
                raise ValueError(f"{name!r} is {error}") from None
        return kpis
