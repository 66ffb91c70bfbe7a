"""The event envelope: one model for every event, and its flat output row for KQL / Lakehouse.

Two shapes exist. The *record* is what the spool stores: the validated envelope with `data` nested
and no nulls. The *row* (`flatten_event`, `BaseEvent.to_dict()`) is what sinks receive: every
envelope column, the type's key fields copied to top-level columns, and `data` kept whole (extras
included) so `data.total_tokens` style queries keep working.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from business_telemetry.events.payloads import KEY_FIELDS, PAYLOADS

SCHEMA_VERSION = "1.0"
EVENT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$"
EVENT_TYPE_PATTERN = r"^[a-z][a-z0-9_]{0,63}(\.[a-z][a-z0-9_]{0,63}){0,4}$"


class EventType(StrEnum):
    """Every event type: the spec's 17 plus the original SDK's other 7."""

    PRODUCT_VIEWED = "product.viewed"
    PRODUCT_SEARCHED = "product.searched"
    PRODUCT_LISTED = "product.listed"
    ORDER_PLACED = "order.placed"
    ORDER_STATUS_CHECKED = "order.status_checked"
    ORDER_COMPLETED = "order.completed"
    ORDER_FAILED = "order.failed"
    SESSION_STARTED = "customer.session_started"
    SESSION_ENDED = "customer.session_ended"
    CUSTOMER_QUERY = "customer.query"
    CUSTOMER_FEEDBACK = "customer.feedback"
    INVENTORY_UPDATED = "admin.inventory_updated"
    PRODUCT_CREATED = "admin.product_created"
    PRODUCT_CREATION_FAILED = "admin.product_creation_failed"
    PRODUCT_UPDATED = "admin.product_updated"
    PRODUCT_DELETED = "admin.product_deleted"
    AI_RECOMMENDATION = "ai.recommendation"
    AI_DESCRIPTION_GENERATED = "ai.description_generated"
    AGENT_SESSION_STARTED = "agent.session_started"
    AGENT_SESSION_ENDED = "agent.session_ended"
    AGENT_TASK_STARTED = "agent.task_started"
    AGENT_TASK_COMPLETED = "agent.task_completed"
    AGENT_MODEL_INVOCATION = "agent.model_invocation"
    AGENT_TOOL_CALL = "agent.tool_call"


SESSION_TYPES = frozenset({EventType.SESSION_STARTED.value, EventType.SESSION_ENDED.value})
"""The session events: they name their session in the envelope or in `data`."""


class EventSource(StrEnum):
    """Producing applications of the AKS Store Demo (the original SDK's members)."""

    CUSTOMER_AGENT = "customer-agent"
    ADMIN_AGENT = "admin-agent"
    STORE_FRONT = "store-front"
    STORE_ADMIN = "store-admin"
    ORDER_SERVICE = "order-service"
    PRODUCT_SERVICE = "product-service"
    MAKELINE_SERVICE = "makeline-service"


def new_event_id() -> str:
    return str(uuid.uuid4())


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Naive times are taken as UTC; aware ones converted (a ValueError becomes a 422)."""
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        raise ValueError("event_time is out of range once converted to UTC") from None


UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]
ShortText = Annotated[str, Field(max_length=256)]

ENVELOPE_COLUMNS = (
    "event_id",
    "event_type",
    "event_time",
    "event_source",
    "environment",
    "service_name",
    "service_version",
    "schema_version",
    "session_id",
    "user_id",
    "correlation_id",
)


class EnvelopeFields(BaseModel):
    """Fields common to every event; the original request body's fields are all accepted."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    event_id: str = Field(default_factory=new_event_id, pattern=EVENT_ID_PATTERN)
    event_type: str = Field(pattern=EVENT_TYPE_PATTERN)
    event_time: UtcDatetime = Field(default_factory=utc_now)
    event_source: ShortText | None = None
    environment: ShortText | None = None
    service_name: ShortText | None = None
    service_version: ShortText | None = None
    schema_version: ShortText = SCHEMA_VERSION
    session_id: ShortText | None = None
    user_id: ShortText | None = None
    correlation_id: ShortText | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    custom_properties: dict[str, Any] = Field(default_factory=dict)


def copy_envelope_session(values: Any) -> Any:
    """Session events name their session in the envelope or in `data`; either satisfies both."""
    if isinstance(values, dict):
        data = values.get("data")
        session = values.get("session_id")
        if isinstance(data, dict) and session is not None and "session_id" not in data:
            values = {**values, "data": {**data, "session_id": session}}
    return values


def flatten_event(
    record: dict[str, Any],
    *,
    environment: str | None = None,
    service_name: str | None = None,
    service_version: str | None = None,
) -> dict[str, Any]:
    """The output row of one event: envelope columns, key-field columns, `data` without nulls.
    Runs for every delivered event: the common case (no nulls in `data`, the spool's stored
    form) takes no copy of `data`."""
    data = record.get("data") or {}
    if None in data.values():
        data = {k: v for k, v in data.items() if v is not None}
    get = record.get
    event_type = get("event_type")
    row = {
        "event_id": get("event_id"),
        "event_type": event_type,
        "event_time": get("event_time"),
        "event_source": get("event_source"),
        "environment": get("environment") or environment,
        "service_name": get("service_name") or service_name,
        "service_version": get("service_version") or service_version,
        "schema_version": get("schema_version") or SCHEMA_VERSION,
        "session_id": get("session_id"),
        "user_id": get("user_id"),
        "correlation_id": get("correlation_id"),
    }
    for key in KEY_FIELDS.get(str(event_type), ()):
        value = data.get(key)
        if value is not None and row.get(key) is None:
            row[key] = value
    row["data"] = data
    row["custom_properties"] = get("custom_properties") or {}
    return row


class BaseEvent(EnvelopeFields):
    """One business event (SDK side). `data` is checked against the type's payload model; on
    `BaseEvent` itself (the generic envelope) its identifying fields may still be missing.

    The original SDK's flat keywords still work: `ProductEvent(product_id="p1", ...)` moves every
    non-envelope keyword into `data` before validation.
    """

    default_event_type: ClassVar[str] = ""
    category: ClassVar[str] = ""
    event_types: ClassVar[frozenset[str]] = frozenset()
    """When not empty, the only event types this class may carry (e.g. `AgentSessionEvent`)."""

    @model_validator(mode="before")
    @classmethod
    def _gather_data(cls, values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        envelope = set(EnvelopeFields.model_fields)
        extra = {k: v for k, v in values.items() if k not in envelope and v is not None}
        kept = {k: v for k, v in values.items() if k in envelope}
        if cls.default_event_type:
            kept.setdefault("event_type", cls.default_event_type)
        if isinstance(kept.get("event_type"), StrEnum):
            kept["event_type"] = str(kept["event_type"])
        if isinstance(kept.get("event_source"), StrEnum):
            kept["event_source"] = str(kept["event_source"])
        kept["data"] = {**extra, **(kept.get("data") or {})}
        return copy_envelope_session(kept) if _is_session(kept.get("event_type")) else kept

    @model_validator(mode="after")
    def _check_payload(self) -> BaseEvent:
        category = self.category
        if category and not self.event_type.startswith(category + "."):
            raise ValueError(f"event_type {self.event_type!r} is not a {category}.* event")
        if self.event_types and self.event_type not in self.event_types:
            allowed = ", ".join(sorted(self.event_types))
            raise ValueError(f"event_type {self.event_type!r} is not one of {allowed}")
        payload = PAYLOADS.get(self.event_type)
        if payload is None:
            return self
        try:
            validated = payload.model_validate(self.data)
        except ValidationError as exc:
            # The generic envelope, as the original SDK's: `data` may be filled in later, so
            # a missing field is allowed here (the typed classes and the API still require it).
            if type(self) is not BaseEvent or any(e["type"] != "missing" for e in exc.errors()):
                raise
            return self
        self.data = validated.model_dump(mode="json", exclude_none=True)
        return self

    def to_record(self) -> dict[str, Any]:
        """The spool / wire form: nested `data`, no nulls."""
        return self.model_dump(mode="json", exclude_none=True)

    def to_dict(self) -> dict[str, Any]:
        """The flat output row sinks receive (see `flatten_event`)."""
        return flatten_event(self.to_record())

    def to_json(self) -> str:
        return orjson.dumps(self.to_dict()).decode()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BaseEvent:
        return cls.model_validate(data)


def _is_session(event_type: object) -> bool:
    return event_type in (EventType.SESSION_STARTED.value, EventType.SESSION_ENDED.value)
