"""Customer service: agents answering tickets, and what a desk can do better.

Mechanism, in a strategist's words: some orders raise a ticket (a question, a
problem, "where is my order?"). A pool of agents on duty around the clock answers
them in the order they came; when tickets come faster than agents can handle them a
queue forms and shoppers wait. A long wait, or giving up, lowers the shopper's
satisfaction, and unhappy shoppers buy less and leave sooner (when feedback is on).
A chatbot answers a share of the tickets without an agent. That much is the desk
every platform has, and runs whether or not the strategy is switched on.

Switched on (`enabled`), the desk can also:

* **Staff by shift.** `shifts` is a plan of shifts, each `{start_hour, end_hour,
  agents}` (hours of the day 0-24; a shift with `end_hour` at or before `start_hour`
  runs past midnight, e.g. 22 to 6). The agents on duty in an hour are `agents` (the
  around-the-clock staff) plus those of every shift covering that hour, so a plan can
  put more agents on at the busy hours and fewer at night. Agents come on and go off
  duty on the hour; one going off duty finishes the ticket in hand first. Shift
  agents cost `agent_cost_per_hour` for each hour on duty. (To staff by shifts only,
  set `agents` to 0.)
* **Count the chatbot's failures.** A share `chatbot_failure_rate` of the chatbot's
  conversations fail: the shopper loses `chatbot_failure_penalty` of satisfaction
  and queues for an agent anyway. Every conversation costs
  `chatbot_cost_per_conversation`.
* **Warn of late orders.** With `proactive_notices`, the warehouse knows when it
  ships an order that it will be late, and the shopper is told before it is: the
  chance of a "where is my order?" ticket is multiplied by `notice_ticket_factor`
  and the satisfaction lost to lateness by `notice_satisfaction_factor`. Each notice
  costs `notice_cost`.
* **Resolve at first contact, or not.** An answered ticket is resolved at first
  contact with probability `first_contact_resolution`; otherwise the shopper loses
  `unresolved_penalty` of satisfaction and comes back with a repeat ticket
  `1 + Exp(repeat_delay_days - 1)` days after the answer (the next day at the
  earliest), which queues like any other and may be unresolved again.

* **Serve around the clock (7x24).** Tickets do not come evenly through the day:
  `tickets_by_hour: ecommerce` (or 24 weights from the platform's contact logs) puts
  each day's tickets at hours drawn from a profile that is quiet before dawn and peaks
  in the evening; this holds whether or not the strategy is on, as `tickets_per_order`
  does. The night is `night_start_hour` to `night_end_hour` (22 to 8): the KPI
  `service_wait_night_mean_min` is the mean wait of the tickets that came then. A desk
  covers the night with a night shift (a `shifts` entry such as 22 to 8), whose hours
  at night cost `agent_cost_per_hour x (1 + night_premium)`, or with `night_chatbot`:
  at night the chatbot takes `night_chatbot_deflection` of the tickets instead of
  `chatbot_deflection`, each conversation at `chatbot_cost_per_conversation`; a share
  `chatbot_failure_rate` fail, costing `chatbot_failure_penalty` of satisfaction, and
  those shoppers queue for an agent (till morning, with nobody on the night shift).

With Poisson arrivals, exponential handling, no chatbot and no abandonment, the
waits are those of the M/M/c queue (Erlang C); with patience set, of Erlang A; a
shift plan breaks this (the arrival rate per agent changes by the hour).
An hourly profile breaks it too (arrivals are no longer Poisson at a constant rate).
Costs are operations, under `cost_service_quality`.

Where the default numbers come from:
- `handle_minutes` 8: contact-centre benchmarks put chat and e-mail handling at
  roughly 5–10 minutes of agent time per contact.
- `tickets_per_order` 0.1: retail support teams commonly see on the order of one
  contact per ten orders.
- `agents` 2: sized so the baseline platform's desk is busy but stable
  (utilisation well under 1); change it with the scenario's scale.
- `agent_cost_per_day` 1008: an agent on duty around the clock is three 8-hour
  shifts at about CNY 42 an hour; `agent_cost_per_hour` 42 is the same rate for shift
  agents. The rate: China's average wage of urban private-sector employees, about
  CNY 68,000 a year in 2023 (National Bureau of Statistics; to be checked), over
  about 2,000 working hours is about CNY 34 an hour, and employer social insurance and
  housing fund (an assumption: about a quarter on top) bring it to about 42. A
  customer-service agent's wage near that average is an assumption
  (docs/evidence.md).
- `ticket_delay_days` 1: a question about an order comes, on average, a day after it.
- `chatbot_cost_per_conversation` 1.0: AI support agents are sold at about that per
  conversation or resolution (e.g. Intercom's Fin at USD 0.99 per resolution, 2024;
  CNY 1 is kept: a domestic model's chatbot costs less, an assumption to be checked).
  `chatbot_failure_rate` 0 (no failures) keeps the chatbot of the baseline; surveys
  of shoppers report many bot conversations end unresolved, so set it with the
  platform's own bot logs. `chatbot_failure_penalty` 0.05: an assumption (a failed
  bot conversation annoys about as much as an hour's wait for an agent).
- `notice_ticket_factor` 0.5: vendors of tracking and notification software report
  40–80 % fewer "where is my order?" contacts after proactive notices (self-reported
  case studies); half is a cautious reading. `notice_satisfaction_factor` 0.5: an
  assumption; proactive service recovery softens a failure but does not undo it
  (Challagalla, Venkatesh & Kohli 2009, "Proactive postsales service: when and why
  does it pay off?", Journal of Marketing). `notice_cost` 0.05: an SMS or e-mail
  plus its share of the notification tool, an assumption.
- `first_contact_resolution` 1.0 (every answered ticket resolved) keeps the desk of
  the baseline. SQM Group's contact-centre benchmarks put first contact resolution
  at about 70 % and report satisfaction falling by about 15 % with each further
  contact the shopper needs: `unresolved_penalty` 0.10 on this 0–1 scale is in that
  range. `repeat_delay_days` 1: an assumption.

- `tickets_by_hour: ecommerce`: an assumed shape (about a fifth of tickets between
  22:00 and 08:00, the peak at 21:00), following online shopping's evening peak
  (Salesupply, reported by Ecommerce News Europe: sales peak between 7 and 9 pm); no
  published hourly profile of Chinese platforms' service contacts was found.
  `night_start_hour` 22 and `night_end_hour` 8: the hours a day shift of 8 to 22 leaves
  uncovered (an assumption). `night_premium` 0.2: China sets no national night-shift
  wage premium, so 0 keeps a shift agent's night hour at the around-the-clock agent's
  rate; where a night allowance is paid, about a fifth of the hourly rate (0.2, the
  showcase's figure) is an assumption.
  `night_chatbot_deflection` 0.6: an assumption, above the day's since at night the bot
  is the only answer; set `chatbot_failure_rate` from the bot's logs.

Simplified: shift agents are one pool with the around-the-clock agents (who goes
off duty is whoever frees up last, not a named person); a failed chatbot
conversation takes no time before the shopper queues; a repeat ticket goes through
the chatbot again like a first one; abandoned tickets are not repeated.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field

from simulation.kernel.api import Kpi, ServiceDesk, Strategy, StrategyPlugin


class ServiceQuality(ServiceDesk):
    """The service desk (simulation/kernel/operations.py) and what its extensions cost."""

    agent_cost_per_hour: float = Field(42.0, ge=0, description="Cost of one shift agent for one hour on duty (CNY 42, docs/evidence.md).")
    chatbot_cost_per_conversation: float = Field(1.0, ge=0, description="Cost of one chatbot conversation.")
    notice_cost: float = Field(0.05, ge=0, description="Cost of one late-order notice.")
    night_premium: float = Field(
        0.0, ge=0, description="A shift agent's hour at night costs agent_cost_per_hour x (1 + this); 0, as in "
                               "agent_cost_per_day (e.g. 0.2 where night work earns a fifth more, docs/evidence.md)."
    )


def night_wait_mean(daily) -> float:
    """Mean wait, minutes, of the tickets that came at night and an agent answered (NaN with none)."""
    answered = float(np.sum(daily["tickets_night_answered"]))
    return float(np.sum(daily["service_wait_night_minutes"])) / answered if answered else float("nan")


class ServiceQualityStrategy(Strategy):
    """Books what the desk's extensions cost; the desk itself is simulation/kernel/service_desk.py
    and the late-order notices are sent by simulation/kernel/fulfilment.py."""

    name: ClassVar[str] = "service_quality"
    cost_category: ClassVar[str] = "operations"

    def start_day(self, day: int) -> None:
        # The around-the-clock agents are booked by the engine (simulation/kernel/engine.py).
        c = self.config
        by_hour = c.shift_agents_by_hour()
        shift_hours, night_hours = int(by_hour.sum()), int(by_hour[c.night_hours()].sum())
        if shift_hours:
            self.book(c.agent_cost_per_hour * (shift_hours + c.night_premium * night_hours))

    def end_day(self, day: int) -> None:
        c, today = self.config, self.platform.today
        conversations = today.get("tickets_deflected", 0)
        notices = today.get("late_notices", 0)
        cost = conversations * c.chatbot_cost_per_conversation + notices * c.notice_cost
        if cost:
            self.book(cost)


PLUGIN = StrategyPlugin(
    name="service_quality",
    config=ServiceQuality,
    strategy=ServiceQualityStrategy,
    order=40,
    levers=("agents", "chatbot_deflection", "first_contact_resolution", "proactive_notices", "night_chatbot"),
    kpis={"service_wait_night_mean_min": Kpi("Mean wait for an agent of tickets that came at night "
                                             "(night_start_hour to night_end_hour), minutes.",
                                             night_wait_mean, unit="minutes")},
)
