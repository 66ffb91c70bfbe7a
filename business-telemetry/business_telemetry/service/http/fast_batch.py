"""A first, cheaper validation of a batch body: msgspec structs mirroring the hot-path schemas.

pydantic's `BATCH.validate_json` is the largest cost of `/events/batch`, and msgspec decodes and
checks the same body far more cheaply (business-telemetry README, Performance). The structs
are derived from the same pydantic models as `models`, and accept a strict subset of what those
accept:

- canonical field names only: an alias choice (`product_category`) or an extra key in `data`
  is an unknown field, so the batch is refused here;
- exact JSON types: no lax coercion (`"5"` for an int, `5.0` for an int, `1` for a bool), and
  integers within 64 bits, typed fields and `Any` ones alike (orjson, which the drainer reads
  records with, cannot hold more; the pydantic path refuses those events as unstorable);
- `event_time` only as an RFC 3339 timestamp (`T`, 0-6 fraction digits, `Z` or `+hh:mm`),
  converted to UTC as `event_envelope.as_utc` does;
- only event types whose payload has no validators of its own (the token totals) and no
  before-validator (the session events copy `session_id` between envelope and payload).

What is refused here is validated by pydantic exactly as before, which also names the field of
every error: this module can make a valid batch cheaper, never change what is accepted. What it
accepts serialises to the same spool record as the pydantic path (a test checks it for every
event type, with optional fields absent, null and set, and with unusual timestamps).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Union, cast, get_args, get_origin

import annotated_types
import msgspec
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from business_telemetry.events.envelope import (
    EVENT_ID_PATTERN,
    SESSION_TYPES,
    EnvelopeFields,
    EventType,
    as_utc,
)
from business_telemetry.events.payloads import PAYLOADS
from business_telemetry.service.http.models import has_own_validators

_RFC3339 = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?\Z"
)
_UNSET = msgspec.UNSET


class _Unsupported(Exception):
    """A field this module does not mirror; its event type is left to pydantic."""


def _python_pattern(pattern: str) -> str:
    """pydantic's regex engine ends `$` at the end of the text; Python's `$` also matches
    before a final newline, so it becomes `\\Z`."""
    return (
        pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith(r"\$") else pattern
    )


_INT64 = {"ge": -(2**63), "le": 2**63 - 1}
"""The integers accepted here: within what orjson writes (the pydantic path refuses a larger
one as unstorable) and what msgspec's bounds can express."""


def _meta(metadata: Sequence[Any], *, integer: bool) -> msgspec.Meta | None:
    limits: dict[str, Any] = dict(_INT64) if integer else {}
    for item in metadata:
        if isinstance(item, annotated_types.MinLen):
            limits["min_length"] = item.min_length
        elif isinstance(item, annotated_types.MaxLen):
            limits["max_length"] = item.max_length
        elif isinstance(item, annotated_types.Ge):
            limits["ge"] = max(item.ge, limits.get("ge", item.ge))
        elif isinstance(item, annotated_types.Le):
            limits["le"] = min(item.le, limits.get("le", item.le))
        elif type(item).__name__ == "_PydanticGeneralMetadata" and set(vars(item)) == {"pattern"}:
            limits["pattern"] = _python_pattern(item.pattern)
        else:
            raise _Unsupported(repr(item))
    return msgspec.Meta(**limits) if limits else None


