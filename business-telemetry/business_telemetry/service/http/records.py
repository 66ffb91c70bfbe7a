"""A spool record: one request's accepted events, as one checksummed line of a segment.

Two forms, both one JSON document:

- `{"id_base": …, "received_at": …, "events": [...]}` holds the events as stored (validated,
  normalised: the rows sinks receive);
- `{"id_base": …, "received_at": …, "body": {...}}` holds the request body exactly as received,
  for a batch `fast_batch` vouched for. The drainer writes the stored form with the same
  code when it reads the record: that takes one serialisation of every event off the path that
  acknowledges the request (figures in the README's Performance section).

Either way `id_base` numbers the events (`serialize.derive_ids`) and `received_at` is the
time of the events sent without one. A body the running version no longer vouches for (a
record spooled before an upgrade that changed a schema) is validated event by event through
the full model: what passes is delivered in its stored form, what fails is set aside with the
reason (`SpoolRecord.rejected`, for the dead-letter file), never sent as received.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import ValidationError

from business_telemetry.service.http.fast_batch import fast_batch, stored_events
from business_telemetry.service.http.models import EVENT
from business_telemetry.service.http.serialize import dump_events, field_path
from business_telemetry.service.spool.segments import encode_record

logger = logging.getLogger(__name__)
_HEAD = b'{"id_base":"'
_RECEIVED = b'","received_at":"'
_VERBATIM = b'","body":'


def spool_record(id_base: str, content: bytes, *, verbatim: bool) -> bytes:
    """The segment line for `content`: the events' JSON array as stored, or with `verbatim`
    the request body (a JSON object without a newline) as received."""
    received = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    key = b"body" if verbatim else b"events"
    return encode_record(
        b'{"id_base":"%s","received_at":"%s","%s":%s}'
        % (id_base.encode(), received.encode(), key, content)
    )


@dataclass(frozen=True)
class SpoolRecord:
    """`events` in spool order (their positions number their ids); `rejected` maps the
    position of each event that failed validation on the way out to the reason."""

    id_base: str
    received_at: str
    events: list[dict[str, Any]]
    rejected: dict[int, str] = field(default_factory=dict)


def read_record(raw: bytes) -> SpoolRecord:
    """A record's events as stored, whichever form it was spooled in."""
    parts = _verbatim_parts(raw)
    if parts is None:
        record = orjson.loads(raw)
        return SpoolRecord(record["id_base"], record["received_at"], record["events"])
    head, body = orjson.loads(parts[0]), parts[1]
    events = stored_events(body)
    if events is not None:
        return SpoolRecord(head["id_base"], head["received_at"], events)
    events, rejected = _revalidated(orjson.loads(body)["events"])
    logger.warning(
        "spool record %s: this version no longer vouches for its body; validated its %s "
        "event(s) again, %s rejected",
        head["id_base"],
        len(events),
        len(rejected),
    )
    return SpoolRecord(head["id_base"], head["received_at"], events, rejected)


def _revalidated(items: list[Any]) -> tuple[list[dict[str, Any]], dict[int, str]]:
    """Each event through the full ingestion model (`models.EVENT`), in its stored form;
    an event that fails stays at its position as received, its reason in the second value."""
    events: list[dict[str, Any]] = []
    rejected: dict[int, str] = {}
    for position, item in enumerate(items):
        try:
            events.append(orjson.loads(dump_events([EVENT.validate_python(item)]))[0])
        except (ValidationError, orjson.JSONEncodeError) as exc:
            reason = str(exc)
            if isinstance(exc, ValidationError):
                reason = "; ".join(
                    f"{field_path(error['loc']) or 'event'}: {error['msg']}"
                    for error in exc.errors(include_url=False, include_input=False)
                )
            rejected[position] = f"failed validation on the way out: {reason}"
            events.append(item if isinstance(item, dict) else {"value": item})
    return events, rejected


def record_client_ids(raw: bytes) -> tuple[str, list[Any]]:
    """A record's `id_base` and its events' client ids (None where absent), without writing
    the stored form: the drainer lists the ids of every segment it deletes."""
    parts = _verbatim_parts(raw)
    if parts is None:
        record = orjson.loads(raw)
        id_base, events = record["id_base"], record["events"]
    else:
        id_base = orjson.loads(parts[0])["id_base"]
        vouched = fast_batch(parts[1])
        if vouched is not None:
            return id_base, vouched.given
        events = orjson.loads(parts[1])["events"]
    return id_base, [event.get("event_id") for event in events]


def _verbatim_parts(raw: bytes) -> tuple[bytes, bytes] | None:
    """A verbatim record's header (as a JSON object) and body, found by the header's fixed
    layout (the body itself may hold any key, `"body"` included); None for stored events."""
    if not raw.startswith(_HEAD):
        return None
    id_end = raw.find(b'"', len(_HEAD))
    if id_end < 0 or not raw.startswith(_RECEIVED, id_end):
        return None
    received_end = raw.find(b'"', id_end + len(_RECEIVED))
    if received_end < 0 or not raw.startswith(_VERBATIM, received_end):
        return None
    return raw[: received_end + 1] + b"}", raw[received_end + len(_VERBATIM) : -1]
