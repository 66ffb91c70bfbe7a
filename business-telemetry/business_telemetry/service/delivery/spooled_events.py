"""The events of spool records as the drainer delivers them: ids and times made explicit, and
the events that failed validation on the way out (`service.http.records`) set apart."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from business_telemetry.service.http.records import read_record, record_client_ids
from business_telemetry.service.http.serialize import derive_ids, event_ids
from business_telemetry.service.spool.segments import read_records

Rejected = list[tuple[dict[str, Any], str]]
"""Events that failed validation on the way out (`service.http.records`), each with the reason."""


def spool_events(raw: bytes) -> list[dict[str, Any]]:
    """The deliverable events of one spool record, with the ids and times the ingest path left
    implicit."""
    return read_spool_events(raw)[0]


def read_spool_events(raw: bytes) -> tuple[list[dict[str, Any]], Rejected]:
    """`spool_events`, and apart the events that failed validation on the way out (ids are
    derived over all of them: an event's id depends on its position in the record)."""
    record = read_record(raw)
    events = record.events
    for event, event_id in zip(events, event_ids(record.id_base, events), strict=True):
        event["event_id"] = event_id
        if event.get("event_time") is None:
            event["event_time"] = record.received_at
    if not record.rejected:
        return events, []
    rejected = [(events[position], reason) for position, reason in record.rejected.items()]
    kept = [event for position, event in enumerate(events) if position not in record.rejected]
    return kept, rejected


def segment_event_ids(segment: Path, stop: int = -1) -> list[str]:
    """Ids of the intact events of `segment` (up to byte `stop`), in spool order."""
    result = read_records(segment, 0, limit=10**9, sealed=True, stop=stop)
    ids: list[str] = []
    for raw in result.records:
        id_base, given = record_client_ids(raw)
        ids += map(str, derive_ids(id_base, given))
    return ids


def read_all(records: Sequence[bytes]) -> tuple[list[list[dict[str, Any]]], Rejected]:
    """`read_spool_events` of several records: each record's deliverable events, and all the
    rejected ones together."""
    events: list[list[dict[str, Any]]] = []
    rejected: Rejected = []
    for raw in records:
        kept, failed = read_spool_events(raw)
        events.append(kept)
        rejected += failed
    return events, rejected