def _type(annotation: Any, metadata: Sequence[Any] = ()) -> Any:
    """The msgspec type accepting exactly the JSON values pydantic accepts unchanged (and can
    store), with the field's constraints."""
    origin, args = get_origin(annotation), get_args(annotation)
    if annotation in (str, int, float, bool):
        kind = annotation
    elif origin in (Union, types.UnionType) and len(args) == 2 and type(None) in args:
        (inner,) = [arg for arg in args if arg is not type(None)]
        return _type(inner, metadata) | None
    elif origin is list and len(args) == 1:
        kind = list[_type(args[0])]  # type: ignore[misc]
    elif origin is dict and args == (str, Any):
        kind = dict[str, Any]
    elif origin is Annotated:
        base, *extras = args
        if not all(isinstance(extra, FieldInfo) for extra in extras):
            raise _Unsupported(repr(annotation))
        inner_metadata = [item for extra in extras for item in extra.metadata]
        return _type(base, [*inner_metadata, *metadata])
    else:
        raise _Unsupported(repr(annotation))
    meta = _meta(metadata, integer=kind is int)
    return kind if meta is None else Annotated[kind, meta]


def _holds_any(annotation: Any) -> bool:
    return annotation is Any or any(_holds_any(arg) for arg in get_args(annotation))


def _fields(model: type[BaseModel], skip: set[str]) -> list[tuple[Any, ...]]:
    """`defstruct` fields of a model: required ones bare, those defaulting to None UNSET (absent
    stays absent, null stays null, as in the TypedDicts of `models`), others defaulted."""
    fields: list[tuple[Any, ...]] = []
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        kind = _type(info.annotation, info.metadata)
        if info.is_required():
            fields.append((name, kind))
        elif info.default_factory is not None:
            fields.append(
                (
                    name,
                    kind,
                    msgspec.field(default_factory=cast(Callable[[], Any], info.default_factory)),
                )
            )
        elif info.default is None:
            fields.append((name, kind | msgspec.UnsetType, _UNSET))
        else:
            fields.append((name, kind, info.default))
    return fields


def _free_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """Fields typed `Any` somewhere inside: their integers are range-checked after decoding."""
    return tuple(n for n, info in model.model_fields.items() if _holds_any(info.annotation))


def _ints_fit(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_ints_fit(item) for item in value.values())
    if isinstance(value, list):
        return all(_ints_fit(item) for item in value)
    if isinstance(value, int) and not isinstance(value, bool):
        return bool(_INT64["ge"] <= value <= _INT64["le"])
    return True


_ENVELOPE_OWN = {"event_id", "event_type", "event_time", "data"}
"""Envelope fields each event struct declares itself (as `models` overrides them)."""
_ENVELOPE_FREE = tuple(n for n in _free_fields(EnvelopeFields) if n not in _ENVELOPE_OWN)


def _event_struct(event_type: str) -> type[msgspec.Struct]:
    model = PAYLOADS[event_type]
    if has_own_validators(model) or event_type in SESSION_TYPES:
        raise _Unsupported(event_type)
    payload = msgspec.defstruct(
        f"Fast_{model.__name__}", _fields(model, set()), forbid_unknown_fields=True
    )
    envelope = [
        ("data", payload),
        ("event_id", Annotated[str, msgspec.Meta(pattern=_python_pattern(EVENT_ID_PATTERN))]
         | None | msgspec.UnsetType, _UNSET),
        ("event_time", Annotated[str, msgspec.Meta(pattern=_RFC3339)] | None | msgspec.UnsetType,
         _UNSET),
        *_fields(EnvelopeFields, _ENVELOPE_OWN),
    ]  # fmt: skip
    return msgspec.defstruct(
        "Fast_" + event_type.replace(".", "_"), envelope, tag_field="event_type", tag=event_type
    )


def _structs() -> dict[type[msgspec.Struct], tuple[str, tuple[str, ...]]]:
    """Each mirrored event struct with its event type and its payload's `Any` fields."""
    mirrored = {}
    for event_type in EventType:
        try:
            struct = _event_struct(event_type.value)
        except _Unsupported:
            continue
        mirrored[struct] = (event_type.value, _free_fields(PAYLOADS[event_type.value]))
    return mirrored


MIRRORED = _structs()
"""The event structs of this module, with their event types and payload `Any` fields."""
_Batch = msgspec.defstruct("FastBatch", [("events", list[Union[tuple(MIRRORED)]])])  # type: ignore[misc]  # noqa: UP007
_DECODE: Callable[[bytes], Any] = msgspec.json.Decoder(_Batch).decode
_ENCODE: Callable[[Any], bytes] = msgspec.json.Encoder().encode


