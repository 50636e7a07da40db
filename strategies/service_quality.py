"""Customer service: agents answering tickets, first come first served.

Mechanism, in a strategist's words: some orders raise a ticket (a question, a
problem, "where is my order?"). A pool of agents on duty around the clock answers
them in the order they came; when tickets come faster than agents can handle them a
queue forms and shoppers wait. A long wait, or giving up, lowers the shopper's
satisfaction, and unhappy shoppers buy less and leave sooner (when feedback is on).

With Poisson arrivals, exponential handling, no chatbot and no abandonment, the
waits are those of the M/M/c queue (Erlang C); with patience set, of Erlang A.

Where the default numbers come from:
- `handle_minutes` 8: contact-centre benchmarks put chat and e-mail handling at
  roughly 5–10 minutes of agent time per contact.
- `tickets_per_order` 0.1: retail support teams commonly see on the order of one
  contact per ten orders.
- `agents` 2: sized so the baseline platform's desk is busy but stable
  (utilisation well under 1); change it with the scenario's scale.
- `agent_cost_per_day` 480: an agent on duty around the clock is three 8-hour
  shifts at about 20 an hour.
- `ticket_delay_days` 1: a question about an order comes, on average, a day after it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from strategies.base import Config


class ServiceQuality(Config):
    agents: int = Field(2, ge=0, description="Agents on duty around the clock.")
    agent_cost_per_day: float = Field(480.0, ge=0, description="Cost of one agent on duty around the clock for a day.")
    handle_minutes: float = Field(8.0, gt=0, description="Mean agent time to handle one ticket, minutes.")
    handle_distribution: Literal["exponential", "lognormal", "fixed"] = Field(
        "exponential", description="Shape of handling times; exponential makes the desk an M/M/c queue."
    )
    handle_cv: float = Field(
        1.0, gt=0, description="Coefficient of variation of handling times (lognormal only)."
    )
    tickets_per_order: float = Field(
        0.1, ge=0, le=1, description="Probability that an order raises a ticket."
    )
    ticket_delay_days: float = Field(
        1.0, ge=0, description="Mean time from an order to its ticket, days (exponential)."
    )
    chatbot_deflection: float = Field(
        0.0, ge=0, le=1, description="Share of tickets a chatbot answers without an agent."
    )
    patience_minutes: float | None = Field(
        None, gt=0, description="Mean patience before a waiting shopper abandons, minutes (exponential); null: nobody abandons."
    )


CONFIG = ServiceQuality
