"""The msgspec first pass (`service.http.fast_batch`) against the pydantic reference path.

Whatever body the first pass accepts, the pydantic path must accept every event of it and write
the same spool record (events, client ids, types); whatever it refuses is left to pydantic. The
bodies are generated for every event type: fields absent, null, set, of the wrong JSON type,
aliased, extra; timestamps in many spellings; integers past 64 bits.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from business_telemetry.events.envelope import EventType
from business_telemetry.events.payloads import PAYLOADS
from business_telemetry.service.delivery.spooled_events import segment_event_ids, spool_events
from business_telemetry.service.http.encode import Encoded, encode_batch, encode_batch_pydantic
from business_telemetry.service.http.fast_batch import GROWTH_PER_EVENT, MIRRORED, fast_batch
from business_telemetry.service.http.records import read_record, spool_record
from business_telemetry.service.http.serialize import derive_ids

LIMITS = {"max_events": 1000, "max_event_bytes": 1_000_000}
MIRRORED_TYPES = {event_type for event_type, _ in MIRRORED.values()}

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
_GOOD_TIMES = [
    "2026-12-02T01:02:03Z",
    "2026-12-02T01:02:03.5Z",
    "2026-12-02T01:02:03.123456+05:30",
    "2026-12-02T01:02:03-08:00",
    "2026-12-02T01:02:03",
    "2026-12-02T01:02:03+00:00",
    "2026-12-02T01:02:03.000000Z",
    "0001-01-01T00:00:00+00:00",
    "9999-12-31T23:59:59-00:00",
]
_ODD_TIMES = st.one_of(
    st.sampled_from([
        "2026-12-02T01:02:03.1234567Z", "2026-12-02", "2026-12-02 01:02:03Z",
        "2026-02-30T00:00:00Z", "2026-12-02T24:00:00Z", "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00", "2026-12-02t01:02:03z", "2026-12-02T01:02:60Z",
    ]),
    st.integers(min_value=0, max_value=2_000_000_000),
    st.text(max_size=10),
)  # fmt: skip


def _good_value(annotation: Any) -> st.SearchStrategy[Any]:
    """A value of a payload field's type that pydantic takes unchanged."""
    text = repr(annotation)
    if "list[str]" in text:
        return st.lists(st.text(min_size=1, max_size=6), max_size=3)
    if "list[dict" in text:
        return st.lists(st.dictionaries(st.text(max_size=4), _small_json, max_size=2), max_size=2)
    if "dict" in text:
        return st.dictionaries(st.text(max_size=4), _small_json, max_size=3)
    if "bool" in text:
        return st.booleans()
    if "int" in text:
        return st.integers(min_value=1, max_value=5)  # within every int field's bounds
    if "float" in text:
        return st.floats(allow_nan=False, allow_infinity=False) | st.integers(-10, 10)
    return st.text(min_size=1, max_size=6)


_ODD_VALUES = st.one_of(
    _json, st.just("x" * 257), st.just(""), st.integers(2**62, 2**66), st.just(5.0),
    st.just("5"), st.just(1),
)  # fmt: skip
"""Values of any field that pydantic may refuse or coerce: other JSON types, edge lengths,
huge integers."""


_small_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner, max_size=2)
    ),
    max_leaves=4,
)


