"""What the Calibrate screen asks for, as one pydantic model: the order file and how to read
it, and how to fit it; the same choices as `growthsim calibrate`'s options, turned into the
same ReadOptions and CalibrationOptions the command passes on.

No Textual here: the form (tui/calibrate_form.py) loads and reads this model.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from simulation.experiments.calibration.calibrate import CalibrationOptions
from simulation.storage.order_export import ReadOptions

COLUMN_ROLES = ("customer", "date", "amount", "order", "status")
MODELS = ("auto", "bgnbd", "pareto_nbd")
ACQUISITIONS = ("auto", "none", "constant", "bass")
ORDER_FILE_SUFFIXES = (".csv", ".tsv", ".txt", ".gz", ".xlsx", ".parquet")
HOLDOUT_WEEKS = 16   # the end the screen suggests leaves this much (at most a third of the orders' span) to check


class CalibrateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    file: str = Field("", description="The order export: CSV, TSV, gzip, Excel .xlsx or Parquet")
    customer: str | None = Field(None, description="The column of the customer's id (empty: guessed from the header)")
    date: str | None = Field(None, description="The column of the order's date or time (empty: guessed)")
    amount: str | None = Field(None, description="The column of the amount paid (empty: guessed)")
    order: str | None = Field(None, description="The order id's column, to net refunds (empty: guessed, optional)")
    status: str | None = Field(None, description="The order status's column (empty: guessed, optional)")
    keep_status: str | None = Field(None, description="Keep only rows with these statuses, comma-separated, e.g. 交易成功")
    calibration_end: datetime.date | None = Field(
        None, description="The holdout's first day (YYYY-MM-DD): the orders from it on check the forecast. "
                          "Empty: fit every order, no check")
    model: Literal["auto", "bgnbd", "pareto_nbd"] = Field(
        "auto", description="Repeat buying: BG/NBD, Pareto/NBD, or auto (the lower holdout error, else AIC)")
    acquisition: Literal["auto", "none", "constant", "bass"] = Field(
        "auto", description="New customers: none, a constant rate, Bass diffusion, or auto (by AIC)")
    extends: str = Field("baseline", description="The scenario giving what orders cannot: operations, strategies, "
                                                 "margins (a file, or a bundled scenario's name)")
    replications: int = Field(10, ge=1, le=200, description="Runs of the twin over the holdout, for its 95 % band")

    @field_validator("customer", "date", "amount", "order", "status", "keep_status", "calibration_end", mode="before")
    @classmethod
    def _empty_is_none(cls, value):
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("file")
    @classmethod
    def _a_file(cls, value: str) -> str:
        if not value:
            raise ValueError("choose the order file (type its path, or Browse)")
        return value

    @field_validator("extends")
    @classmethod
    def _a_scenario(cls, value: str) -> str:
        if not value:
            raise ValueError("name a scenario file or a bundled scenario (baseline)")
        return value

    def read_options(self) -> ReadOptions:
        keep = tuple(s for s in re.split(r"[,，]\s*", self.keep_status) if s) if self.keep_status else None
        return ReadOptions(customer=self.customer, date=self.date, amount=self.amount, order=self.order,
                           status=self.status, keep_status=keep)

    def calibration_options(self) -> CalibrationOptions:
        return CalibrationOptions(calibration_end=self.calibration_end, model=self.model, acquisition=self.acquisition)

    @property
    def path(self) -> Path:
        return Path(self.file).expanduser()


def suggested_end(first: datetime.date, last: datetime.date) -> datetime.date:
    """An end that leaves HOLDOUT_WEEKS of orders (at most a third of them) to check the fit on."""
    holdout = min(datetime.timedelta(weeks=HOLDOUT_WEEKS), (last - first) / 3)
    return last - datetime.timedelta(days=holdout.days)


def free_folder(parent: Path, name: str) -> Path:
    """parent/name, or parent/name-2, -3, ... when it is taken: a save never replaces a twin."""
    name = re.sub(r"[^\w.-]+", "_", name)
    candidate, n = parent / name, 1
    while candidate.exists():
        n += 1
        candidate = parent / f"{name}-{n}"
    return candidate
