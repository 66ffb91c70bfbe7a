"""Flow control: ingestion waits while the drainer is far behind, so the spool does not grow.

The spool absorbs sink outages (up to `FABRIC_SPOOL_MAX_BYTES`, then 503). But when the sinks
are healthy and the load simply outpaces delivery, acknowledging faster than the drainer
delivers only grows the backlog until that cap and then answers 503s, each of which costs a
full validation. Instead, while the undelivered part of the spool is over
`FABRIC_SPOOL_HIGH_WATER_BYTES` and every sink is delivering, an ingestion request waits before
its body is read (TCP holds the client back), up to `MAX_WAIT` seconds: the acknowledgement rate
then follows the delivery rate and the backlog stays near the mark. Nothing is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from pathlib import Path

from business_telemetry.service.spool.segments import list_segments, read_cursor

MAX_WAIT = 2.0  # then the request goes on: the hard cap still bounds the spool
_MEASURE_EVERY = 0.05
_POLL = 0.01


def pending_bytes(root: Path, sink_names: list[str]) -> int:
    """Spooled bytes some sink has not acknowledged yet."""
    pending = 0
    for segment in list_segments(root / "segments"):
        try:
            size = segment.stat().st_size
        except FileNotFoundError:
            continue
        acked = min(
            (read_cursor(root / "cursors" / s / (segment.name + ".cur"))[0] for s in sink_names),
            default=0,
        )
        pending += max(0, size - acked)
    return pending


class Backlog:
    """The undelivered backlog as the workers see it, measured at most every 50 ms."""

    def __init__(
        self,
        root: Path,
        sink_names: Callable[[], list[str]],
        sinks_healthy: Callable[[], bool],
        high_water: int,
    ) -> None:
        self.root = root
        self.sink_names = sink_names
        self.sinks_healthy = sinks_healthy
        self.high_water = high_water
        self._measured = (0.0, 0, True)
        self._appended = 0  # by this worker since the last measurement

    def note_appended(self, size: int) -> None:
        """Count what this worker spooled: between two measurements the backlog is taken as
        the last one plus this, so a burst cannot overshoot the mark by a measuring interval."""
        self._appended += size

    def _over(self) -> bool:
        measured_at, pending, healthy = self._measured
        now = time.monotonic()
        if now - measured_at > _MEASURE_EVERY:
            with contextlib.suppress(OSError):
                pending = pending_bytes(self.root, self.sink_names())
                # An outage is the spool's to absorb; only a working drainer sets the pace.
                healthy = pending < self.high_water or self.sinks_healthy()
                self._appended = 0
            self._measured = (now, pending, healthy)
        return pending + self._appended >= self.high_water and healthy

    async def wait_for_room(self) -> None:
        """Return at once unless the backlog is over the mark; then when it is under again,
        or after `MAX_WAIT` seconds."""
        if not self.high_water or not self._over():
            return
        deadline = time.monotonic() + MAX_WAIT
        while self._over() and time.monotonic() < deadline:  # noqa: ASYNC110 - files
            # written by other processes (the drainer) say when: there is no event to await
            await asyncio.sleep(_POLL)
