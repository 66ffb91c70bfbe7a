"""Where and how a batch lands in a Lakehouse: blob names, grouping and file encodings.

Layout (the spec's, under the Lakehouse's `Files/`):
`<lakehouse>/Files/<base_path>/<event_type with . as _>/year=YYYY/month=MM/day=DD/
YYYYMMDD_HHMMSS_<id>.<jsonl|parquet>`, partitioned by the events' `event_time` (never the wall
clock). A batch becomes one blob per (event type, day); `<id>` is a digest of the event ids in
the blob and the time is the earliest event's, so writing the same batch again produces the same
names and overwrites instead of duplicating. Delta tables live at `<lakehouse>/Tables/<type>`.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import orjson
import pyarrow.parquet as pq

from business_telemetry.sinks import parquet_schema
from business_telemetry.sinks.base import Envelope
from business_telemetry.sinks.file import event_type_segment, parse_event_time

OUTPUT_FORMATS = ("jsonl", "parquet", "delta")
DEFAULT_BASE_PATH = "business_telemetry"
_PATH_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")
CONTENT_TYPES = {"jsonl": "application/x-ndjson", "parquet": "application/vnd.apache.parquet"}


def checked_segment(value: str, variable: str) -> str:
    """`value` as one safe path segment (a GUID or `name.Lakehouse`), else ValueError."""
    cleaned = value.strip().strip("/")
    if not _PATH_SEGMENT.fullmatch(cleaned) or cleaned in (".", ".."):
        raise ValueError(f"{variable} {value!r} must be one path segment, e.g. a GUID")
    return cleaned


def normalise_base_path(base_path: str | None) -> str:
    """`FABRIC_ONELAKE_BASE_PATH` as clean relative segments; raises ValueError naming it."""
    raw = (base_path or "").strip().strip("/")
    if not raw:
        return DEFAULT_BASE_PATH
    parts = raw.split("/")
    if any(not _PATH_SEGMENT.fullmatch(p) or p in (".", "..") for p in parts):
        raise ValueError(
            f"FABRIC_ONELAKE_BASE_PATH {base_path!r} must be relative folder names "
            "(letters, digits, '_', '-', '.'), e.g. business_telemetry"
        )
    return "/".join(parts)


@dataclass
class Group:
    """Events of one event type (and, for files, one day) from one batch, in batch order."""

    event_type: str
    segment: str
    day: date | None
    events: list[tuple[datetime, Envelope]] = field(default_factory=list)

    @property
    def first_time(self) -> datetime:
        return min(when for when, _ in self.events)

    def digest(self) -> str:
        hasher = hashlib.sha256()
        for _, event in self.events:
            hasher.update(str(event.get("event_id", "")).encode())
            hasher.update(b"\0")
        return hasher.hexdigest()[:12]


def group_batch(batch: Sequence[Envelope], *, by_day: bool) -> tuple[list[Group], list[str]]:
    """Split `batch` by event type (and day); also return the ids of events unfit for a path."""
    groups: dict[tuple[str, date | None], Group] = {}
    poison: list[str] = []
    for event in batch:
        event_type = event.get("event_type")
        segment = event_type_segment(event_type)
        when = parse_event_time(event.get("event_time"))
        if segment is None or when is None or not event.get("event_id"):
            poison.append(str(event.get("event_id", "")))
            continue
        day = when.date() if by_day else None
        key = (segment, day)
        if key not in groups:
            groups[key] = Group(str(event_type), segment, day)
        groups[key].events.append((when, event))
    return list(groups.values()), poison


def blob_name(lakehouse_id: str, base_path: str, group: Group, extension: str) -> str:
    """The spec's partitioned name of one group's blob inside the workspace container."""
    first = group.first_time
    return (
        f"{lakehouse_id}/Files/{base_path}/{group.segment}/"
        f"year={first:%Y}/month={first:%m}/day={first:%d}/"
        f"{first:%Y%m%d_%H%M%S}_{group.digest()}.{extension}"
    )


def table_path(lakehouse_id: str, segment: str) -> str:
    """Path of an event type's Delta table inside the workspace container."""
    return f"{lakehouse_id}/Tables/{segment}"


def encode_jsonl(group: Group) -> bytes:
    """One JSON object per line, each the flat event exactly as the sink received it."""
    return b"".join(orjson.dumps(dict(event)) + b"\n" for _, event in group.events)


def encode_parquet(group: Group) -> bytes:
    """A Parquet file in the event type's fixed schema (`parquet_schema`)."""
    table = parquet_schema.to_table(group.event_type, group.events)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="snappy")
    return sink.getvalue()


def encode(group: Group, output_format: str) -> bytes:
    if output_format == "parquet":
        return encode_parquet(group)
    return encode_jsonl(group)
