"""HTTP request/response schemas and the validators the hot path uses.

Every event type gets its own envelope schema whose `event_type` is a literal and whose `data` is
that type's payload; together they form one discriminated union, so pydantic-core picks the schema
by tag and validates a whole raw batch body in one Rust call (`BATCH.validate_json`).

The hot-path schemas are TypedDicts derived field by field from the models (`EnvelopeFields`,
`event_payloads.PAYLOADS`): the same fields, defaults, aliases, constraints and extras, but the
output is plain dicts: cheaper to validate and to serialise into the spool record, and a dict of
strings and numbers is not tracked by the garbage collector, as model instances are. A payload
model with validators of its own (the token totals) stays a model, so its logic is not
duplicated here; `encode` serialises both.
"""

from __future__ import annotations

import copy
from typing import Annotated, Any, Literal, NotRequired

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, with_config
from pydantic_core import PydanticUndefined
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from business_telemetry.events.envelope import (
    EVENT_ID_PATTERN,
    SESSION_TYPES,
    EnvelopeFields,
    EventType,
    UtcDatetime,
    copy_envelope_session,
)
from business_telemetry.events.payloads import PAYLOADS

# event_id / event_time have no default here (not a factory): the drainer derives a missing one
# from the record (`encode`), which is several times cheaper than a factory per event.
_ENVELOPE_OVERRIDES: dict[str, Any] = {
    "event_id": NotRequired[Annotated[str | None, Field(pattern=EVENT_ID_PATTERN)]],
    "event_time": NotRequired[UtcDatetime | None],
}


def _field_hints(model: type[BaseModel]) -> dict[str, Any]:
    """The model's fields as TypedDict hints: annotation plus its FieldInfo.

    A field with a default is not required. A None default is left out, so a field the client
    did not send is absent rather than null: the spool record has no nulls (as `BaseEvent`'s
    record has none), which keeps records small; `flatten_event` gives every row all its columns.
    """
    hints: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if info.is_required():
            hints[name] = Annotated[info.annotation, info]
            continue
        if info.default is None:
            info = copy.copy(info)
            info.default = PydanticUndefined
        hints[name] = NotRequired[Annotated[info.annotation, info]]
    return hints


def _typed_dict(name: str, hints: dict[str, Any], config: ConfigDict) -> Any:
    make: Any = TypedDict  # the functional form, with hints computed at runtime
    return with_config(config)(make(name, hints))


def has_own_validators(model: type[BaseModel]) -> bool:
    found = model.__pydantic_decorators__
    return bool(
        found.model_validators
        or found.field_validators
        or found.validators
        or found.root_validators
    )


def _payload_schema(event_type: str) -> Any:
    model = PAYLOADS[event_type]
    if has_own_validators(model):
        return model
    return _typed_dict(f"{model.__name__}Data", _field_hints(model), model.model_config)


def _variant(event_type: EventType) -> Any:
    """The envelope of one event type, as a TypedDict (see the module docstring)."""
    hints = _field_hints(EnvelopeFields)
    hints.update(_ENVELOPE_OVERRIDES)
    hints["event_type"] = Literal[event_type.value]
    hints["data"] = _payload_schema(event_type.value)
    schema = _typed_dict(
        "Event_" + event_type.value.replace(".", "_"), hints, EnvelopeFields.model_config
    )
    if event_type.value in SESSION_TYPES:
        # Session events: the envelope's `session_id` satisfies the payload's, and vice versa.
        return Annotated[schema, BeforeValidator(copy_envelope_session)]
    return schema


VARIANTS: dict[str, Any] = {t.value: _variant(t) for t in EventType}
EVENT_TYPES = frozenset(VARIANTS)


def _build_union() -> Any:
    # A union built at runtime from VARIANTS; mypy cannot follow it, pydantic can.
    from typing import Union

    return Annotated[Union[tuple(VARIANTS.values())], Field(discriminator="event_type")]  # noqa: UP007


EVENT_UNION: Any = _build_union()


class EventRequest(BaseModel):
    """One event as sent over HTTP (documentation schema; validation uses `EVENT`)."""

    event_type: EventType = Field(description="One of the 24 event types, e.g. product.viewed")
    event_id: str | None = Field(
        default=None, description="Client-chosen id; resending the same id is harmless"
    )
    event_time: str | None = Field(default=None, description="ISO-8601; defaults to receipt")
    event_source: str | None = None
    session_id: str | None = None
    user_id: str | None = None
    correlation_id: str | None = None
    data: dict[str, Any] = Field(description="The type's key fields (identifying one required)")
    custom_properties: dict[str, Any] = Field(default_factory=dict)


class BatchRequest(BaseModel):
    events: list[EventRequest] = Field(min_length=1)


class EventResponse(BaseModel):
    success: bool
    event_id: str
    message: str = "Event accepted"


class BatchError(BaseModel):
    index: int
    field: str | None = None
    error: str


class BatchResponse(BaseModel):
    success: bool
    events_accepted: int
    events_failed: int
    message: str
    errors: list[BatchError] = Field(default_factory=list)
    event_ids: list[str] = Field(default_factory=list)


class _Batch(BaseModel):
    events: list[EVENT_UNION]


EVENT: TypeAdapter[Any] = TypeAdapter(EVENT_UNION)
"""One event (a dict); raises `ValidationError` naming the field."""
BATCH: TypeAdapter[_Batch] = TypeAdapter(_Batch)
"""A whole batch body; `.events` is a list of dicts."""
