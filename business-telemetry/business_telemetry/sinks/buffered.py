"""`BaseSink`: the original SDK's buffered sink API (`send`, `send_batch`, `flush`, `start`,
`stop`) on top of the `Sink` protocol, for in-process SDK use. Every concrete sink derives from it
so the original SDK's callers keep that API; the HTTP service calls only `open`/`write`/`close`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from business_telemetry.sinks.base import Envelope, PermanentSinkError, RetryableSinkError
from business_telemetry.sinks.dead_letter import DeadLetters
from business_telemetry.sinks.retry import backoff_delay

logger = logging.getLogger(__name__)


class SinkType(StrEnum):
    """The kinds of sink `FABRIC_SINK_TYPE` can name (the original SDK's enum)."""

    EVENT_HUB = "eventhub"
    ONELAKE = "onelake"
    CONSOLE = "console"
    FILE = "file"
    COMPOSITE = "composite"


@dataclass(frozen=True)
class SinkResult:
    """Outcome of `send_batch` / `flush` / `stop`: `success` is False when any event was not
    delivered. The counts say where the others are: still queued in memory for the next flush,
    written to the dead-letter file, or dropped (no dead-letter file configured)."""

    success: bool
    sink_type: SinkType
    events_sent: int
    error_message: str | None = None
    latency_ms: float | None = None
    events_queued: int = 0
    events_dead_lettered: int = 0
    events_dropped: int = 0

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


class BaseSink:
    """A `Sink` plus the original SDK's buffered API, for in-process (SDK) use.

    Subclasses implement `write` (and `open` / `close` when they hold connections); a subclass
    written for the original SDK, implementing `_send_batch_impl(events)` and calling
    `super().__init__(sink_type, batch_size, flush_interval_seconds)`, works unchanged.

    Buffering: `send()` enqueues; a background task started by `start()` writes batches of
    `batch_size` at least every `flush_interval_seconds`; transient failures (`RetryableSinkError`,
    `OSError`, timeouts) are retried `retry_attempts` times with back-off; `stop()` flushes.

    Nothing is dropped silently. The queue holds at most `max_queue_size` events:
    * a flush that still fails leaves its events queued for the next flush;
    * a `send_batch` that still fails puts its undelivered events in the queue, so the periodic
      flush retries them (it returns `success=False` with `events_queued`);
    * past the bound the newest events are refused: `send()` first waits up to
      `enqueue_timeout_seconds` for room and then returns False; refused events are written to
      `dead_letter_dir/<name>.jsonl` when that is set, otherwise counted in `dropped` and logged;
    * events a sink rejects one by one (`PermanentSinkError.event_ids`) are set aside the same
      way and the rest of their batch is sent again at once;
    * `stop()` flushes one last time; what is still undelivered goes to the dead-letter file, or
      stays queued (a later `start()` retries it), and the returned result names the count.
    The HTTP service does not use this queue: it spools to disk and calls `write` directly.
    """

    name: str = "sink"
    sink_type: SinkType = SinkType.CONSOLE

    def __init__(
        self,
        sink_type: SinkType | None = None,
        batch_size: int = 100,
        flush_interval_seconds: float = 5.0,
        *,
        max_queue_size: int = 10_000,
        enqueue_timeout_seconds: float = 1.0,
        retry_attempts: int = 4,
        retry_initial_backoff_seconds: float = 0.1,
        retry_max_backoff_seconds: float = 5.0,
        dead_letter_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        if batch_size < 1 or max_queue_size < 1 or flush_interval_seconds <= 0:
            raise ValueError("batch_size, max_queue_size and flush_interval_seconds must be > 0")
        cls = type(self)
        if cls.write is BaseSink.write and cls._send_batch_impl is BaseSink._send_batch_impl:
            raise TypeError(f"{cls.__name__} must implement write(batch) or _send_batch_impl")
        if sink_type is not None:
            self.sink_type = sink_type
            self.name = sink_type.value
        self.batch_size = batch_size
        self.flush_interval = flush_interval_seconds
        self.max_queue_size = max(max_queue_size, batch_size)
        self.enqueue_timeout = enqueue_timeout_seconds
        self.retry_attempts = retry_attempts
        self._backoff = (retry_initial_backoff_seconds, retry_max_backoff_seconds)
        self.dead_letters = DeadLetters(dead_letter_dir) if dead_letter_dir is not None else None
        self._queue: deque[dict[str, Any]] = deque()
        self._flush_lock = asyncio.Lock()
        self._room = asyncio.Condition()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._opened = False
        self.dropped = 0
        self.dead_lettered = 0
        self.sent = 0
        self.failures = 0

    async def open(self) -> None:
        """Connect; raise `SinkError` when the target cannot be reached."""

    async def write(self, batch: Sequence[Envelope]) -> None:
        """Deliver every event of `batch` or raise `SinkError`."""
        await self._send_batch_impl([dict(e) for e in batch])

    async def _send_batch_impl(self, events: list[dict[str, Any]]) -> None:
        """The original SDK's hook; implement `write` instead in new sinks."""
        raise NotImplementedError

    async def close(self) -> None:
        """Release connections."""

    @property
    def queued(self) -> int:
        return len(self._queue)

    async def start(self) -> None:
        """Open the sink and start the periodic flush task."""
        await self._ensure_open()
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"{self.name}-flush")

    async def stop(self) -> SinkResult:
        """Stop the flush task, flush what is queued, close; report what was not delivered."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        result = await self.flush()
        left = list(self._queue)
        if left:
            reason = f"not delivered by stop(): {result.error_message}"
            if self.dead_letters is not None and await self._dead_letter(left, reason):
                self._queue.clear()
                where = f"written to {self.dead_letters.path_for(self.name)}"
                result = replace(result, events_queued=0, events_dead_lettered=len(left))
            else:
                where = "still queued in memory (no dead-letter file); a later start() retries"
            result = replace(result, error_message=f"{len(left)} events not delivered, {where}")
            logger.error("%s sink stopped: %s", self.name, result.error_message)
        if self._opened:
            await self.close()
            self._opened = False
        return result

    async def send(self, event: Any) -> bool:
        """Queue one event; True once queued, False if refused because the queue stayed full."""
        record = event_to_dict(event)
        if len(self._queue) >= self.max_queue_size and not await self._wait_for_room():
            await self._set_aside([record], f"queue full ({self.max_queue_size} events)")
            return False
        self._queue.append(record)
        if len(self._queue) >= self.batch_size:
            if self._task is None:
                await self.flush()
            else:
                self._wakeup.set()
        return True

    async def send_batch(self, events: Sequence[Any]) -> SinkResult:
        """Write `events` now (retrying transient errors); what still fails is queued for the
        next flush, within the queue's bound (see the class docstring)."""
        records = [event_to_dict(e) for e in events]
        started = time.perf_counter()
        sent = aside = 0
        for start in range(0, len(records), self.batch_size):
            try:
                delivered, rejected = await self._deliver(records[start : start + self.batch_size])
            except Exception as exc:
                rest = records[start:]
                room = max(0, self.max_queue_size - len(self._queue))
                self._queue.extend(rest[:room])
                if rest[room:]:
                    await self._set_aside(rest[room:], f"queue full ({self.max_queue_size} events)")
                queued = min(room, len(rest))
                error = f"{exc}; {queued} of {len(rest)} undelivered events queued for retry"
                logger.error("%s sink: %s", self.name, error)
                return self._result(started, sent, aside + len(rest) - queued, error, queued)
            sent += delivered
            aside += rejected
        return self._result(started, sent, aside)

    async def flush(self) -> SinkResult:
        """Write everything queued; on failure the unsent events stay queued."""
        async with self._flush_lock:
            started = time.perf_counter()
            sent = aside = 0
            while self._queue:
                size = min(self.batch_size, len(self._queue))
                batch = [self._queue[i] for i in range(size)]
                try:
                    delivered, rejected = await self._deliver(batch)
                except Exception as exc:
                    logger.error("%s sink: flush failed, %s events kept", self.name, self.queued)
                    return self._result(started, sent, aside, str(exc), self.queued)
                for _ in range(size):
                    self._queue.popleft()
                sent += delivered
                aside += rejected
                async with self._room:
                    self._room.notify_all()
            return self._result(started, sent, aside)

    def _result(
        self, started: float, sent: int, aside: int, error: str | None = None, queued: int = 0
    ) -> SinkResult:
        """Success only when nothing failed and nothing was set aside (dead-lettered/dropped)."""
        if error is None and aside:
            error = f"{aside} events not accepted by the sink"
        kind = "events_dead_lettered" if self.dead_letters is not None else "events_dropped"
        latency = (time.perf_counter() - started) * 1000
        return SinkResult(
            error is None, self.sink_type, sent, error, latency, queued, **{kind: aside}
        )

    async def _ensure_open(self) -> None:
        if not self._opened:
            await self.open()
            self._opened = True

    async def _deliver(self, batch: list[dict[str, Any]]) -> tuple[int, int]:
        """Write `batch` with retries; events the sink names as poison are set aside and the
        rest is sent again. Returns (delivered, set aside); raises when the batch is not done."""
        pending = batch
        aside = 0
        while pending:
            try:
                await self._ensure_open()
                await self._write_with_retry(pending)
            except PermanentSinkError as exc:
                poison = set(exc.event_ids)
                bad = [e for e in pending if str(e.get("event_id")) in poison]
                if not bad:  # the whole sink refuses us: keep everything, report
                    raise
                await self._set_aside(bad, f"rejected by {self.name}: {exc}")
                aside += len(bad)
                pending = [e for e in pending if str(e.get("event_id")) not in poison]
                continue
            self.sent += len(pending)
            return len(pending), aside
        return 0, aside

    async def _dead_letter(self, rows: list[dict[str, Any]], reason: str) -> bool:
        """Append `rows` to this sink's dead-letter file; False if none is set or it failed."""
        if self.dead_letters is None:
            return False
        try:
            await asyncio.to_thread(self.dead_letters.write, self.name, rows, reason)
        except OSError:
            logger.exception("%s sink: dead-letter file not writable", self.name)
            return False
        self.dead_lettered += len(rows)
        return True

    async def _set_aside(self, rows: list[dict[str, Any]], reason: str) -> None:
        """Events this sink will not keep: to the dead-letter file, else counted and logged."""
        if await self._dead_letter(rows, reason):
            logger.error("%s sink: %s events dead-lettered: %s", self.name, len(rows), reason)
            return
        self.dropped += len(rows)
        logger.error("%s sink: %s events dropped: %s", self.name, len(rows), reason)

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
