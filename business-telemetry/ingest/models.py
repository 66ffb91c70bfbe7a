"""HTTP request/response schemas and the validators the hot path uses.

Every event type gets its own envelope model whose `event_type` is a literal and whose `data` is
that type's payload; together they form one discriminated union, so pydantic-core picks the model
by tag and validates a whole raw batch body in one Rust call (`BATCH.validate_json`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, Field, TypeAdapter, create_model, model_validator

from event_envelope import (
    EVENT_ID_PATTERN,
    EnvelopeFields,
    EventType,
    UtcDatetime,
    copy_envelope_session,
)
from event_payloads import PAYLOADS


class _SessionEnvelope(EnvelopeFields):
    """Session events: the envelope's `session_id` satisfies the payload's, and vice versa."""

    @model_validator(mode="before")
    @classmethod
    def _share_session(cls, values: Any) -> Any:
        return copy_envelope_session(values)


def _variant(event_type: EventType) -> type[EnvelopeFields]:
    base = (
        _SessionEnvelope
        if event_type in (EventType.SESSION_STARTED, EventType.SESSION_ENDED)
        else EnvelopeFields
    )
    literal: Any = Literal[event_type.value]
    # event_id / event_time default to None here (not to a factory): the route fills them once
    # per request, which is several times cheaper than a Python default factory per event.
    model = create_model(
        "Event_" + event_type.value.replace(".", "_"),
        __base__=base,
        event_id=(str | None, Field(default=None, pattern=EVENT_ID_PATTERN)),
        event_time=(UtcDatetime | None, None),
        event_type=(literal, ...),
        data=(PAYLOADS[event_type.value], ...),
    )
    return cast(type[EnvelopeFields], model)


VARIANTS: dict[str, type[EnvelopeFields]] = {t.value: _variant(t) for t in EventType}
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
BATCH: TypeAdapter[_Batch] = TypeAdapter(_Batch)
