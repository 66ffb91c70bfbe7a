"""The one small contract every sink implements; buffering, retries and back-off live elsewhere.

A sink is told to deliver a batch and either returns (every event in the batch is delivered) or
raises. `RetryableSinkError` means "try the same batch again later" (throttling, connection loss,
timeouts); `PermanentSinkError` means retrying cannot help (authentication refused, entity not
found, an event too large on its own) and the drainer dead-letters or reports it instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from sinks.retry import backoff_delay

logger = logging.getLogger(__name__)

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


class SinkType(StrEnum):
    """The kinds of sink `FABRIC_SINK_TYPE` can name (the original SDK's enum)."""

    EVENT_HUB = "eventhub"
    ONELAKE = "onelake"
    CONSOLE = "console"
    FILE = "file"
    COMPOSITE = "composite"


@dataclass(frozen=True)
class SinkResult:
    """Outcome of `send_batch` / `flush`: `success` is False when any event was not delivered."""

    success: bool
    sink_type: SinkType
    events_sent: int
    error_message: str | None = None
    latency_ms: float | None = None

    def __bool__(self) -> bool:
        # The original returned this object where a bool was expected, so it was always truthy.
        return self.success


def event_to_dict(event: Any) -> dict[str, Any]:
    """Accept a `BaseEvent` (anything with `to_dict()`) or an already flat mapping."""
    to_dict = getattr(event, "to_dict", None)
    if callable(to_dict):
        result = to_dict()
        if isinstance(result, dict):
            return result
    if isinstance(event, Mapping):
        return dict(event)
    raise TypeError(f"cannot send {type(event).__name__}: expected a BaseEvent or a mapping")


class BaseSink(ABC):
    """A `Sink` plus the original SDK's buffered API, for in-process (SDK) use.

    Subclasses implement `name`, `open`, `write` and `close` only. On top of them this class keeps
    a bounded in-memory queue: `send()` enqueues; a background task started by `start()` writes
    batches of `batch_size` at least every `flush_interval_seconds`; transient failures
    (`RetryableSinkError`, `OSError`, timeouts) are retried with back-off; `stop()` flushes.

    Overflow policy: when `max_queue_size` events are waiting, `send()` waits up to
    `enqueue_timeout_seconds` for room; if none frees up it returns False and counts the event in
    `dropped`. Events whose flush fails after the retries stay queued (still within the bound).
    The HTTP service does not use this queue: it spools to disk and calls `write` directly.
    """

    name: str = "sink"
    sink_type: SinkType = SinkType.CONSOLE

    def __init__(
        self,
        *,
        batch_size: int = 100,
        flush_interval_seconds: float = 5.0,
        max_queue_size: int = 10_000,
        enqueue_timeout_seconds: float = 1.0,
        retry_attempts: int = 4,
        retry_initial_backoff_seconds: float = 0.1,
        retry_max_backoff_seconds: float = 5.0,
    ) -> None:
        if batch_size < 1 or max_queue_size < 1 or flush_interval_seconds <= 0:
            raise ValueError("batch_size, max_queue_size and flush_interval_seconds must be > 0")
        self.batch_size = batch_size
        self.flush_interval = flush_interval_seconds
        self.max_queue_size = max(max_queue_size, batch_size)
        self.enqueue_timeout = enqueue_timeout_seconds
        self.retry_attempts = retry_attempts
        self._backoff = (retry_initial_backoff_seconds, retry_max_backoff_seconds)
        self._queue: deque[dict[str, Any]] = deque()
        self._flush_lock = asyncio.Lock()
        self._room = asyncio.Condition()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._opened = False
        self.dropped = 0
        self.sent = 0
        self.failures = 0

    @abstractmethod
    async def open(self) -> None:
        """Connect; raise `SinkError` when the target cannot be reached."""

    @abstractmethod
    async def write(self, batch: Sequence[Envelope]) -> None:
        """Deliver every event of `batch` or raise `SinkError`."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections."""

    @property
    def queued(self) -> int:
        return len(self._queue)

    async def start(self) -> None:
        """Open the sink and start the periodic flush task."""
        if not self._opened:
            await self.open()
            self._opened = True
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"{self.name}-flush")

    async def stop(self) -> None:
        """Stop the flush task, flush everything queued, close the sink."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.flush()
        if self._opened:
            await self.close()
            self._opened = False

    async def send(self, event: Any) -> bool:
        """Queue one event; True once it is queued, False if the queue stayed full (dropped)."""
        record = event_to_dict(event)
        if len(self._queue) >= self.max_queue_size and not await self._wait_for_room():
            self.dropped += 1
            logger.warning("%s sink queue full (%s); event dropped", self.name, self.max_queue_size)
            return False
        self._queue.append(record)
        if len(self._queue) >= self.batch_size:
            if self._task is None:
                await self.flush()
            else:
                self._wakeup.set()
        return True

    async def send_batch(self, events: Sequence[Any]) -> SinkResult:
        """Write `events` now (retrying transient errors), bypassing the queue."""
        records = [event_to_dict(e) for e in events]
        started = time.perf_counter()
        try:
            if not self._opened:
                await self.open()
                self._opened = True
            for start in range(0, len(records), self.batch_size):
                await self._write_with_retry(records[start : start + self.batch_size])
        except Exception as exc:
            logger.error("%s sink: batch of %s not delivered: %s", self.name, len(records), exc)
            return SinkResult(False, self.sink_type, 0, str(exc))
        self.sent += len(records)
        latency = (time.perf_counter() - started) * 1000
        return SinkResult(True, self.sink_type, len(records), latency_ms=latency)

    async def flush(self) -> SinkResult:
        """Write everything queued; on failure the unsent events stay queued."""
        async with self._flush_lock:
            started = time.perf_counter()
            sent = 0
            while self._queue:
                batch = [self._queue[i] for i in range(min(self.batch_size, len(self._queue)))]
                try:
                    if not self._opened:
                        await self.open()
                        self._opened = True
                    await self._write_with_retry(batch)
                except Exception as exc:
                    logger.error("%s sink flush failed, %s events kept", self.name, self.queued)
                    return SinkResult(False, self.sink_type, sent, str(exc))
                for _ in batch:
                    self._queue.popleft()
                sent += len(batch)
                self.sent += len(batch)
                async with self._room:
                    self._room.notify_all()
            latency = (time.perf_counter() - started) * 1000
            return SinkResult(True, self.sink_type, sent, latency_ms=latency)

    async def _wait_for_room(self) -> bool:
        self._wakeup.set()
        try:
            async with asyncio.timeout(self.enqueue_timeout), self._room:
                await self._room.wait_for(lambda: len(self._queue) < self.max_queue_size)
        except TimeoutError:
            return False
        return True

    async def _write_with_retry(self, batch: Sequence[Envelope]) -> None:
        attempt = 0
        while True:
            try:
                await self.write(batch)
                return
            except (RetryableSinkError, OSError, TimeoutError) as exc:
                self.failures += 1
                attempt += 1
                if attempt > self.retry_attempts:
                    raise
                delay = backoff_delay(attempt, initial=self._backoff[0], maximum=self._backoff[1])
                logger.warning("%s sink: %s; retry %s in %.2fs", self.name, exc, attempt, delay)
                await asyncio.sleep(delay)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.flush_interval):
                    await self._wakeup.wait()
            self._wakeup.clear()
            if self._queue:
                try:
                    await self.flush()
                except Exception:  # the flush task must survive any sink bug
                    logger.exception("%s sink: periodic flush failed", self.name)
