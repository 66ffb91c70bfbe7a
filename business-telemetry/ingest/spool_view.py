"""What any worker can do with the shared spool, whoever drains it.

Ask for a flush and wait until every sink's cursor covers what the spool held at the call; read
the sink health (`status.json`) and delivery metrics (`drainer.prom`) the leader publishes. All
of it goes through files, so it works the same with the drainer in this process or another.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from pathlib import Path

import orjson

from ingest.segments import list_segments, read_cursor


class SpoolView:
    def __init__(self, root: Path, sink_names: list[str]) -> None:
        if len(set(sink_names)) != len(sink_names):
            raise ValueError(f"sinks need distinct names for their spool cursors: {sink_names}")
        self.root = root
        self.sink_names = sink_names

    def start(self) -> None:
        """Begin draining (or contending to); nothing for a pure view."""

    async def stop(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Stop draining; nothing for a pure view."""

    def wake(self) -> None:
        """Hint that new records were spooled; drainers also poll, so this may do nothing."""

    def sink_errors(self) -> dict[str, str] | str:
        """Per-sink problems as the leader reports them, or why there is no report."""
        try:
            status = orjson.loads((self.root / "status.json").read_bytes())
        except (FileNotFoundError, orjson.JSONDecodeError):
            return "no drainer leader has reported yet"
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
