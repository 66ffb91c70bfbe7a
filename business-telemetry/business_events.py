"""The original SDK's event module: `EventType`, `EventSource`, `BaseEvent`, category classes,
`create_<type>_event` factories. Models live in `event_envelope` / `event_payloads`.
"""

from __future__ import annotations

from typing import Any

from event_envelope import (
    ENVELOPE_COLUMNS,
    SCHEMA_VERSION,
    BaseEvent,
    EventSource,
    EventType,
    flatten_event,
)
from event_payloads import IDENTIFYING_FIELD, KEY_FIELDS, PAYLOADS

__all__ = [
    "ENVELOPE_COLUMNS",
    "IDENTIFYING_FIELD",
    "KEY_FIELDS",
    "PAYLOADS",
    "SCHEMA_VERSION",
    "AIEvent",
    "AdminEvent",
    "AgentEvent",
    "BaseEvent",
    "CustomerEvent",
    "EventSource",
    "EventType",
    "OrderEvent",
    "ProductEvent",
    "create_event",
    "flatten_event",
]


class ProductEvent(BaseEvent):
    """`product.*` events (default `product.viewed`)."""

    default_event_type = EventType.PRODUCT_VIEWED.value
    category = "product"


class OrderEvent(BaseEvent):
    """`order.*` events (default `order.placed`)."""

    default_event_type = EventType.ORDER_PLACED.value
    category = "order"


class CustomerEvent(BaseEvent):
    """`customer.*` events (default `customer.query`)."""

    default_event_type = EventType.CUSTOMER_QUERY.value
    category = "customer"


class AdminEvent(BaseEvent):
    """`admin.*` events (default `admin.inventory_updated`)."""

    default_event_type = EventType.INVENTORY_UPDATED.value
    category = "admin"


class AIEvent(BaseEvent):
    """`ai.*` events (default `ai.recommendation`)."""

    default_event_type = EventType.AI_RECOMMENDATION.value
    category = "ai"


class AgentEvent(BaseEvent):
    """`agent.*` events (default `agent.session_started`)."""

    default_event_type = EventType.AGENT_SESSION_STARTED.value
    category = "agent"


_CATEGORY_CLASS: dict[str, type[BaseEvent]] = {
    "product": ProductEvent,
    "order": OrderEvent,
    "customer": CustomerEvent,
    "admin": AdminEvent,
    "ai": AIEvent,
    "agent": AgentEvent,
}


def create_event(
    event_type: EventType | str,
    source: EventSource | str | None = None,
    *,
    session_id: str | None = None,
    user_id: str | None = None,
    correlation_id: str | None = None,
    **fields: Any,
) -> BaseEvent:
    """Build a validated event of `event_type`; keyword `fields` are its `data` (key fields)."""
    name = str(event_type)
    cls = _CATEGORY_CLASS.get(name.split(".", 1)[0], BaseEvent)
    return cls.model_validate(
        {
            "event_type": name,
            "event_source": str(source) if source is not None else None,
            "session_id": session_id,
            "user_id": user_id,
            "correlation_id": correlation_id,
            "data": {k: v for k, v in fields.items() if v is not None},
        }
    )


def _factory(event_type: EventType) -> Any:
    identifying = IDENTIFYING_FIELD[event_type.value]

    def factory(*args: Any, source: EventSource | str | None = None, **fields: Any) -> BaseEvent:
        if args:  # the original's positional order: identifying field first
            fields.setdefault(identifying, args[0])
            if len(args) > 1 and source is None:
                source = args[1]
        return create_event(event_type, source, **fields)

    factory.__name__ = f"create_{event_type.name.lower()}_event"
    factory.__doc__ = f"Create a `{event_type.value}` event; `{identifying}` is required."
    return factory


create_product_viewed_event = _factory(EventType.PRODUCT_VIEWED)
create_product_searched_event = _factory(EventType.PRODUCT_SEARCHED)
create_product_listed_event = _factory(EventType.PRODUCT_LISTED)
create_order_placed_event = _factory(EventType.ORDER_PLACED)
create_order_status_checked_event = _factory(EventType.ORDER_STATUS_CHECKED)
create_order_completed_event = _factory(EventType.ORDER_COMPLETED)
create_order_failed_event = _factory(EventType.ORDER_FAILED)
create_session_started_event = _factory(EventType.SESSION_STARTED)
create_session_ended_event = _factory(EventType.SESSION_ENDED)
create_customer_query_event = _factory(EventType.CUSTOMER_QUERY)
create_customer_feedback_event = _factory(EventType.CUSTOMER_FEEDBACK)
create_inventory_updated_event = _factory(EventType.INVENTORY_UPDATED)
create_product_created_event = _factory(EventType.PRODUCT_CREATED)
create_product_creation_failed_event = _factory(EventType.PRODUCT_CREATION_FAILED)
create_product_updated_event = _factory(EventType.PRODUCT_UPDATED)
create_product_deleted_event = _factory(EventType.PRODUCT_DELETED)
create_ai_recommendation_event = _factory(EventType.AI_RECOMMENDATION)
create_ai_description_generated_event = _factory(EventType.AI_DESCRIPTION_GENERATED)
create_agent_session_started_event = _factory(EventType.AGENT_SESSION_STARTED)
create_agent_session_ended_event = _factory(EventType.AGENT_SESSION_ENDED)
create_agent_task_started_event = _factory(EventType.AGENT_TASK_STARTED)
create_agent_task_completed_event = _factory(EventType.AGENT_TASK_COMPLETED)
create_agent_model_invocation_event = _factory(EventType.AGENT_MODEL_INVOCATION)
create_agent_tool_call_event = _factory(EventType.AGENT_TOOL_CALL)
