"""The spool drainer: one leader across all worker processes delivers every segment.

Every worker runs a `Drainer` (in-process, or in a child process: `drainer_process`); the one
holding `leader.lock` (an exclusive `flock`) runs a `SinkPump` per sink over all segments, its
own and those of other or dead workers. The kernel releases the lock when the leader dies, and
another candidate takes over within a second, resuming from the cursors, so segments left by a
dead worker are claimed and drained exactly once. The leader publishes sink health and a
heartbeat (`status.json`, every second) and delivery metrics (`drainer.prom`) for every worker's
`/ready` and `/metrics`. A pump that dies of an unexpected error is logged, reported and
restarted with back-off: delivery never stops silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import time
from pathlib import Path

import orjson
from prometheus_client import generate_latest

from business_telemetry.config import FabricSettings
from business_telemetry.service.delivery.pump import SinkPump
from business_telemetry.service.delivery.spooled_events import segment_event_ids
from business_telemetry.service.http.metrics import DeliveryMetrics
from business_telemetry.service.spool.segments import (
    DeliveredIds,
    is_sealed,
    list_segments,
    read_cursor,
)
from business_telemetry.service.spool.spool_view import HEARTBEAT_SECONDS, SpoolView, stale_after
from business_telemetry.sinks.base import Sink
from business_telemetry.sinks.dead_letter import DeadLetters
from business_telemetry.sinks.retry import backoff_delay

logger = logging.getLogger(__name__)
_HEALTHY_RUN_SECONDS = 60.0  # a pump that ran this long before failing starts its back-off over


def expand_sinks(sink: Sink) -> list[Sink]:
    """A composite is delivered child by child, each with its own cursor."""
    children = getattr(sink, "children", None)
    if isinstance(children, list) and children:
        return [leaf for child in children for leaf in expand_sinks(child)]
    return [sink]


class Drainer(SpoolView):
    """Contends for leadership; as leader runs one `SinkPump` per sink until stopped."""

    def __init__(self, settings: FabricSettings, sink: Sink, metrics: DeliveryMetrics) -> None:
        self.sinks = expand_sinks(sink)
        super().__init__(
            Path(settings.spool_dir),
            [s.name for s in self.sinks],
            stale_after=stale_after(settings.flush_interval_seconds),
        )
        self.settings = settings
        self.metrics = metrics
        self.is_leader = False
        self.delivered = DeliveredIds(self.root / "delivered_ids.jsonl", settings.dedup_window)
        self._lock_fd = -1
        self._tasks: list[asyncio.Task[None]] = []
        self._pumps: list[SinkPump] = []
        self._status: dict[str, str | None] = {}

    def start(self) -> None:
        (self.root / "segments").mkdir(parents=True, exist_ok=True)
        self._tasks.append(asyncio.create_task(self._elect(), name="drainer-election"))

    async def _elect(self) -> None:
        while not self._try_lead():  # noqa: ASYNC110 - a lock held by another process
            await asyncio.sleep(1.0)
        logger.info("process %s is the spool drainer leader", os.getpid())
        dead = DeadLetters(self.root / "dead_letter")
        self._pumps = [self._make_pump(sink, dead) for sink in self.sinks]
        self._status = {p.name: p.error for p in self._pumps}
        self._tasks.append(asyncio.create_task(self._heartbeat(), name="drainer-heartbeat"))
        # Seed before any pump sends and before any segment is collected, off the event loop
        # (a full spool takes a while to read; inline, this loop also serves HTTP).
        delivered = await asyncio.to_thread(self.delivered.load)
        for pump in self._pumps:
            await asyncio.to_thread(pump.seed_dedup, delivered)
        self._tasks += [
            asyncio.create_task(self._supervise(p), name=f"pump-{p.name}") for p in self._pumps
        ]
        while True:
            await asyncio.sleep(1.0)
            try:
                await asyncio.to_thread(self.collect_garbage)
            except Exception as exc:  # retried next second; the spool cap guards the disk
                logger.warning("spool garbage collection failed: %s", exc, exc_info=exc)

    def _make_pump(self, sink: Sink, dead: DeadLetters) -> SinkPump:
        settings = self.settings
        return SinkPump(
            sink,
            root=self.root,
            batch_size=settings.batch_size,
            flush_interval=settings.flush_interval_seconds,
            backoff=(settings.retry_initial_backoff_seconds, settings.retry_max_backoff_seconds),
            dedup_window=settings.dedup_window,
            row_defaults={
                "environment": settings.environment,
                "service_name": settings.service_name,
                "service_version": settings.service_version,
            },
            metrics=self.metrics,
            dead_letters=dead,
            flush_marker=self.flush_marker,
            on_status=self._on_status,
        )

    async def _supervise(self, pump: SinkPump) -> None:
        """Run `pump` forever: an error that escapes it (disk, a bug) is logged, reported in
        /ready and `bt_drainer_pump_restarts_total`, and the pump restarted with back-off."""
        attempt = 0
        while True:
            started = time.monotonic()
            try:
                await pump.run()
            except Exception as exc:
                attempt = 1 if time.monotonic() - started > _HEALTHY_RUN_SECONDS else attempt + 1
                delay = backoff_delay(
                    attempt,
                    initial=self.settings.retry_initial_backoff_seconds,
                    maximum=self.settings.retry_max_backoff_seconds,
                )
                self.metrics.pump_restarts.labels(pump.name).inc()
                logger.error(
                    "sink %s: delivery loop failed (%s: %s); restart %s in %.2fs",
                    pump.name,
                    type(exc).__name__,
                    exc,
                    attempt,
                    delay,
                    exc_info=exc,
                )
                with contextlib.suppress(OSError):  # the status file may be what is failing
                    pump.crashed(exc, delay)
                await asyncio.sleep(delay)

    async def _heartbeat(self) -> None:
        """Republish status and metrics every second: a stale `status.json` means no leader."""
        while True:
            try:
                self._write_status()
                self._publish_metrics()
            except OSError as exc:
                logger.warning("drainer could not publish its status: %s", exc)
            await asyncio.sleep(HEARTBEAT_SECONDS)

    def _try_lead(self) -> bool:
        fd = os.open(self.root / "leader.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._lock_fd = fd
        self.is_leader = True
        return True

    def wake(self) -> None:
        for pump in self._pumps:
            pump.wake.set()

    def _on_status(self, sink: str, error: str | None) -> None:
        self._status[sink] = error
        self._write_status()

    def _write_status(self) -> None:
        payload = orjson.dumps(
            {"leader_pid": os.getpid(), "heartbeat": time.time(), "sinks": self._status}
        )
        temporary = self.root / f".status.{os.getpid()}.tmp"
        temporary.write_bytes(payload)
        os.replace(temporary, self.root / "status.json")

    def _publish_metrics(self) -> None:
        temporary = self.root / f".drainer.prom.{os.getpid()}.tmp"
        temporary.write_bytes(generate_latest(self.metrics.registry))
        os.replace(temporary, self.root / "drainer.prom")

    def delivery_metrics_text(self) -> bytes:
        if self.is_leader:
            return generate_latest(self.metrics.registry)
        return super().delivery_metrics_text()

    def collect_garbage(self) -> None:
        """Delete segments every sink has fully acknowledged and no writer holds, keeping their
        event ids in `delivered_ids.jsonl` first (the dedup window outlives the segment)."""
        for segment in list_segments(self.root / "segments"):
            try:
                size = segment.stat().st_size
                if not all(
                    read_cursor(self.cursor_path(name, segment))[0] >= size
                    for name in self.sink_names
                ) or not is_sealed(segment):
                    continue
                if self.delivered.window:
                    self.delivered.append(segment_event_ids(segment))
                segment.unlink()
            except FileNotFoundError:
                continue
            for name in self.sink_names:
                with contextlib.suppress(FileNotFoundError):
                    self.cursor_path(name, segment).unlink()

    async def stop(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """As leader: deliver what is spooled (bounded by `timeout`), then release everything."""
        if self.is_leader and all(p.error is None for p in self._pumps):
            with contextlib.suppress(Exception):
                await self.flush(timeout)
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.is_leader:
            with contextlib.suppress(OSError):
                self._publish_metrics()
        for pump in self._pumps:
            pump.close()
            with contextlib.suppress(Exception):
                await pump.sink.close()
        if self._lock_fd >= 0:
            os.close(self._lock_fd)
            self._lock_fd = -1
        self.is_leader = False
