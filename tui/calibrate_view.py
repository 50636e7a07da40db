"""What the Calibrate screen shows of a Calibration, as plain rows, lines and text (no Textual
here): the parameters with standard errors, the model chosen and why, the weekly tracking."""

from __future__ import annotations

import numpy as np
from rich.text import Text

from simulation.experiments.calibration.calibrate import Calibration

MODEL_NAMES = {"bgnbd": "BG/NBD", "pareto_nbd": "Pareto/NBD", "gamma_gamma": "Gamma-Gamma"}


def number(x: float | None) -> str:
    """Four significant digits; thousands with separators; `–` when undefined."""
    if x is None or not np.isfinite(x):
        return "–"
    return f"{x:,.0f}" if abs(x) >= 10_000 else f"{x:.4g}"


def parameter_rows(calibration: Calibration) -> list[tuple[Text | str, ...]]:
    """model, parameter, value, standard error: the twin's model first (marked ✓), then spend,
    acquisition, and the other repeat model; every fit is shown, as calibration.json has them."""
    c = calibration
    fits = [(c.model, c.fits[c.model], True), ("gamma_gamma", c.spend, True)]
    fits += [(name, fit, False) for name, fit in c.fits.items() if name != c.model]
    rows: list[tuple[Text | str, ...]] = []
    for name, fit, used in fits:
        label = MODEL_NAMES.get(name, name) + (" ✓" if used else "")
        for index, (param, value) in enumerate(fit.params.items()):
            rows.append((Text(label if index == 0 else "", style="bold" if used else "dim"), param, number(value),
                         number(fit.se.get(param))))
    acquisition = c.acquisition
    label = "Acquisition ✓"   # which one is in the line under the table; the column stays narrow
    if not acquisition.params:
        rows.append((Text(label, style="bold"), "none", "–", ""))
    for index, (param, value) in enumerate(acquisition.params.items()):
        rows.append((Text(label if index == 0 else "", style="bold"), param, number(value),
                     number(acquisition.se.get(param))))
    return rows


def tracking_lines(calibration: Calibration) -> dict[str, np.ndarray]:
    """Weekly repeat transactions of the holdout: actual, the model's expectation, the twin's mean
    (its 95 % interval is in tracking_text and the report); nothing without a holdout."""
    if not calibration.tracking:
        return {}
    weekly = calibration.tracking[calibration.model]["weekly"]
    lines = {"actual": np.array([w["actual"] for w in weekly], dtype=float),
             "model": np.array([w["expected"] for w in weekly], dtype=float)}
    simulated = (calibration.simulated or {}).get("weekly")
    if simulated:   # its mean only: a few replications' band spans the chart and flattens the lines to read
        lines["twin"] = np.array([s["mean"] for s in simulated], dtype=float)
    return lines


def tracking_text(calibration: Calibration) -> Text:
    """The model chosen and why, and the holdout's totals: actual, expected, simulated."""
    c = calibration
    # The acquisition's reason is cut at its first clause ("lowest AIC"): its AICs are in the report.
    text = Text.assemble(("Twin: ", "bold"), (MODEL_NAMES[c.model], "bold"), f", {c.model_why}. ",
                         ("Acquisition: ", "bold"), f"{c.acquisition.model}, {c.acquisition_why.split(':')[0]}.")
    if not c.tracking:
        text.append("\nNo holdout (no calibration end): nothing to check the forecast on.", style="italic")
        return text
    tracked = c.tracking[c.model]
    text.append(f"\nHoldout, {tracked['days']} days: actual {tracked['actual_repeat_transactions']:,} repeat "
                f"transactions, model {tracked['expected_repeat_transactions']:,.1f}")
    if c.simulated:
        total = c.simulated["total"]
        text.append(f", twin {total['mean']:,.1f} ({max(total['ci_low'], 0):,.0f}–{total['ci_high']:,.0f}, "
                    f"{c.simulated['replications']} runs)")
    return text.append(".")
