"""Exponential back-off with jitter, shared by the spool drainer and the SDK's buffer."""

from __future__ import annotations

import random


def backoff_delay(attempt: int, *, initial: float, maximum: float) -> float:
    """Delay before retry number `attempt` (1-based): uniform in [c/2, c), c = min(max, init*2^n).

    "Equal jitter" (AWS blog "Exponential Backoff And Jitter"): the delay keeps growing
    with every failure, yet many workers hitting the same throttled target do not retry in step.
    """
    ceiling = min(maximum, initial * (2 ** max(0, attempt - 1)))
    return random.uniform(ceiling / 2, ceiling)
