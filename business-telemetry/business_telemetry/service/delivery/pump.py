"""One sink's delivery loop over the spool, with its own cursor in every segment.

Each sink has a pump of its own, so an outage of one sink (retrying with back-off) neither blocks
nor re-sends to the others. Failures:
- `RetryableSinkError` or any unexpected exception: the same batch is retried with back-off and
  jitter, forever; nothing is dropped.
- `PermanentSinkError` naming `event_ids`: those events are poison on their own: they go to the
  dead-letter file with the reason, and the rest of the batch is sent again at once.
- `PermanentSinkError` without ids: the sink as a whole is unusable (credentials, missing
  entity). The events stay in the spool, the sink is reported not ready, and the batch is retried
  at the maximum back-off until an operator fixes the configuration.
Every failed open or write counts in `bt_sink_errors_total{kind=permanent|transient}` and moves
`bt_sink_state`; an error outside the sink (the disk) ends `run()`, and the drainer restarts it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from business_telemetry.events.envelope import flatten_event
from business_telemetry.service.delivery.spooled_events import Rejected, read_all, segment_event_ids
from business_telemetry.service.http.metrics import DeliveryMetrics
from business_telemetry.service.spool.segments import Cursor, is_sealed, list_segments, read_records
from business_telemetry.sinks.base import PermanentSinkError, Sink
from business_telemetry.sinks.dead_letter import DeadLetters
from business_telemetry.sinks.retry import backoff_delay

logger = logging.getLogger(__name__)
_MIN_BYTES_PER_EVENT = 100  # no spooled event is smaller
_BYTES_PER_EVENT = 300  # a typical one; bounds how much one batch reads and parses


def _by_reason(rejected: Rejected) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for event, reason in rejected:
        groups.setdefault(reason, []).append(event)
    return groups


@dataclass
class _Batch:
    """One sink batch read from a segment, ready to send."""

    end: int  # the segment offset after its last record
    rows: list[dict[str, Any]]
    ids: set[str]
    rejected: Rejected
    size: int  # events read (rows, duplicates dropped, rejected): what fills a batch


RowDefaults = dict[str, str | None]


class SinkPump:
    def __init__(
        self,
        sink: Sink,
        *,
        root: Path,
        batch_size: int,
        flush_interval: float,
        backoff: tuple[float, float],
        dedup_window: int,
        row_defaults: RowDefaults,
        metrics: DeliveryMetrics,
        dead_letters: DeadLetters,
        flush_marker: Callable[[], int],
        on_status: Callable[[str, str | None], None],
    ) -> None:
        self.sink = sink
        self.name = sink.name
        self.segments_dir = root / "segments"
        self.cursor_dir = root / "cursors" / sink.name
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.backoff = backoff
        self.dedup_window = dedup_window
        self.row_defaults = row_defaults
        self.metrics = metrics
        self.dead_letters = dead_letters
        self.flush_marker = flush_marker
        self._flush_seen = -1  # a flush asked before this pump existed still counts
        self.on_status = on_status
        self.wake = asyncio.Event()
        self.error: str | None = "not started"
        self.state = "starting"
        self.metrics.set_sink_state(self.name, self.state)
        self._opened = False
        self._cursors: dict[str, Cursor] = {}
        self._pending_since: dict[str, float] = {}
        self._seen: OrderedDict[str, None] = OrderedDict()

    def cursor(self, segment: Path) -> Cursor:
        cursor = self._cursors.get(segment.name)
        if cursor is None:
            cursor = self._cursors[segment.name] = Cursor(self.cursor_dir / (segment.name + ".cur"))
        return cursor

    def _set_status(self, error: str | None, state: str = "ready") -> None:
        if state != self.state:
            self.state = state
            self.metrics.set_sink_state(self.name, state)
        if error != self.error:
            self.error = error
            self.on_status(self.name, error)

    def crashed(self, exc: BaseException, retry_in: float) -> None:
        """`run()` died of `exc` (not a sink error); reported until a drain pass completes."""
        error = f"{type(exc).__name__}: {exc}"
        self._set_status(f"delivery loop failed ({error}); restart in {retry_in:.1f}s", "crashed")

    async def run(self) -> None:
        """Open the sink (once) and deliver forever; may be called again after it raised."""
        if not self._opened:
            await self._open()
            self._opened = True
        while True:
            progressed = await self.drain_pass()
            if self.state == "crashed":  # a whole pass went through: the restart worked
                self._set_status(None)
            if not progressed:
                self.wake.clear()
                poll = min(0.2, self.flush_interval)
                # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(poll):
                        await self.wake.wait()

    async def _open(self) -> None:
        attempt = 0
        while True:
            try:
                await self.sink.open()
                self._set_status(None)
                return
            except Exception as exc:
                attempt += 1
                permanent = isinstance(exc, PermanentSinkError)
                delay = self._note_failure(f"open failed: {exc}", attempt, permanent=permanent)
                logger.warning(
                    "sink %s: open failed (%s), attempt %s; retry in %.2fs",
                    self.name,
                    exc,
                    attempt,
                    delay,
                )
                await asyncio.sleep(delay)

    def _note_failure(self, reason: str, attempt: int, *, permanent: bool) -> float:
        """Count and report a failed open or write; return the delay before the next try (the
        maximum back-off when permanent: only an operator can fix it)."""
        self.metrics.sink_errors.labels(self.name, "permanent" if permanent else "transient").inc()
        self._set_status(reason, "unusable" if permanent else "retrying")
        initial, maximum = self.backoff
        return maximum if permanent else backoff_delay(attempt, initial=initial, maximum=maximum)

    def seed_dedup(self, delivered: Sequence[str]) -> None:
        """Remember ids already delivered: those of deleted segments (`delivered`, oldest first),
        then the acknowledged part of every retained segment, so dedup survives a restart."""
        if not self.dedup_window:
            return
        for event_id in delivered:
            self._remember(event_id)
        for segment in list_segments(self.segments_dir):
            acked = self.cursor(segment).acked
            if acked:
                with contextlib.suppress(FileNotFoundError):
                    for event_id in segment_event_ids(segment, stop=acked):
                        self._remember(event_id)

    def _remember(self, event_id: str) -> None:
        """Add to the dedup window, dropping the oldest id past its size. An OrderedDict, not a
        dict: `del d[next(iter(d))]` rescans the dummy slots earlier deletions leave at the
        front of a dict, which made every delivered event cost O(window)."""
        self._seen[event_id] = None
        if len(self._seen) > self.dedup_window:
            self._seen.popitem(last=False)

    async def drain_pass(self) -> bool:
        """Deliver what is due in every segment; True if anything was sent."""
        progressed = False
        marker = self.flush_marker()
        flush = marker != self._flush_seen
        segments = list_segments(self.segments_dir)
        live = {s.name for s in segments}
        for name in [n for n in self._cursors if n not in live]:
            self._cursors.pop(name).close()
            self._pending_since.pop(name, None)
        for segment in segments:
            with contextlib.suppress(FileNotFoundError):
                progressed |= await self._drain_segment(segment, flush)
        if not progressed:
            self._flush_seen = marker  # everything requested has been sent
        return progressed

    async def _drain_segment(self, segment: Path, flush: bool) -> bool:
        cursor = self.cursor(segment)
        if cursor.inflight_end > cursor.acked:  # a batch interrupted by a crash: same batch again
            result = read_records(
                segment, cursor.acked, limit=10**9, sealed=True, stop=cursor.inflight_end
            )
            events, rejected = read_all(result.records)
            replay = self._rows(events, cursor.inflight_end, rejected, set())
            await self._deliver(replay)
            for event_id in replay.ids:
                self._remember(event_id)
            cursor.ack(replay.end)
            return True
        pending_bytes = os.stat(segment).st_size - cursor.acked
        if pending_bytes <= 0:
            return False
        now = time.monotonic()
        since = self._pending_since.setdefault(segment.name, now)
        sealed = is_sealed(segment)
        # Reading and parsing costs CPU the request path needs: skip it while nothing forces a
        # send and the bytes cannot yet hold a full batch (an event is at least ~100 bytes).
        forced = flush or sealed or now - since >= self.flush_interval
        if not forced and pending_bytes < self.batch_size * _MIN_BYTES_PER_EVENT:
            return False
        batch: _Batch | None = self._read_batch(segment, cursor.acked, sealed)
        if batch is None or (not forced and batch.size < self.batch_size):
            return False
        while batch is not None:
            # While this batch goes to the sink (mostly I/O: files, fsyncs, the network), the
            # next one is read and prepared in a thread; only this one is marked in flight, so
            # a crash resends exactly it, as before. A partial next batch waits for more
            # unless a send is forced.
            cursor.mark_inflight(batch.end)
            sending = self._deliver(batch)
            if batch.size < self.batch_size:
                await sending
                following = None
            else:
                following, _ = await asyncio.gather(
                    asyncio.to_thread(self._read_batch, segment, batch.end, sealed, batch.ids),
                    sending,
                )
            for event_id in batch.ids:
                self._remember(event_id)
            cursor.ack(batch.end)
            if following is not None and not forced and following.size < self.batch_size:
                following = None
            batch = following
        self._pending_since.pop(segment.name, None)
        return True

    def _read_batch(
        self, segment: Path, offset: int, sealed: bool, in_flight: set[str] | None = None
    ) -> _Batch | None:
        """The batch from `offset`: its rows (duplicates of delivered or `in_flight` ids
        dropped), the events that failed validation, and where it ends; None if nothing."""
        result = read_records(
            segment,
            offset,
            limit=self.batch_size,
            sealed=sealed,
            max_bytes=self.batch_size * _BYTES_PER_EVENT,
        )
        if result.corrupt or result.torn:
            self.metrics.spool_skipped.inc(result.corrupt + int(result.torn))
            logger.warning(
                "spool %s: skipped %s corrupt and %s torn record(s)",
                segment.name,
                result.corrupt,
                int(result.torn),
            )
        if result.end == offset:
            return None
        records, rejected = read_all(result.records)
        return self._rows(records, result.end, rejected, in_flight or set())

    def _rows(
        self,
        records: list[list[dict[str, Any]]],
        end: int,
        rejected: Rejected,
        in_flight: set[str],
    ) -> _Batch:
        rows: list[dict[str, Any]] = []
        batch_ids: set[str] = set()
        seen = self._seen
        defaults = self.row_defaults
        duplicates = 0
        for events in records:
            for event in events:
                event_id = event["event_id"]
                if event_id in seen or event_id in batch_ids or event_id in in_flight:
                    duplicates += 1
                    continue
                batch_ids.add(event_id)
                rows.append(flatten_event(event, **defaults))
        if duplicates:
            self.metrics.duplicates.labels(self.name).inc(duplicates)
        return _Batch(end, rows, batch_ids, rejected, len(rows) + duplicates + len(rejected))

    async def _deliver(self, batch: _Batch) -> None:
        """Dead-letter what failed validation, then write the rows until the sink takes them
        (poison events dead-lettered, everything else retried with back-off)."""
        if batch.rejected:  # never to the sink: set aside with the reason first
            for reason, group in _by_reason(batch.rejected).items():
                await asyncio.to_thread(self.dead_letters.write, self.name, group, reason)
            self.metrics.dead_lettered.labels(self.name).inc(len(batch.rejected))
            logger.error(
                "sink %s: %s spooled event(s) failed validation; dead-lettered",
                self.name,
                len(batch.rejected),
            )
        rows = batch.rows
        attempt = 0
        while rows:
            started = time.perf_counter()
            try:
                await self.sink.write(rows)
            except PermanentSinkError as exc:
                poison = set(exc.event_ids)
                bad = [r for r in rows if r["event_id"] in poison]
                if bad:
                    await asyncio.to_thread(self.dead_letters.write, self.name, bad, str(exc))
                    self.metrics.dead_lettered.labels(self.name).inc(len(bad))
                    logger.error("sink %s: %s event(s) dead-lettered: %s", self.name, len(bad), exc)
                    rows = [r for r in rows if r["event_id"] not in poison]
                    continue
                attempt += 1
                await self._retry_later(rows, f"unusable: {exc}", attempt, permanent=True)
            except Exception as exc:
                attempt += 1
                reason = f"{type(exc).__name__}: {exc}"
                await self._retry_later(rows, reason, attempt, permanent=False)
            else:
                self.metrics.flush_latency.labels(self.name).observe(time.perf_counter() - started)
                self.metrics.sent.labels(self.name).inc(len(rows))
                break
        self._set_status(None)

    async def _retry_later(
        self, rows: list[dict[str, Any]], reason: str, attempt: int, *, permanent: bool
    ) -> None:
        self.metrics.failed.labels(self.name).inc(len(rows))
        delay = self._note_failure(reason, attempt, permanent=permanent)
        logger.warning("sink %s: %s; retry %s in %.2fs", self.name, reason, attempt, delay)
        await asyncio.sleep(delay)

    def close(self) -> None:
        for cursor in self._cursors.values():
            cursor.close()
        self._cursors.clear()
