"""`create_<type>_event` for every event type, with the original SDK's positional order.

The nine factories the original had are written out with its exact parameter order, defaults and
derived fields (`item_count`, `quantity_change`; the three agent ones are in `agent_factories`),
so a positional call written for the original builds the same event here. The other fifteen are
generated: the type's key fields in the spec's order, then `source, session_id, user_id,
correlation_id`. Every factory raises TypeError for a positional argument too many instead of
silently dropping it; extra keywords are envelope fields (`event_id`, `custom_properties`, ...)
or `data` fields.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from business_telemetry.events.categories import (
    AdminEvent,
    CustomerEvent,
    OrderEvent,
    ProductEvent,
    event_class,
)
from business_telemetry.events.envelope import BaseEvent, EventSource, EventType
from business_telemetry.events.payloads import IDENTIFYING_FIELD, KEY_FIELDS

Source = EventSource | str | None
E = TypeVar("E", bound=BaseEvent)
EventFactory = Callable[..., BaseEvent]
CONTEXT_PARAMETERS = ("source", "session_id", "user_id", "correlation_id")
DERIVED_FIELDS = frozenset({"total_tokens"})


def build(
    cls: type[E],
    event_type: EventType,
    source: Source,
    fields: Mapping[str, Any],
    extra: Mapping[str, Any],
) -> E:
    """Validate one event; `fields` and `extra` are split into envelope and `data` by the model."""
    values = {**fields, **extra}
    if source is not None:
        values["event_source"] = str(source)
    return cls.model_validate({**values, "event_type": event_type.value})


def create_product_viewed_event(
    product_id: str,
    product_name: str | None = None,
    source: Source = None,
    session_id: str | None = None,
    user_id: str | None = None,
    correlation_id: str | None = None,
    **kwargs: Any,
) -> ProductEvent:
    return build(
        ProductEvent,
        EventType.PRODUCT_VIEWED,
        source,
        {
            "product_id": product_id,
            "product_name": product_name,
            "session_id": session_id,
            "user_id": user_id,
            "correlation_id": correlation_id,
        },
        kwargs,
    )


def create_product_searched_event(
    search_query: str,
    results_count: int | None = None,
    source: Source = None,
    session_id: str | None = None,
    user_id: str | None = None,
    correlation_id: str | None = None,
    product_ids: list[str] | None = None,
    **kwargs: Any,
) -> ProductEvent:
    return build(
        ProductEvent,
        EventType.PRODUCT_SEARCHED,
        source,
        {
            "search_query": search_query,
            "results_count": results_count,
            "product_ids": product_ids,
            "session_id": session_id,
            "user_id": user_id,
            "correlation_id": correlation_id,
        },
        kwargs,
    )


def create_order_placed_event(
    order_id: str,
    items: list[dict[str, Any]] | None = None,
    total: float | None = None,
    source: Source = None,
    customer_id: str | None = None,
    customer_name: str | None = None,
    customer_email: str | None = None,
    channel: str | None = None,
    session_id: str | None = None,
    user_id: str | None = None,
    correlation_id: str | None = None,
    **kwargs: Any,
) -> OrderEvent:
    return build(
        OrderEvent,
        EventType.ORDER_PLACED,
        source,
        {
            "order_id": order_id,
            "items": items,
            "total": total,
            "item_count": len(items) if items is not None else None,
            "customer_id": customer_id,
            "customer_name": customer_name,
            "customer_email": customer_email,
            "channel": channel,
            "session_id": session_id,
            "user_id": user_id,
            "correlation_id": correlation_id,
        },
        kwargs,
    )


def create_session_started_event(
    session_id: str,
    source: Source = None,
    user_id: str | None = None,
    correlation_id: str | None = None,
    **kwargs: Any,
) -> CustomerEvent:
    return build(
        CustomerEvent,
        EventType.SESSION_STARTED,
        source,
        {"session_id": session_id, "user_id": user_id, "correlation_id": correlation_id},
        kwargs,
    )


def create_customer_query_event(
    query_text: str,
    source: Source = None,
    session_id: str | None = None,
    user_id: str | None = None,
    correlation_id: str | None = None,
    response_time_ms: int | None = None,
    ai_model: str | None = None,
    ai_tokens: int | None = None,
    **kwargs: Any,
) -> CustomerEvent:
    return build(
        CustomerEvent,
        EventType.CUSTOMER_QUERY,
        source,
        {
            "query_text": query_text,
            "session_id": session_id,
            "user_id": user_id,
            "correlation_id": correlation_id,
            "response_time_ms": response_time_ms,
            "ai_model": ai_model,
            "ai_tokens_used": ai_tokens,
        },
        kwargs,
    )


def create_inventory_updated_event(
    product_id: str,
    product_name: str | None = None,
    previous_qty: int | None = None,
    new_qty: int | None = None,
    source: Source = None,
    admin_user: str | None = None,
    session_id: str | None = None,
    correlation_id: str | None = None,
    **kwargs: Any,
) -> AdminEvent:
    return build(
        AdminEvent,
        EventType.INVENTORY_UPDATED,
        source,
        {
            "product_id": product_id,
            "product_name": product_name,
            "previous_qty": previous_qty,
            "new_qty": new_qty,
            "quantity_change": quantity_change(previous_qty, new_qty),
            "admin_user": admin_user,
            "session_id": session_id,
            "correlation_id": correlation_id,
        },
        kwargs,
    )


def quantity_change(previous_qty: int | None, new_qty: int | None) -> int | None:
    """`new - previous` when both are known integers (the original's derived column)."""
    if isinstance(previous_qty, int) and isinstance(new_qty, int):
        return new_qty - previous_qty
    return None


def generated_factory(event_type: EventType) -> EventFactory:
    """A factory taking the type's key fields in order, then `source, session_id, user_id,
    correlation_id`, then keywords; only the identifying (first required) field is required."""
    model_fields = [f for f in KEY_FIELDS[event_type.value] if f not in DERIVED_FIELDS]
    names = model_fields + [p for p in CONTEXT_PARAMETERS if p not in model_fields]
    required = IDENTIFYING_FIELD[event_type.value]  # declared first in every payload
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    signature = inspect.Signature(
        [
            inspect.Parameter(n, kind, default=inspect.Parameter.empty if n == required else None)
            for n in names
        ]
        + [inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD)]
    )
    cls = event_class(event_type)
    name = f"create_{event_type.name.lower()}_event"

    def factory(*args: Any, **kwargs: Any) -> BaseEvent:
        try:
            bound = signature.bind(*args, **kwargs).arguments
        except TypeError as exc:  # the same error a written-out def raises, with its name
            raise TypeError(f"{name}(): {exc}") from None
        extra = bound.pop("kwargs", {})
        source = bound.pop("source", None)
        return build(cls, event_type, source, bound, extra)

    factory.__name__ = factory.__qualname__ = name
    factory.__signature__ = signature  # type: ignore[attr-defined]
    factory.__doc__ = f"Create a `{event_type.value}` event; `{required}` is required."
    return factory


