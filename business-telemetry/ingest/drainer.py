"""The spool drainer: one leader across all worker processes delivers every segment.

Every worker runs a `Drainer`; the one holding `leader.lock` (an exclusive `flock`) runs a
`SinkPump` per sink over all segments, its own and those of other or dead workers. The kernel
releases the lock when the leader dies, and another worker takes over within a second, resuming
from the cursors, so segments left by a dead worker are claimed and drained exactly once.

`/flush` may hit any worker: it touches `flush.request`, which the leader's pumps treat as "send
now", and then waits until every sink's cursor covers what the spool held when it was called.
The leader publishes sink health in `status.json` for `/ready` of every worker.
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

from config import FabricSettings
from ingest.metrics import Metrics
from ingest.pump import DeadLetters, SinkPump
from ingest.segments import is_sealed, list_segments, read_cursor
from sinks.base import Sink

logger = logging.getLogger(__name__)


def expand_sinks(sink: Sink) -> list[Sink]:
    """A composite is delivered child by child, each with its own cursor."""
    children = getattr(sink, "children", None)
    if isinstance(children, list) and children:
        return [leaf for child in children for leaf in expand_sinks(child)]
    return [sink]


class Drainer:
    def __init__(self, settings: FabricSettings, sink: Sink, metrics: Metrics) -> None:
        self.root = Path(settings.spool_dir)
        self.settings = settings
        self.sinks = expand_sinks(sink)
        names = [s.name for s in self.sinks]
        if len(set(names)) != len(names):
            raise ValueError(f"sinks need distinct names for their spool cursors: {names}")
        self.metrics = metrics
        self.is_leader = False
        self._lock_fd = -1
        self._task: asyncio.Task[None] | None = None
        self._pumps: list[SinkPump] = []
        self._pump_tasks: list[asyncio.Task[None]] = []
        self._status: dict[str, str | None] = {}

    @property
    def sink_names(self) -> list[str]:
        return [s.name for s in self.sinks]

    def start(self) -> None:
        (self.root / "segments").mkdir(parents=True, exist_ok=True)
        self._task = asyncio.create_task(self._elect(), name="drainer-election")

    async def _elect(self) -> None:
        while not self._try_lead():  # noqa: ASYNC110 - a lock held by another process
            await asyncio.sleep(1.0)
        logger.info("worker %s is the spool drainer leader", os.getpid())
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
                flush_marker=self._flush_mtime,
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
        """New records in this worker's segment: let the pumps look now, not at the next poll."""
        for pump in self._pumps:
            pump.wake.set()

    def _flush_mtime(self) -> int:
        try:
            return (self.root / "flush.request").stat().st_mtime_ns
        except FileNotFoundError:
            return 0

    def _on_status(self, sink: str, error: str | None) -> None:
        self._status[sink] = error
        self._write_status()

    def _write_status(self) -> None:
        payload = orjson.dumps({"leader_pid": os.getpid(), "sinks": self._status})
        temporary = self.root / f".status.{os.getpid()}.tmp"
        temporary.write_bytes(payload)
        os.replace(temporary, self.root / "status.json")

    def sink_errors(self) -> dict[str, str] | str:
        """Per-sink problems as the leader reports them, or why there is no report."""
        try:
            status = orjson.loads((self.root / "status.json").read_bytes())
        except (FileNotFoundError, orjson.JSONDecodeError):
            return "no drainer leader has reported yet"
        sinks = status.get("sinks") or {}
        return {name: str(error) for name, error in sinks.items() if error}

    def collect_garbage(self) -> None:
        """Delete segments every sink has fully acknowledged and no writer holds."""
        for segment in list_segments(self.root / "segments"):
            try:
                size = segment.stat().st_size
                if not all(
                    read_cursor(self._cursor_path(name, segment))[0] >= size
                    for name in self.sink_names
                ) or not is_sealed(segment):
                    continue
                segment.unlink()
            except FileNotFoundError:
                continue
            for name in self.sink_names:
                with contextlib.suppress(FileNotFoundError):
                    self._cursor_path(name, segment).unlink()

    def _cursor_path(self, sink: str, segment: Path) -> Path:
        return self.root / "cursors" / sink / (segment.name + ".cur")

    async def flush(self, timeout: float) -> bool:  # noqa: ASYNC109
        """Ask the leader to send everything spooled so far; True once every sink has it."""
        targets = {}
        for segment in list_segments(self.root / "segments"):
            with contextlib.suppress(FileNotFoundError):
                targets[segment] = segment.stat().st_size
        marker = self.root / "flush.request"
        marker.touch()
        os.utime(marker, ns=(time.time_ns(), time.time_ns()))
        self.wake()
        deadline = time.monotonic() + timeout
        while True:
            if all(self._covered(seg, size) for seg, size in targets.items()):
                return True
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.02)

    def _covered(self, segment: Path, size: int) -> bool:
        if not segment.exists():
            return True
        return all(read_cursor(self._cursor_path(n, segment))[0] >= size for n in self.sink_names)

    async def stop(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        if self.is_leader and all(p.error is None for p in self._pumps):
            with contextlib.suppress(Exception):
                await self.flush(timeout)
        tasks = [t for t in [self._task, *self._pump_tasks] if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for pump in self._pumps:
            pump.close()
            with contextlib.suppress(Exception):
                await pump.sink.close()
        if self._lock_fd >= 0:
            os.close(self._lock_fd)
            self._lock_fd = -1
        self.is_leader = False