@st.composite
def _event(draw: st.DrawFn, *, odd: bool) -> dict[str, Any]:
    """One event of any type; with `odd`, each part is now and then unusual or invalid."""
    rare = (lambda: draw(st.integers(0, 11)) == 0) if odd else (lambda: False)
    event_type = draw(st.sampled_from([t.value for t in EventType]))
    data: dict[str, Any] = {}
    for name, info in PAYLOADS[event_type].model_fields.items():
        if rare():
            choice = draw(st.sampled_from(["odd", "alias", "absent", "null"]))
        else:
            choice = (
                "set" if info.is_required() else draw(st.sampled_from(["set", "absent", "null"]))
            )
        aliases = [a for a in getattr(info.validation_alias, "choices", []) if a != name]
        if choice == "set":
            data[name] = draw(_good_value(info.annotation))
        elif choice == "null":
            data[name] = None
        elif choice == "odd":
            data[name] = draw(_ODD_VALUES)
        elif choice == "alias" and aliases:
            data[str(aliases[0])] = draw(_good_value(info.annotation))
    if rare():
        data[draw(st.text(min_size=1, max_size=5))] = draw(_small_json)  # an extra key
    event: dict[str, Any] = {"event_type": event_type, "data": data}
    for name in ("event_source", "session_id", "user_id", "correlation_id", "schema_version"):
        choice = draw(st.sampled_from(["absent", "absent", "set", "null"]))
        if choice != "absent":
            value = "y" * 257 if rare() else draw(st.text(max_size=6))
            nullable = name != "schema_version" or rare()  # schema_version is never null
            event[name] = None if choice == "null" and nullable else value
    choice = draw(st.sampled_from(["absent", "ok", "null"]))
    if rare():
        event["event_id"] = draw(st.sampled_from(["-x", "abc\n", "", "a" * 129]))
    elif choice != "absent":
        ok_id = draw(st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._:-]{0,20}\Z"))
        event["event_id"] = None if choice == "null" else ok_id
    if draw(st.booleans()):
        event["event_time"] = draw(_ODD_TIMES) if rare() else draw(st.sampled_from(_GOOD_TIMES))
    if draw(st.booleans()):
        big = {"big": 2**64} if rare() else {}
        props = draw(st.dictionaries(st.text(max_size=4), _small_json, max_size=3))
        event["custom_properties"] = {**props, **big}
    if draw(st.booleans()):
        event["unknown_envelope_key"] = draw(_small_json)  # ignored by both paths
    return event


def _stored(encoded: Encoded) -> list[dict[str, Any]]:
    """The events of a request's spool record as the drainer reads them."""
    return read_record(encoded.payload[0][9:-1]).events


def _same_record(fast: Encoded, reference: Encoded) -> None:
    assert not reference.errors, reference.errors
    assert fast.total == reference.total
    assert fast.event_types == reference.event_types
    reference_events = _stored(reference)
    assert _stored(fast) == reference_events
    given = [event.get("event_id") for event in reference_events]
    for fast_id, reference_id, client_id in zip(
        fast.event_ids, reference.event_ids, given, strict=True
    ):
        if client_id is not None:
            assert fast_id == reference_id == client_id


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_event(odd=False), min_size=1, max_size=4))
def test_valid_events_of_mirrored_types_take_the_first_pass_and_match(
    events: list[dict[str, Any]],
) -> None:
    body = json.dumps({"events": events}).encode()
    if all(event["event_type"] in MIRRORED_TYPES for event in events):
        assert fast_batch(body) is not None
    else:
        assert fast_batch(body) is None
        return
    _same_record(encode_batch(body, **LIMITS), encode_batch_pydantic(body, **LIMITS))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_event(odd=True), min_size=1, max_size=4))
def test_whatever_the_first_pass_accepts_pydantic_accepts_alike(
    events: list[dict[str, Any]],
) -> None:
    body = json.dumps({"events": events}).encode()  # orjson cannot write integers past 64 bits
    if fast_batch(body) is None:
        return
    _same_record(encode_batch(body, **LIMITS), encode_batch_pydantic(body, **LIMITS))


def _batch(*events: dict[str, Any]) -> bytes:
    return json.dumps({"events": list(events)}).encode()


VIEWED = {"event_type": "product.viewed", "data": {"product_id": "p-1", "price": 9.5}}


@pytest.mark.parametrize(
    "event",
    [
        VIEWED,
        {**VIEWED, "event_id": "client-1", "event_time": "2026-12-02T01:02:03.5+05:30"},
        {**VIEWED, "event_time": "2026-12-02T01:02:03", "custom_properties": {"k": [1, "v"]}},
        {**VIEWED, "session_id": None, "data": {"product_id": "p", "product_name": None}},
        {
            "event_type": "order.placed",
            "data": {"order_id": "o", "items": [{"sku": 1}], "total": 3},
        },
        {"event_type": "customer.feedback", "data": {"feedback_rating": 5}},
    ],
)
def test_common_events_take_the_first_pass_and_match(event: dict[str, Any]) -> None:
    body = _batch(event, event)
    assert fast_batch(body) is not None
    _same_record(encode_batch(body, **LIMITS), encode_batch_pydantic(body, **LIMITS))


