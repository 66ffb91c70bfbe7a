"""The one small contract every sink implements: `Sink`, and the errors its `write` may raise.

A sink is told to deliver a batch and either returns (every event in the batch is delivered) or
raises. `RetryableSinkError` means "try the same batch again later" (throttling, connection loss,
timeouts); `PermanentSinkError` means retrying cannot help (authentication refused, entity not
found, an event too large on its own) and the drainer dead-letters or reports it instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

Envelope = Mapping[str, Any]
"""One event as the flat JSON-ready dict produced by `BaseEvent.to_dict()` (has `event_id`)."""


class SinkError(Exception):
    """Base of the errors a sink may raise from `write`."""


class RetryableSinkError(SinkError):
    """The batch may succeed if sent again later; the drainer retries with back-off."""


class PermanentSinkError(SinkError):
    """Sending again will not help.

    `event_ids` names the events that are poison on their own (dead-lettered with the reason);
    when it is empty the whole sink is unusable (bad credentials, missing entity) and the drainer
    keeps the events, reports the sink not ready and retries slowly instead of dropping them.
    """

    def __init__(self, message: str, event_ids: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.event_ids = tuple(event_ids)


@runtime_checkable
class Sink(Protocol):
    """Delivery target. Implementations must be safe to `write` the same batch twice.

    `name` is stable across restarts: the spool keeps per-sink delivery state under it.
    """

    name: str

    async def open(self) -> None:
        """Connect; raise `SinkError` when the target cannot be reached or refuses us."""

    async def write(self, batch: Sequence[Envelope]) -> None:
        """Deliver every event of `batch` or raise; never deliver part silently."""

    async def close(self) -> None:
        """Release connections; called once, after the last `write`."""
