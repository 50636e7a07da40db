"""The value of fast delivery (docs/model.md §3, §4): the one place where delivery speed,
not only lateness, acts on the shopper.

* **Conversion.** A delivery promise shorter than the norm shoppers expect
  (`logistics.delivery_speed.reference_days`) raises checkout -> order by
  `conversion_per_day` for each day shorter (compounded). A promise at or above the norm
  changes nothing, so the model at its default promise is still the published one.
* **Satisfaction.** An order delivered on time and sooner than the norm raises its shopper's
  satisfaction by `satisfaction_per_day` for each day sooner, on top of the on-time gain.
  Lateness is judged against the promise, as before (fulfilment.py).

Where the numbers come from (docs/evidence.md, "Delivery speed"): each business day less
of delivery time raised a retailer's online sales by about 1.5 % (Fisher, Gallino & Xu
2019); the norm of about three days is China's express parcels' (State Post Bureau); the
satisfaction gain is an assumption.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from simulation.kernel.config import Config


class DeliverySpeed(Config):
    """How much faster-than-usual delivery is worth to a shopper."""

    reference_days: float = Field(
        3.0, gt=0, description="The delivery time shoppers take as normal, days (China's express parcels arrive in "
                               "about 2.5-3 days, State Post Bureau; docs/evidence.md)."
    )
    conversion_per_day: float = Field(
        0.015, ge=0, description="Checkout -> order x (1 + this) per day the promise is shorter than reference_days "
                                 "(about 1.5 % more online sales per business day faster: Fisher, Gallino & Xu 2019)."
    )
    satisfaction_per_day: float = Field(
        0.01, ge=0, le=1, description="Satisfaction gained per day an on-time order arrives sooner than reference_days "
                                      "(an assumption: a day sooner is worth an on-time delivery)."
    )


def promise_conversion_factor(promised_days: float, speed: DeliverySpeed) -> float:
    """What a promise faster than the norm does to checkout -> order: 1 at or above the norm."""
    days_faster = max(0.0, speed.reference_days - promised_days)
    return (1.0 + speed.conversion_per_day) ** days_faster


def speed_satisfaction_gain(delivery_days: np.ndarray, on_time: np.ndarray, speed: DeliverySpeed) -> np.ndarray:
    """The satisfaction an on-time order earns for arriving sooner than the norm (0 otherwise)."""
    days_sooner = np.clip(speed.reference_days - delivery_days, 0.0, None)
    return np.where(on_time, speed.satisfaction_per_day * days_sooner, 0.0)
