"""What any worker can do with the shared spool, whoever drains it.

Ask for a flush and wait until every sink's cursor covers what the spool held at the call; read
the sink health (`status.json`) and delivery metrics (`drainer.prom`) the leader publishes. All
of it goes through files, so it works the same with the drainer in this process or another.
The leader rewrites `status.json` every second (its `heartbeat`), so a status older than
`stale_after` seconds means no leader is running, whatever the sinks last looked like.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from business_telemetry.service.spool.segments import list_segments, read_cursor

HEARTBEAT_SECONDS = 1.0
MIN_STALE_SECONDS = 5.0


def stale_after(flush_interval: float) -> float:
    """When a silent leader counts as gone: a few flush intervals, never under 5 heartbeats
    (a busy machine may delay one by a second or two; /ready must not flap on it)."""
    return max(3 * flush_interval, MIN_STALE_SECONDS)


def read_status(root: Path) -> dict[str, Any] | None:
    """What the drainer leader last published in `status.json`, or None before any report."""
    try:
        status = orjson.loads((root / "status.json").read_bytes())
    except (FileNotFoundError, orjson.JSONDecodeError):
        return None
    return status if isinstance(status, dict) else None


class SpoolView:
    def __init__(
        self, root: Path, sink_names: list[str], *, stale_after: float = MIN_STALE_SECONDS
    ) -> None:
        if len(set(sink_names)) != len(sink_names):
            raise ValueError(f"sinks need distinct names for their spool cursors: {sink_names}")
        self.root = root
        self.sink_names = sink_names
        self.stale_after = stale_after

    def start(self) -> None:
        """Begin draining (or contending to); nothing for a pure view."""

    async def stop(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Stop draining; nothing for a pure view."""

    def wake(self) -> None:
        """Hint that new records were spooled; drainers also poll, so this may do nothing."""

    def sink_errors(self) -> dict[str, str] | str:
        """Per-sink problems as a live leader reports them, or why there is no live report."""
        status = read_status(self.root)
        if status is None:
            return "no drainer leader has reported yet"
        beat = status.get("heartbeat")
        age = time.time() - beat if isinstance(beat, int | float) else float("inf")
        if age > self.stale_after:
            since = (
                datetime.fromtimestamp(beat, UTC).isoformat(timespec="seconds")
                if isinstance(beat, int | float)
                else "an unknown time"
            )
            return (
                f"drainer not running: status stale since {since} "
                f"(no heartbeat for over {self.stale_after:.0f}s)"
            )
        sinks = status.get("sinks") or {}
        return {name: str(error) for name, error in sinks.items() if error}

    def delivery_metrics_text(self) -> bytes:
        """The delivery metrics the leader last published (Prometheus text format)."""
        try:
            return (self.root / "drainer.prom").read_bytes()
        except FileNotFoundError:
            return b""

    def cursor_path(self, sink: str, segment: Path) -> Path:
        return self.root / "cursors" / sink / (segment.name + ".cur")

    def flush_marker(self) -> int:
        """Changes whenever someone asks for a flush (the mtime of `flush.request`)."""
        try:
            return (self.root / "flush.request").stat().st_mtime_ns
        except FileNotFoundError:
            return 0

    async def flush(self, timeout: float) -> bool:  # noqa: ASYNC109
        """Ask the leader to send everything spooled so far; True once every sink has it."""
        targets = {}
        for segment in list_segments(self.root / "segments"):
            with contextlib.suppress(FileNotFoundError):
                targets[segment] = segment.stat().st_size
        marker = self.root / "flush.request"
        marker.touch()
        now = time.time_ns()
        os.utime(marker, ns=(now, now))
        self.wake()
        deadline = time.monotonic() + timeout
        while not all(self._covered(seg, size) for seg, size in targets.items()):
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    def _covered(self, segment: Path, size: int) -> bool:
        if not segment.exists():
            return True
        return all(read_cursor(self.cursor_path(n, segment))[0] >= size for n in self.sink_names)
