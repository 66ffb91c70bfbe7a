"""On-disk format of the spool: segment files of checksummed JSON lines, and per-sink cursors.

A segment is `segments/<ns>-<pid>-<rand>.seg`, appended to by exactly one worker process, which
holds an exclusive `flock` on it for as long as it may still write. The lock is how everyone else
tells a live segment from a sealed one: the kernel drops it when the writer closes the file or
dies (even by `kill -9`), so a segment left by a dead worker is simply a sealed segment.

Record: `<crc32 as 8 hex> <json>\\n`. orjson never emits a raw newline, so a line is a record. A
last line without its newline, or one whose checksum fails, is a torn write from a crash: in a
sealed segment it is skipped (and counted), never fatal; in a live one it is not yet complete.

Cursor: `cursors/<sink>/<segment>.cur` holds two offsets, `acked` and `inflight_end`. Before a
batch goes to a sink the range is recorded (fsynced) as in flight; after the sink accepts it,
`acked` moves to its end. After a crash the in-flight range is sent again *as the same batch*,
which file-like sinks turn into an overwrite (they must accept a batch twice); a message hub keeps
both copies, which consumers drop by `event_id` (at-least-once; see the README).

Delivered ids: `delivered_ids.jsonl` keeps the event ids of segments already deleted (see
`DeliveredIds`), so the de-duplication window outlives the segments it was seeded from.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

SEGMENT_SUFFIX = ".seg"
_CURSOR_FORMAT = "{:020d} {:020d}\n"
_CURSOR_BYTES = 42
_CHUNK = 1 << 20
_TYPICAL_ID_BYTES = 40  # a UUID in a JSON array: 36 characters, quotes and a comma


def encode_record(payload: bytes) -> bytes:
    """One spool line for one JSON document."""
    return b"%08x %s\n" % (zlib.crc32(payload), payload)


@dataclass(frozen=True)
class ReadResult:
    records: list[bytes]
    end: int
    corrupt: int
    torn: bool


def read_records(
    path: Path, offset: int, *, limit: int, sealed: bool, stop: int = -1, max_bytes: int = 0
) -> ReadResult:
    """Up to `limit` intact records from `offset` (up to byte `stop` when given), and the offset
    after the last one consumed. A bad line is skipped only when the segment is sealed; in a live
    segment reading stops before it (a write may still be landing). With `max_bytes`, reading
    stops once that many bytes of records are consumed (at least one record).
    """
    records: list[bytes] = []
    corrupt = 0
    position = offset
    buffer = b""
    at_eof = blocked = False
    with open(path, "rb") as handle:
        handle.seek(offset)
        while (
            len(records) < limit
            and not blocked
            and not (max_bytes and position - offset >= max_bytes)
        ):
            want = _CHUNK if stop < 0 else min(_CHUNK, stop - position - len(buffer))
            data = handle.read(want) if want > 0 else b""
            if not data:
                at_eof = want > 0
                break
            buffer += data
            start = 0
            while len(records) < limit:
                if max_bytes and position + start - offset >= max_bytes:
                    break
                newline = buffer.find(b"\n", start)
                if newline < 0:
                    break
                line = buffer[start:newline]
                if _intact(line):
                    records.append(line[9:])
                elif sealed:
                    corrupt += 1
                else:
                    blocked = True
                    break
                start = newline + 1
            position += start
            buffer = buffer[start:]
    torn = sealed and at_eof and bool(buffer)
    if torn:
        position += len(buffer)
    return ReadResult(records, position, corrupt, torn)


def _intact(line: bytes) -> bool:
    if len(line) < 10 or line[8:9] != b" ":
        return False
    try:
        expected = int(line[:8], 16)
    except ValueError:
        return False
    return zlib.crc32(line[9:]) == expected


def list_segments(directory: Path) -> list[Path]:
    """Segments oldest first (names start with a nanosecond timestamp)."""
    try:
        names = sorted(n for n in os.listdir(directory) if n.endswith(SEGMENT_SUFFIX))
    except FileNotFoundError:
        return []
    return [directory / n for n in names]


def is_sealed(path: Path) -> bool:
    """True when no process holds the segment's writer lock any more."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing drops our probe lock too
    return True


def segment_created_ns(path: Path) -> int:
    try:
        return int(path.name.split("-", 1)[0])
    except ValueError:
        return 0


class Cursor:
    """Delivery position of one sink in one segment (see module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        created = not path.exists()
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        if created:  # a cursor lost to a power cut would resend the segment from its start
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        raw = os.pread(self._fd, _CURSOR_BYTES, 0)
        self.acked, self.inflight_end = _parse_cursor(raw)

    def mark_inflight(self, end: int) -> None:
        """Durably note the range [acked, end) before it is handed to the sink."""
        self.inflight_end = end
        os.pwrite(self._fd, _CURSOR_FORMAT.format(self.acked, end).encode(), 0)
        os.fdatasync(self._fd)

    def ack(self, end: int) -> None:
        """The sink has [acked, end). No fsync: losing this only re-sends the in-flight batch."""
        self.acked = self.inflight_end = end
        os.pwrite(self._fd, _CURSOR_FORMAT.format(end, end).encode(), 0)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)


def read_cursor(path: Path) -> tuple[int, int]:
    try:
        with open(path, "rb") as handle:
            return _parse_cursor(handle.read(_CURSOR_BYTES))
    except FileNotFoundError:
        return 0, 0


def _parse_cursor(raw: bytes) -> tuple[int, int]:
    try:
        acked, inflight = raw.split()
        return int(acked), max(int(acked), int(inflight))
    except ValueError:
        return 0, 0


class DeliveredIds:
    """The last `window` event ids of deleted segments, in `delivered_ids.jsonl`.

    A segment is deleted once every sink has all of it, and with it went the only record of
    which ids were delivered: without this log a client retrying an old `event_id` after a
    restart would be delivered twice. One JSON array per deleted segment (appended and fsynced
    before the segment goes, so a crash in between only repeats ids); rewritten down to the last
    `window` ids once it grows past about twice that. Only the drainer leader writes it.
    """

    def __init__(self, path: Path, window: int) -> None:
        self.path = path
        self.window = window
        self._compact_above = 2 * window * _TYPICAL_ID_BYTES

    def load(self) -> list[str]:
        """Oldest first, at most `window`; a torn last line (crash mid-append) is ignored."""
        if not self.window:
            return []
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        ids: list[str] = []
        for line in raw.splitlines():
            with contextlib.suppress(orjson.JSONDecodeError):
                chunk = orjson.loads(line)
                if isinstance(chunk, list):
                    ids.extend(str(event_id) for event_id in chunk)
        return ids[-self.window :]

    def append(self, ids: Sequence[str]) -> None:
        """Durably record `ids` (call before deleting the segment that held them)."""
        if not self.window or not ids:
            return
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, orjson.dumps(list(ids[-self.window :])) + b"\n")
            os.fsync(fd)
            size = os.fstat(fd).st_size
        finally:
            os.close(fd)
        if size > self._compact_above:
            self._compact()

    def _compact(self) -> None:
        kept = orjson.dumps(self.load()) + b"\n"
        temporary = self.path.with_name(f".{self.path.name}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, kept)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, self.path)
        # Long ids: let the file reach twice what `window` of them take before compacting again.
        self._compact_above = max(self._compact_above, 2 * len(kept))
