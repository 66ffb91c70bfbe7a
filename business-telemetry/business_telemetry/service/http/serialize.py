"""How accepted events are stored: their JSON form, the ids derived for them, and the API's
name for a field in errors. Shared by the request side (`encode`) and the records read back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from business_telemetry.service.http.models import EVENT_TYPES


def field_path(loc: Sequence[int | str]) -> str:
    """pydantic's location as the API names fields: `events[3].data.product_id`.

    The discriminated union adds the event type as a path step; it is dropped. An empty path or
    an invalid tag means the event type itself is at fault.
    """
    path = ""
    for step in loc:
        if isinstance(step, int):
            path += f"[{step}]"
        elif step in EVENT_TYPES:
            continue
        else:
            path += f".{step}" if path else step
    return path


def _fields(obj: Any) -> Any:
    """orjson `default`: a payload model (one with validators of its own, see `models`)
    as its fields plus the extras it keeps, without nulls (as the TypedDict payloads)."""
    fields = getattr(obj, "__dict__", None)
    if fields is None:
        raise TypeError(f"cannot serialize {type(obj).__name__}")
    extra = getattr(obj, "__pydantic_extra__", None)
    return {k: v for k, v in ({**fields, **extra} if extra else fields).items() if v is not None}


def dump_events(events: Sequence[dict[str, Any]]) -> bytes:
    # orjson over the validated dicts, far cheaper than pydantic's dump_json (README,
    # Performance): the values are already validated and normalised (UTC datetimes, aliases).
    return orjson.dumps(events, default=_fields, option=orjson.OPT_UTC_Z)


_TAIL_MASK = 0xFFFF_FFFF_FFFF
_LOW_HEX = tuple(f"{low:03x}" for low in range(0x1000))
"""The last three hex digits of a derived id, preformatted: only the other nine are formatted,
once per record, which keeps deriving ids cheap on the acknowledging path."""


def event_ids(id_base: str, events: Sequence[dict[str, Any]]) -> list[str]:
    """Each event's id: the client's, else a UUID-4 shaped string whose last 48 bits count up
    from the record's random `id_base` by the event's position. The response and the drainer
    (`delivery.spooled_events`) derive the same ids, so a re-sent record keeps its ids and
    stays deduplicable."""
    return derive_ids(id_base, [event.get("event_id") for event in events])


def derive_ids(id_base: str, given: Sequence[str | None]) -> list[str]:
    """`event_ids` from the client ids (None where absent). One format string for the whole
    record: this runs for every event."""
    derived = id_base[:24] + "%012x"  # id_base is hex and dashes: no other `%` in the format
    start = int(id_base[24:], 16)
    if given.count(None) == len(given):
        low, count = start & 0xFFF, len(given)
        if low + count <= len(_LOW_HEX):  # the common case: only the last three digits move
            head = f"{id_base[:24]}{start >> 12:09x}"
            return [head + tail for tail in _LOW_HEX[low : low + count]]
        if start + count <= _TAIL_MASK:
            return [derived % tail for tail in range(start, start + count)]
    return [
        derived % ((start + position) & _TAIL_MASK) if event_id is None else event_id
        for position, event_id in enumerate(given)
    ]
