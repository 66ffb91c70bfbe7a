"""The fixed Arrow schema of one event type's Lakehouse rows (Parquet files and Delta tables).

Columns mirror the flat row sinks receive (`event_envelope.flatten_event`): the envelope columns,
typed (`event_time` a UTC timestamp, the rest strings); `event_date`, derived from `event_time` (the
Delta partition column); one typed column per key field of the event type (`events.payloads`), so
the Lakehouse SQL endpoint filters on `product_id` or sums `total` without JSON functions; `data`
and `custom_properties` as JSON strings, so no field is ever lost; and `envelope_extra` (JSON) for
any other top-level key. A key value that does not fit its column's type leaves the column null
(`data` keeps it). `event_from_row` rebuilds the exact row a table row was written from.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

import orjson
import pyarrow as pa

from business_telemetry.events.envelope import ENVELOPE_COLUMNS
from business_telemetry.events.payloads import PAYLOADS

NOT_NULL = frozenset({"event_id", "event_type", "event_time"})
ENVELOPE_FIELDS: tuple[pa.Field, ...] = tuple(
    pa.field(
        name,
        pa.timestamp("us", tz="UTC") if name == "event_time" else pa.string(),
        nullable=name not in NOT_NULL,
    )
    for name in ENVELOPE_COLUMNS
)
DATE_FIELD = pa.field("event_date", pa.date32(), nullable=False)
JSON_FIELDS: tuple[pa.Field, ...] = (
    pa.field("data", pa.string()),
    pa.field("custom_properties", pa.string()),
    pa.field("envelope_extra", pa.string()),
)
JSON_COLUMNS = ("data", "custom_properties")
FIXED_NAMES = frozenset(f.name for f in (*ENVELOPE_FIELDS, DATE_FIELD, *JSON_FIELDS))

_SCALARS: dict[type, pa.DataType] = {
    str: pa.string(),
    int: pa.int64(),
    float: pa.float64(),
    bool: pa.bool_(),
}


def _arrow_type(annotation: Any) -> tuple[pa.DataType, bool]:
    """Arrow type for a payload field annotation; the flag says "store as a JSON string"."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return _arrow_type(args[0])
    if annotation in _SCALARS:
        return _SCALARS[annotation], False
    if origin is list and len(args) == 1 and args[0] in _SCALARS:
        return pa.list_(_SCALARS[args[0]]), False
    return pa.string(), True


@cache
def key_columns(event_type: str) -> tuple[tuple[str, pa.DataType, bool], ...]:
    """(column, arrow type, stored as JSON) for each key field of `event_type`.

    Key fields named like an envelope column (`session_id`, `user_id`) have no column of their
    own: the flat row keeps the envelope's value there, and `data` keeps the payload's.
    """
    model = PAYLOADS.get(event_type)
    if model is None:
        return ()
    columns = []
    for field_name, info in model.model_fields.items():
        if field_name in FIXED_NAMES:
            continue
        arrow_type, as_json = _arrow_type(info.annotation)
        columns.append((field_name, arrow_type, as_json))
    return tuple(columns)


@cache
def schema_for(event_type: str) -> pa.Schema:
    """The table schema of `event_type` (same for every batch, so Delta appends never evolve)."""
    keys = [pa.field(name, arrow_type) for name, arrow_type, _ in key_columns(event_type)]
    return pa.schema([*ENVELOPE_FIELDS, DATE_FIELD, *keys, *JSON_FIELDS])


def _json(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _coerce(value: Any, arrow_type: pa.DataType, as_json: bool) -> Any:
    """The value if it fits the column type, else None (the `data` JSON keeps the original)."""
    if value is None:
        return None
    if as_json:
        return _json(value)
    if pa.types.is_list(arrow_type):
        if not isinstance(value, list):
            return None
        items = [_coerce(v, arrow_type.value_type, False) for v in value]
        return None if any(i is None for i in items) else items
    if pa.types.is_boolean(arrow_type):
        return value if isinstance(value, bool) else None
    if pa.types.is_integer(arrow_type):
        ok = isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63
        return value if ok else None
    if pa.types.is_floating(arrow_type):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return float(value) if ok else None
    return value if isinstance(value, str) else None


def to_row(event: Mapping[str, Any], event_time: datetime) -> dict[str, Any]:
    """One table row for the flat `event`; `event_time` is its parsed `event_time` in UTC."""
    row: dict[str, Any] = {}
    for name in ENVELOPE_COLUMNS:
        value = event.get(name)
        row[name] = None if value is None else str(value)
    row["event_time"] = event_time
    row["event_date"] = event_time.date()
    keys = key_columns(str(event.get("event_type")))
    for name, arrow_type, as_json in keys:
        row[name] = _coerce(event.get(name), arrow_type, as_json)
    row["data"] = _json(event.get("data"))
    row["custom_properties"] = _json(event.get("custom_properties"))
    known = FIXED_NAMES.union(name for name, _, _ in keys)
    extra = {k: v for k, v in event.items() if k not in known}
    row["envelope_extra"] = _json(extra) if extra else None
    return row


def to_table(event_type: str, events: Sequence[tuple[datetime, Mapping[str, Any]]]) -> pa.Table:
    """Arrow table of one event type's events, in the fixed schema of that type."""
    rows = [to_row(event, when) for when, event in events]
    return pa.Table.from_pylist(rows, schema=schema_for(event_type))


def iso_utc(value: datetime) -> str:
    """ISO 8601 with `Z`, as the service serialises `event_time`."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def event_from_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """Rebuild the flat event a table row was written from (key columns only where set)."""
    event: dict[str, Any] = {name: row.get(name) for name in ENVELOPE_COLUMNS}
    when = row.get("event_time")
    if isinstance(when, datetime):
        event["event_time"] = iso_utc(when)
    for name, _, _ in key_columns(str(row.get("event_type"))):
        value = row.get(name)
        if value is not None:
            event[name] = orjson.loads(value) if _is_json_key(row, name) else value
    for name in JSON_COLUMNS:
        value = row.get(name)
        event[name] = None if value is None else orjson.loads(value)
    extra = row.get("envelope_extra")
    if extra:
        event.update(orjson.loads(extra))
    return event


def _is_json_key(row: Mapping[str, Any], name: str) -> bool:
    return any(n == name and as_json for n, _, as_json in key_columns(str(row.get("event_type"))))


def rows_by_event_id(rows: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Index rebuilt events by `event_id` (readers dedup at-least-once delivery this way)."""
    return {str(row["event_id"]): event_from_row(row) for row in rows}