@pytest.mark.parametrize(
    "event",
    [
        {**VIEWED, "data": {"product_id": "p", "product_category": "alias"}},
        {**VIEWED, "data": {"product_id": "p", "colour": "extra key"}},
        {**VIEWED, "data": {"product_id": "p", "price": "9.5"}},
        {"event_type": "customer.feedback", "data": {"feedback_rating": 5.0}},
        {"event_type": "admin.product_created", "data": {"product_id": "p", "ai_assisted": 1}},
        {**VIEWED, "custom_properties": {"big": 2**64}},
        {**VIEWED, "event_time": 1764637323},
        {**VIEWED, "event_time": "2026-12-02"},
        {**VIEWED, "event_id": "abc\n"},
        {"event_type": "customer.session_started", "session_id": "s", "data": {}},
        {"event_type": "ai.recommendation", "data": {"model_name": "m", "total_tokens": 3}},
        {**VIEWED, "data": {"product_id": ""}},
    ],
)
def test_the_unusual_is_left_to_pydantic(event: dict[str, Any]) -> None:
    assert fast_batch(_batch(VIEWED, event)) is None


def test_every_simple_type_is_mirrored() -> None:
    """The five types left to pydantic are exactly the session events and the token-total
    validators; every other type takes the first pass."""
    assert set(EventType) - MIRRORED_TYPES == {
        "customer.session_started", "customer.session_ended", "ai.recommendation",
        "ai.description_generated", "agent.model_invocation",
    }  # fmt: skip