create_product_listed_event = generated_factory(EventType.PRODUCT_LISTED)
create_order_status_checked_event = generated_factory(EventType.ORDER_STATUS_CHECKED)
create_order_completed_event = generated_factory(EventType.ORDER_COMPLETED)
create_order_failed_event = generated_factory(EventType.ORDER_FAILED)
create_session_ended_event = generated_factory(EventType.SESSION_ENDED)
create_customer_feedback_event = generated_factory(EventType.CUSTOMER_FEEDBACK)
create_product_created_event = generated_factory(EventType.PRODUCT_CREATED)
create_product_creation_failed_event = generated_factory(EventType.PRODUCT_CREATION_FAILED)
create_product_updated_event = generated_factory(EventType.PRODUCT_UPDATED)
create_product_deleted_event = generated_factory(EventType.PRODUCT_DELETED)
create_ai_recommendation_event = generated_factory(EventType.AI_RECOMMENDATION)
create_ai_description_generated_event = generated_factory(EventType.AI_DESCRIPTION_GENERATED)
create_agent_task_started_event = generated_factory(EventType.AGENT_TASK_STARTED)
create_agent_task_completed_event = generated_factory(EventType.AGENT_TASK_COMPLETED)
create_agent_model_invocation_event = generated_factory(EventType.AGENT_MODEL_INVOCATION)

ORIGINAL_FACTORIES: tuple[str, ...] = (
    "create_product_viewed_event",
    "create_product_searched_event",
    "create_order_placed_event",
    "create_session_started_event",
    "create_customer_query_event",
    "create_inventory_updated_event",
    "create_agent_session_started_event",
    "create_agent_session_ended_event",
    "create_agent_tool_call_event",
)
"""The factories the original `business_events` had (the agent ones live in `agent_factories`)."""