def _growth(struct: type[msgspec.Struct]) -> int:
    """The most bytes an event of `struct` can gain between its JSON as received and as stored,
    when its `Any` fields are empty: every default the client left out written (`"x":default,`),
    every float spelled in one character written as the longest double (24), and `event_time`
    written with six fraction digits where one was sent. Strings, integers, booleans and nulls
    never grow (msgspec writes the shortest escapes JSON allows), whitespace only shrinks. The
    time's allowance is added at every nesting level: an over-estimate, kept for simplicity."""
    total = 0
    for field in msgspec.structs.fields(struct):
        if field.default_factory is not msgspec.NODEFAULT:
            total += len(_ENCODE({field.encode_name: field.default_factory()}))
        elif field.default not in (msgspec.NODEFAULT, _UNSET):
            total += len(_ENCODE({field.encode_name: field.default}))
        if isinstance(field.type, type) and issubclass(field.type, msgspec.Struct):
            total += _growth(field.type)
        elif _holds(field.type, float, inside_list=True):
            raise _Unsupported(f"{field.name}: a list of floats can grow without bound")
        elif _holds(field.type, float):
            total += 23
    return total + len(".000000") - len(".0")


def _holds(annotation: Any, kind: type, *, inside_list: bool = False) -> bool:
    """Whether `kind` occurs in the annotation (with `inside_list`, as a list's items)."""
    if inside_list and get_origin(annotation) is list:
        return _holds(annotation, kind)
    if annotation is kind:
        return not inside_list
    return any(_holds(arg, kind, inside_list=inside_list) for arg in get_args(annotation))


GROWTH_PER_EVENT = max(_growth(struct) for struct in MIRRORED)
"""Bytes an event may gain from received to stored JSON (see `_growth`), for every mirrored
type: a body of n events is at most `len(body) + n * GROWTH_PER_EVENT` bytes once stored."""


@dataclass
class Vouched:
    """A batch `fast_batch` vouches for: every event valid, decoded and normalised."""

    events: list[msgspec.Struct]
    given: list[str | None]  # the client's event ids, None where absent
    types: list[str]
    free_fields_empty: bool  # no event carries values in `Any` fields (see `_growth`)

    def dump(self) -> bytes:
        """The events as stored: the spool record's `events`."""
        return _ENCODE(self.events)


def fast_batch(body: bytes) -> Vouched | None:
    """The batch decoded and checked, or None when this module cannot vouch for every event
    of it (the caller then validates it with pydantic)."""
    try:
        events = _DECODE(body).events
        kinds = [MIRRORED[type(event)] for event in events]
        empty = True
        for event, (_, payload_free) in zip(events, kinds, strict=True):
            if event.event_time.__class__ is str:
                event.event_time = as_utc(datetime.fromisoformat(event.event_time))
            for name in _ENVELOPE_FREE:
                if value := getattr(event, name):
                    empty = False
                    if not _ints_fit(value):
                        return None
            for name in payload_free:
                if value := getattr(event.data, name):
                    empty = False
                    if not _ints_fit(value):
                        return None
    except (msgspec.ValidationError, msgspec.DecodeError, ValueError):
        return None
    given = [event.event_id if event.event_id.__class__ is str else None for event in events]
    return Vouched(events, given, [event_type for event_type, _ in kinds], empty)


def stored_events(body: bytes) -> list[dict[str, Any]] | None:
    """The events of a body `fast_batch` vouched for, as stored (None if it no longer does):
    the rows `Vouched.dump` would write, built directly (a quarter of the cost of writing
    and parsing them)."""
    vouched = fast_batch(body)
    if vouched is None:
        return None
    return cast(list[dict[str, Any]], msgspec.to_builtins(vouched.events))
