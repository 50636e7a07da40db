"""What the Optimize screen draws of an optimisation as it goes: each trial's objective
(feasible and infeasible marked apart) and the best feasible so far; a plotext chart whose
data is set from the main thread only."""

from __future__ import annotations

import math
from dataclasses import dataclass

from textual_plotext import PlotextPlot

from tui.widgets import axis_number, nice_ticks
from growthsim.terms import kpi_label
from tui.words import N_, _


@dataclass(frozen=True)
class TrialPoint:
    number: int
    value: float            # the objective's mean over the search's replications
    feasible: bool


def best_so_far(points: list[TrialPoint], direction: str) -> list[float]:
    """After each trial (by number), the best objective among the feasible ones so far (NaN before any)."""
    best, out = math.nan, []
    for point in sorted(points, key=lambda p: p.number):
        if point.feasible and math.isfinite(point.value) and (
                math.isnan(best) or (point.value > best if direction == "max" else point.value < best)):
            best = point.value
        out.append(best)
    return out


class TrialsPlot(PlotextPlot):
    """The search's trials: ● meets every constraint, × breaks one; the line is the best feasible so far."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.points: list[TrialPoint] = []
        self.kpi, self.direction, self.trials = "objective", "max", 0

    def on_mount(self) -> None:
        super().on_mount()
        self.draw()

    def start(self, kpi: str, direction: str, trials: int) -> None:
        self.points, self.kpi, self.direction, self.trials = [], kpi, direction, trials
        self.draw()

    def add(self, point: TrialPoint) -> None:
        self.points.append(point)
        self.draw()

    def draw(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(_("{kpi} per trial ({direction})").format(kpi=kpi_label(self.kpi), direction=self.direction))
        plt.xlabel(_("trial"))
        shown = [p for p in self.points if math.isfinite(p.value)]
        # The whole search's width, and every trial in it: a resumed study's numbers go past
        # `trials` (trials stopped mid-way are asked again), and plotext fails on a labelled
        # series whose points all fall outside the axes.
        last = max([self.trials - 1, *(p.number for p in shown)])
        if last > 0:
            plt.xlim(-0.5, last + 0.5)
        for feasible, marker, colour, label in ((True, "●", "green", N_("feasible")), (False, "×", "red", N_("infeasible"))):
            chosen = [p for p in shown if p.feasible == feasible]
            if chosen:
                plt.scatter([p.number for p in chosen], [p.value for p in chosen], marker=marker, color=colour,
                            label=_(label))
        ordered = sorted(shown, key=lambda p: p.number)
        best = best_so_far(ordered, self.direction)
        line = [(p.number, b) for p, b in zip(ordered, best) if math.isfinite(b)]
        if line:
            plt.plot([x for x, _y in line], [y for _x, y in line], color="cyan", marker="braille", label=_("best so far"))
        if shown:
            values = [p.value for p in shown]
            ticks = nice_ticks(min(values), max(values))
            plt.yticks(ticks, [axis_number(t) for t in ticks])
        self.refresh()