@pytest.mark.parametrize("tail", [0, 0xFFE, 0xFFF, 0x1000 - 50, 0xFFFF_FFFF_FF00, 0xFFFF_FFFF_FFFF])
@pytest.mark.parametrize("count", [1, 100, 1000])
def test_derived_ids_count_up_from_the_record_base(tail: int, count: int) -> None:
    """The ids of a record without client ids: the base's last 48 bits plus the position,
    wrapping at 48 bits, whichever way they are formatted (the response and the drainer must
    agree on every one)."""
    id_base = f"d88952bf-30ea-4c7e-8661-{tail:012x}"
    expected = [
        f"d88952bf-30ea-4c7e-8661-{(tail + i) & 0xFFFF_FFFF_FFFF:012x}" for i in range(count)
    ]
    assert derive_ids(id_base, [None] * count) == expected
    given = [None, "client-id"] * (count // 2) or [None]
    mixed = derive_ids(id_base, given)
    assert [m for m, g in zip(mixed, given, strict=True) if g] == [g for g in given if g]
    assert [m for m, g in zip(mixed, given, strict=True) if not g] == expected[: len(given)][::2]


def _form(encoded: Encoded) -> str:
    """Which form the request's spool record took (see `service.http.records`)."""
    record = orjson.loads(encoded.payload[0][9:-1])
    return "verbatim" if "body" in record else "stored"


LIMIT_64K = {"max_events": 1000, "max_event_bytes": 64 * 1024}


@pytest.mark.parametrize(
    ("body", "form"),
    [
        (_batch(*[VIEWED] * 100), "verbatim"),
        (_batch(VIEWED, {**VIEWED, "custom_properties": {"k": 1}}), "stored"),  # `Any` values
        (json.dumps({"events": [VIEWED, VIEWED]}, indent=1).encode(), "stored"),  # newlines
        (_batch(*[VIEWED] * 1000), "stored"),  # might be over the event size limit once stored
    ],
)
def test_a_vouched_batch_is_spooled_as_received_where_its_stored_size_is_bounded(
    body: bytes, form: str
) -> None:
    fast = encode_batch(body, **LIMIT_64K)
    assert _form(fast) == form
    _same_record(fast, encode_batch_pydantic(body, **LIMIT_64K))


def test_the_growth_bound_holds_for_the_events_that_grow_most() -> None:
    """Every default left out, every float one character long but written as 16 digits, every
    time with one fraction digit: the stored events stay within the bound, and a batch of them
    is spooled as received and read back as pydantic stores it."""
    events = []
    for struct, (event_type, _) in MIRRORED.items():
        data = {}
        for field in msgspec.structs.fields(struct):
            if field.name == "data":
                payload = field.type
        for field in msgspec.structs.fields(payload):
            if field.required:
                kind = repr(field.type)
                data[field.encode_name] = ["r"] if "list" in kind else "r" if "str" in kind else 1
            elif "float" in repr(field.type):
                data[field.encode_name] = "@FLOAT@"
        events.append(
            {"event_type": event_type, "event_time": "2026-12-02T01:02:03.1Z", "data": data}
        )
    body = _batch(*events).replace(b'"@FLOAT@"', b"9e15").replace(b", ", b",")
    fast = fast_batch(body)
    assert fast is not None
    stored = fast.dump()
    assert b"9000000000000000.0" in stored
    assert len(stored) - len(body) > len(events) * GROWTH_PER_EVENT // 2  # a tight test
    assert len(stored) <= len(body) + len(events) * GROWTH_PER_EVENT
    limits = {"max_events": 1000, "max_event_bytes": len(body) + len(events) * GROWTH_PER_EVENT}
    verbatim = encode_batch(body, **limits)
    assert _form(verbatim) == "verbatim"
    _same_record(verbatim, encode_batch_pydantic(body, **LIMITS))


def test_stored_events_may_hold_a_body_key_and_still_read_as_stored() -> None:
    body = _batch({**VIEWED, "data": {"product_id": "p", "body": {"events": []}}})
    encoded = encode_batch(body, **LIMITS)  # an extra key: the pydantic path, stored form
    assert _form(encoded) == "stored"
    assert _stored(encoded)[0]["data"]["body"] == {"events": []}


def test_a_body_no_longer_vouched_for_is_validated_again_on_the_way_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A verbatim record written by a version that vouched for its body (here forged: an extra
    field the first pass refuses, and an event the current schema refuses) is validated through
    the full model: the valid event is read in the pydantic path's stored form, the other is
    set aside with its field named; both keep their positions (their ids)."""
    kept = {**VIEWED, "data": {"product_id": "p", "retired_field": 1}}
    refused = {"event_type": "product.viewed", "data": {"price": "cheap"}}
    body = _batch(kept, refused)
    record = spool_record("d88952bf-30ea-4c7e-8661-000000000000", body, verbatim=True)
    with caplog.at_level("WARNING", logger="business_telemetry.service.http.records"):
        read = read_record(record[9:-1])
    assert read.events[0] == _stored(encode_batch_pydantic(_batch(kept), **LIMITS))[0]
    assert list(read.rejected) == [1]
    assert "events[1]" not in read.rejected[1] and "data.product_id" in read.rejected[1]
    assert "data.price" in read.rejected[1]
    assert "no longer vouches" in caplog.text and "1 rejected" in caplog.text


def test_segment_ids_are_those_the_drainer_delivers_in_either_form(tmp_path: Path) -> None:
    """The ids listed for a deleted segment (its dedup window) come from the client ids alone,
    without the stored form; they must be the ids delivered."""
    bodies = [
        _batch(VIEWED, {**VIEWED, "event_id": "client-7"}),  # verbatim
        _batch({**VIEWED, "custom_properties": {"k": 1}}, VIEWED),  # stored form
        _batch({**VIEWED, "event_id": "client-8", "data": {"product_id": "p", "x": 1}}),  # pydantic
    ]
    encoded = [encode_batch(body, **LIMIT_64K) for body in bodies]
    assert [_form(e) for e in encoded] == ["verbatim", "stored", "stored"]
    segment = tmp_path / "0-1-a.seg"
    segment.write_bytes(b"".join(e.payload[0] for e in encoded))
    delivered = [event["event_id"] for e in encoded for event in spool_events(e.payload[0][9:-1])]
    assert segment_event_ids(segment) == delivered == [i for e in encoded for i in e.event_ids]
    assert {"client-7", "client-8"} <= set(delivered)
