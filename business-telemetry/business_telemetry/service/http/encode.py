"""Validate request bodies and turn accepted events into spool records, as cheaply as possible.

A batch is first offered to `fast_batch` (msgspec structs mirroring the schemas, a strict
subset of them). Otherwise the whole raw batch is validated with one pydantic-core call; only
when that fails is the batch validated event by event, so one bad event never costs the others
their acceptance.
Missing `event_id` / `event_time` are spliced into the serialized JSON (one timestamp per request)
instead of being produced by per-event Python default factories, which cost more than validation.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import ValidationError

from business_telemetry.service.http.errors import ProblemError
from business_telemetry.service.http.fast_batch import GROWTH_PER_EVENT, fast_batch
from business_telemetry.service.http.models import BATCH, EVENT, EVENT_TYPES
from business_telemetry.service.http.records import spool_record
from business_telemetry.service.http.serialize import derive_ids, dump_events, field_path

_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}


def new_uuid4() -> str:
    """A random (version 4) UUID string, ~5x cheaper than `str(uuid.uuid4())`."""
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


def _describe(exc: ValidationError, prefix: tuple[int | str, ...]) -> list[dict[str, Any]]:
    out = []
    for error in exc.errors(include_url=False, include_input=False):
        loc = (*prefix, *error["loc"])
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc = (*loc, "event_type")
            message = "unknown or missing event_type; expected one of the documented types"
        else:
            message = error["msg"]
        out.append({"field": field_path(loc) or "body", "message": message})
    return out


@dataclass
class Encoded:
    """Accepted records and per-index errors of one request."""

    payload: list[bytes] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)
    event_types: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    rejected_types: list[str] = field(default_factory=list)
    total: int = 0


def _unstorable(event: dict[str, Any], max_event_bytes: int) -> str | None:
    """Why one event cannot be spooled (too big, not representable), or None."""
    try:
        size = len(dump_events([event])) - 2
    except orjson.JSONEncodeError as exc:
        return f"event cannot be stored as JSON: {exc}"
    if size > max_event_bytes:
        return f"event is {size} bytes, over FABRIC_MAX_EVENT_BYTES={max_event_bytes}"
    return None


def _encode(
    events: Sequence[tuple[int, dict[str, Any]]], out: Encoded, max_event_bytes: int
) -> None:
    """All accepted events of a request become ONE spool record (one checksum, one line)."""
    accepted = [event for _, event in events]
    try:
        dumped = dump_events(accepted)
        check_each = len(dumped) > max_event_bytes  # some event may be over the limit
    except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits somewhere in `data`
        dumped, check_each = b"", True
    if check_each:
        kept = []
        for index, event in events:
            problem = _unstorable(event, max_event_bytes)
            if problem is None:
                kept.append(event)
                continue
            out.rejected_types.append(event["event_type"])
            out.errors.append({"index": index, "field": f"events[{index}]", "error": problem})
        accepted = kept
        dumped = dump_events(accepted) if accepted else b""
    if not accepted:
        return
    given = [event.get("event_id") for event in accepted]
    _record(out, dumped, given, [event["event_type"] for event in accepted], verbatim=False)


def _record(
    out: Encoded, content: bytes, given: list[str | None], types: list[str], *, verbatim: bool
) -> None:
    """The one spool record of a request's accepted events: `content` is their JSON array as
    stored, or with `verbatim` the request body itself (see `records`)."""
    id_base = new_uuid4()
    out.event_ids = derive_ids(id_base, given)
    out.event_types = types
    out.payload.append(spool_record(id_base, content, verbatim=verbatim))


def encode_batch(body: bytes, *, max_events: int, max_event_bytes: int) -> Encoded:
    """A batch body's accepted events as one spool record, and the errors of the others.

    `fast_batch` first: when it vouches for the whole batch (every event valid, within
    the limits) its record holds the events `encode_batch_pydantic` would store, several times
    cheaper. Where it can, the record holds the body as received and the drainer writes the
    stored form (`records`): one serialisation less on the path that acknowledges.
    Anything else (an invalid event, an alias, an unmirrored type) takes the pydantic path,
    which names each error."""
    fast = fast_batch(body)
    if fast is not None and 0 < len(fast.types) <= max_events:
        out = Encoded(total=len(fast.types))
        stored_at_most = len(body) + len(fast.types) * GROWTH_PER_EVENT
        if fast.free_fields_empty and stored_at_most <= max_event_bytes and b"\n" not in body:
            _record(out, body, fast.given, fast.types, verbatim=True)
            return out
        dumped = fast.dump()
        if len(dumped) <= max_event_bytes:
            _record(out, dumped, fast.given, fast.types, verbatim=False)
            return out
    return encode_batch_pydantic(body, max_events=max_events, max_event_bytes=max_event_bytes)


def encode_batch_pydantic(body: bytes, *, max_events: int, max_event_bytes: int) -> Encoded:
    """`encode_batch` by the pydantic schemas of `models` alone: the reference path."""
    out = Encoded()
    try:
        events = list(enumerate(BATCH.validate_json(body).events))
    except ValidationError:
        events = _validate_one_by_one(body, out)
    out.total = len(events) + len(out.errors)
    if out.total > max_events:
        raise ProblemError(
            422,
            f"batch has {out.total} events, over FABRIC_MAX_BATCH_EVENTS={max_events}",
            errors=[{"field": "events", "message": f"at most {max_events} events per batch"}],
        )
    if out.total == 0:
        raise ProblemError(
            422, "batch is empty", errors=[{"field": "events", "message": "at least one event"}]
        )
    _encode(events, out, max_event_bytes)
    out.errors.sort(key=lambda e: int(e["index"]))
    return out


def _validate_one_by_one(body: bytes, out: Encoded) -> list[tuple[int, dict[str, Any]]]:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ProblemError(400, "request body is not valid JSON") from None
    items = document.get("events") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise ProblemError(
            422,
            "body must be an object with an `events` list",
            errors=[{"field": "events", "message": "must be a list of events"}],
        )
    events = []
    for index, item in enumerate(items):
        try:
            events.append((index, EVENT.validate_python(item)))
        except ValidationError as exc:
            claimed = item.get("event_type") if isinstance(item, dict) else None
            known = isinstance(claimed, str) and claimed in EVENT_TYPES
            out.rejected_types.append(str(claimed) if known else "unknown")
            described = _describe(exc, ("events", index))
            out.errors.append(
                {
                    "index": index,
                    "field": described[0]["field"],
                    "error": "; ".join(f"{d['field']}: {d['message']}" for d in described),
                }
            )
    return events


def encode_single(body: bytes, *, max_event_bytes: int) -> Encoded:
    try:
        event = EVENT.validate_json(body)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise ProblemError(400, "request body is not valid JSON") from None
        errors = _describe(exc, ())
        raise ProblemError(422, f"invalid event: {errors[0]['field']}", errors=errors) from None
    out = Encoded(total=1)
    _encode([(0, event)], out, max_event_bytes)
    if out.errors:
        message = str(out.errors[0]["error"])
        raise ProblemError(422, message, errors=[{"field": "body", "message": message}])
    return out
