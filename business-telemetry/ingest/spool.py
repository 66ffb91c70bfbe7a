"""The spool writer: this worker's append-only segment, with group commit.

Requests hand their encoded records to `append()` and wait. One committer task writes everything
that has queued up since the last commit with a single `write` + `fdatasync` (in a thread, so the
event loop keeps accepting requests meanwhile), then wakes every request in that group. Under load
one fsync therefore acknowledges many requests; an idle request still pays only one.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from ingest.segments import SEGMENT_SUFFIX

logger = logging.getLogger(__name__)


class SpoolFullError(Exception):
    """The spool reached `FABRIC_SPOOL_MAX_BYTES`; answer 503 + Retry-After, lose nothing."""


class SpoolUnavailableError(Exception):
    """The spool cannot be written (disk error, closed); the request was not acknowledged."""


class SpoolWriter:
    """Owns one live segment at a time; rolls to a new one past `segment_bytes`."""

    def __init__(self, root: Path, *, segment_bytes: int, max_bytes: int) -> None:
        self.root = root
        self.segments_dir = root / "segments"
        self.segment_bytes = segment_bytes
        self.max_bytes = max_bytes
        self._fd = -1
        self._size = 0
        self._pending: list[bytes] = []
        self._waiters: list[asyncio.Future[None]] = []
        self._committer: asyncio.Task[None] | None = None
        self._total_cache = (0.0, 0)
        self.last_error: str | None = None
        self.on_commit: Callable[[float, int], None] | None = None

    def open(self) -> None:
        self.segments_dir.mkdir(parents=True, exist_ok=True)
        self._roll()

    @property
    def segment_path(self) -> Path | None:
        return self._current

    def _roll(self) -> None:
        """Create a new locked segment; the lock is taken before the name becomes visible."""
        name = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(3)}{SEGMENT_SUFFIX}"
        final = self.segments_dir / name
        temporary = self.segments_dir / f".{name}.tmp"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.rename(temporary, final)
        _fsync_dir(self.segments_dir)
        old, self._fd, self._size, self._current = self._fd, fd, 0, final
        if old >= 0:
            os.close(old)  # releases the lock: the old segment is now sealed

    def total_bytes(self) -> int:
        """Bytes in all segments (every worker's), re-measured at most twice a second."""
        measured_at, total = self._total_cache
        now = time.monotonic()
        if now - measured_at > 0.5:
            total = 0
            with contextlib.suppress(FileNotFoundError):
                for entry in os.scandir(self.segments_dir):
                    with contextlib.suppress(FileNotFoundError):
                        total += entry.stat().st_size
            self._total_cache = (now, total)
        return total

    def check_room(self, incoming: int) -> None:
        if self.total_bytes() + incoming > self.max_bytes:
            raise SpoolFullError(f"spool holds more than FABRIC_SPOOL_MAX_BYTES={self.max_bytes}")

    async def append(self, payload: bytes) -> None:
        """Return once `payload` (whole encoded records) is on disk; raise if it is not."""
        if self._fd < 0:
            raise SpoolUnavailableError("spool is closed")
        self.check_room(len(payload))
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append(payload)
        self._waiters.append(future)
        if self._committer is None:
            self._committer = asyncio.create_task(self._commit_loop())
        await asyncio.shield(future)

    async def _commit_loop(self) -> None:
        try:
            while self._pending:
                payload = b"".join(self._pending)
                waiters = self._waiters
                self._pending, self._waiters = [], []
                started = time.perf_counter()
                try:
                    await asyncio.to_thread(self._write_sync, payload)
                except OSError as exc:
                    self.last_error = f"spool write failed: {exc}"
                    logger.error("spool write failed: %s", exc)
                    for waiter in waiters:
                        if not waiter.done():
                            waiter.set_exception(SpoolUnavailableError(self.last_error))
                    continue
                self.last_error = None
                if self.on_commit is not None:
                    self.on_commit(time.perf_counter() - started, len(waiters))
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_result(None)
        finally:
            self._committer = None

    def _write_sync(self, payload: bytes) -> None:
        view = memoryview(payload)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        os.fdatasync(self._fd)
        self._size += len(payload)
        if self._size >= self.segment_bytes:
            self._roll()

    def writable(self) -> str | None:
        """None when appends can succeed, else the reason (for /ready)."""
        if self._fd < 0:
            return "spool is closed"
        if self.last_error:
            return self.last_error
        if not os.access(self.segments_dir, os.W_OK):
            return f"spool dir {self.segments_dir} is not writable"
        if self.total_bytes() >= self.max_bytes:
            return "spool is full (FABRIC_SPOOL_MAX_BYTES)"
        return None

    async def close(self) -> None:
        while self._committer is not None:
            await asyncio.shield(self._committer)
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    _current: Path | None = None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
