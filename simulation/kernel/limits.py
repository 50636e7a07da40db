"""Bounds the shopper step holds a running day to, so that a day always ends.

Before a run, simulation/experiments/resources.py refuses a scenario whose busiest shopper
would visit more than `MAX_VISITS_PER_SHOPPER_DAY` times a day; while it runs, the
shopper step stops a day that goes past the bounds below (a policy or strategy moved
the visit rate) with `visits_out_of_bounds` (docs/reliability.md, "Limits").
"""

from __future__ import annotations


class LimitError(Exception):
    """A run refused before it starts; the message says what it needs and what to change."""


# A person who opens the shop every 90 seconds all day long, every day.
MAX_VISITS_PER_SHOPPER_DAY = 1000
# At run time, with room for the Poisson tail and strategies' factors: a day where one
# shopper may have visited more than this stops the run (the static check keeps
# ordinary scenarios far below).
MAX_VISIT_DEPTH_PER_DAY = 20 * MAX_VISITS_PER_SHOPPER_DAY
MAX_VISITS_PER_DAY_PER_SHOPPER = 2 * MAX_VISITS_PER_SHOPPER_DAY   # all of a day's visits over all its shoppers
# Agents on duty in an hour (an assumption: a million is beyond any contact centre, yet its
# heap of free times is a few tens of MB). Before a run the memory estimate bounds the file's
# agents; a policy that raises them while running is stopped here, not by running out of memory.
MAX_AGENTS_ON_DUTY = 1_000_000


def agents_out_of_bounds(day: int, agents: int) -> Exception:
    """The error for a day whose desk would have more agents on duty than any desk can (the
    service desk raises it)."""
    return LimitError(
        f"day {day}: {agents:,} service agents on duty, more than {MAX_AGENTS_ON_DUTY:,}; a policy raised "
        "strategies.service_quality.agents (or a shift's agents) out of bounds while running. Stopped before "
        "the desk took all the memory.")


def visits_out_of_bounds(day: int, visits: int, visitors: int) -> Exception:
    """The error for a day whose visits would not end (raised by the shopper step)."""
    return LimitError(
        f"day {day}: {visitors:,} shoppers were still visiting after up to {visits:,} visits each that day, or "
        f"shoppers visited more than {MAX_VISITS_PER_DAY_PER_SHOPPER:,} times a day on average; "
        "the visit rate went out of bounds while running (a policy or strategy multiplied it, or "
        "lowered behavior.purchase_rate.rate or the funnel's probabilities). Stopped instead of running for ever.")
