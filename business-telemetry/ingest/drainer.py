"""The spool drainer: one leader across all worker processes delivers every segment.

Every worker runs a `Drainer` (in-process, or in a child process: `drainer_process`); the one
holding `leader.lock` (an exclusive `flock`) runs a `SinkPump` per sink over all segments, its
own and those of other or dead workers. The kernel releases the lock when the leader dies, and
another candidate takes over within a second, resuming from the cursors, so segments left by a
dead worker are claimed and drained exactly once. The leader publishes sink health
(`status.json`) and delivery metrics (`drainer.prom`) for every worker's `/ready` and `/metrics`.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from pathlib import Path

import orjson
from prometheus_client import generate_latest

from config import FabricSettings
from ingest.metrics import DeliveryMetrics
from ingest.pump import DeadLetters, SinkPump
from ingest.segments import is_sealed, list_segments, read_cursor
from ingest.spool_view import SpoolView
from sinks.base import Sink

logger = logging.getLogger(__name__)


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
        super().__init__(Path(settings.spool_dir), [s.name for s in self.sinks])
        self.settings = settings
        self.metrics = metrics
        self.is_leader = False
        self._lock_fd = -1
        self._task: asyncio.Task[None] | None = None
        self._pumps: list[SinkPump] = []
        self._pump_tasks: list[asyncio.Task[None]] = []
        self._status: dict[str, str | None] = {}

    def start(self) -> None:
        (self.root / "segments").mkdir(parents=True, exist_ok=True)
        self._task = asyncio.create_task(self._elect(), name="drainer-election")

    async def _elect(self) -> None:
        while not self._try_lead():  # noqa: ASYNC110 - a lock held by another process
            await asyncio.sleep(1.0)
        logger.info("process %s is the spool drainer leader", os.getpid())
        dead = DeadLetters(self.root / "dead_letter")
        defaults: dict[str, str | None] = {
            "environment": self.settings.environment,
            "service_name": self.settings.service_name,
            "service_version": self.settings.service_version,
        }
        for sink in self.sinks:
            pump = SinkPump(
                sink,
                root=self.root,
                batch_size=self.settings.batch_size,
                flush_interval=self.settings.flush_interval_seconds,
                backoff=(
                    self.settings.retry_initial_backoff_seconds,
                    self.settings.retry_max_backoff_seconds,
                ),
                dedup_window=self.settings.dedup_window,
                row_defaults=defaults,
                metrics=self.metrics,
                dead_letters=dead,
                flush_marker=self.flush_marker,
                on_status=self._on_status,
            )
            self._status[sink.name] = pump.error
            self._pumps.append(pump)
        self._write_status()
        self._pump_tasks = [
            asyncio.create_task(p.run(), name=f"pump-{p.name}") for p in self._pumps
        ]
        while True:
            await asyncio.sleep(1.0)
            await asyncio.to_thread(self.collect_garbage)
            self._publish_metrics()

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
        payload = orjson.dumps({"leader_pid": os.getpid(), "sinks": self._status})
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
        """Delete segments every sink has fully acknowledged and no writer holds."""
        for segment in list_segments(self.root / "segments"):
            try:
                size = segment.stat().st_size
                if not all(
                    read_cursor(self.cursor_path(name, segment))[0] >= size
                    for name in self.sink_names
                ) or not is_sealed(segment):
                    continue
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
        tasks = [t for t in [self._task, *self._pump_tasks] if t is not None]
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
