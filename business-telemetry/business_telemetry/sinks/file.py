"""File sink: JSON-lines files partitioned by event type and event date, written atomically.

Layout (the spec's): `<output_dir>/<event_type with . as _>/year=YYYY/month=MM/day=DD/
YYYYMMDD_HHMMSS_<id>.jsonl`. The date and time come from the events' `event_time`, never from the
wall clock, and `<id>` is a digest of the event ids in the file, so writing the same batch twice
(a retry after a crash) replaces the file with identical content instead of duplicating it.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson

from business_telemetry.sinks.base import Envelope, PermanentSinkError
from business_telemetry.sinks.buffered import BaseSink, SinkType

EVENT_TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}(\.[a-z][a-z0-9_]{0,63}){0,4}$")


def event_type_segment(event_type: object) -> str | None:
    """`product.viewed` → `product_viewed`; None for anything that is not a plain dotted name."""
    if not isinstance(event_type, str) or not EVENT_TYPE_PATTERN.fullmatch(event_type):
        return None
    return event_type.replace(".", "_")


def parse_event_time(value: object) -> datetime | None:
    """ISO-8601 `event_time` as an aware UTC datetime (naive values are taken as UTC)."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


class FileSink(BaseSink):
    """Local JSON-lines files; each is fsynced and renamed into place, then its dir fsynced."""

    sink_type = SinkType.FILE

    def __init__(
        self,
        output_dir: str | os.PathLike[str] = "./business_telemetry_output",
        partition_by_type: bool = True,
        partition_by_date: bool = True,
        batch_size: int = 100,
        flush_interval_seconds: float = 10.0,
        *,
        name: str = "file",
        **buffer_options: Any,
    ) -> None:
        super().__init__(
            batch_size=batch_size, flush_interval_seconds=flush_interval_seconds, **buffer_options
        )
        self.name = name
        self.output_dir = Path(os.path.abspath(output_dir))  # one meaning whatever the cwd later
        self.partition_by_type = partition_by_type
        self.partition_by_date = partition_by_date

    async def open(self) -> None:
        await asyncio.to_thread(self._open_sync)

    def _open_sync(self) -> None:
        try:
            self.output_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PermanentSinkError(f"output dir {self.output_dir} unusable: {exc}") from exc
        if not os.access(self.output_dir, os.W_OK):
            raise PermanentSinkError(f"output dir {self.output_dir} is not writable")

    async def write(self, batch: Sequence[Envelope]) -> None:
        await asyncio.to_thread(self._write_sync, batch)

    async def close(self) -> None:
        return None

    def _write_sync(self, batch: Sequence[Envelope]) -> None:
        root = self.output_dir.resolve()
        groups: dict[tuple[str, date], list[tuple[datetime, Envelope]]] = {}
        poison: list[str] = []
        segments: dict[object, str | None] = {}  # a batch holds few types: check each once
        for event in batch:
            event_type = event.get("event_type")
            segment = segments.get(event_type, "")
            if segment == "":
                segment = segments[event_type] = event_type_segment(event_type)
            when = parse_event_time(event.get("event_time"))
            if segment is None or when is None:
                poison.append(str(event.get("event_id", "")))
                continue
            groups.setdefault((segment, when.date()), []).append((when, event))
        if poison:
            raise PermanentSinkError("invalid event_type or event_time for a file path", poison)
        for (segment, _day), items in groups.items():
            self._write_group(root, segment, items)

    def _write_group(
        self, root: Path, segment: str, items: list[tuple[datetime, Envelope]]
    ) -> None:
        first = items[0][0]
        folder = root
        if self.partition_by_type:
            folder = folder / segment
        if self.partition_by_date:
            folder = folder / f"year={first:%Y}" / f"month={first:%m}" / f"day={first:%d}"
        if not folder.resolve().is_relative_to(root):  # defence in depth; the regex forbids it
            raise PermanentSinkError("event_type escapes the output dir", [])
        # The digest of every id followed by a NUL: the name a retry of the same batch gets.
        ids = b"".join(str(event.get("event_id", "")).encode() + b"\0" for _, event in items)
        lines = [orjson.dumps(event if type(event) is dict else dict(event)) for _, event in items]
        name = f"{first:%Y%m%d_%H%M%S}_{hashlib.sha256(ids).hexdigest()[:12]}.jsonl"
        folder.mkdir(parents=True, exist_ok=True)
        _atomic_write(folder / name, b"\n".join(lines) + b"\n")


def _atomic_write(target: Path, payload: bytes) -> None:
    """Readers see the old file or the complete new one, never a half-written line."""
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        view = memoryview(payload)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, target)
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
