"""The original SDK's event classes on the one envelope model, and `create_event`.

The original had one dataclass per category (`ProductEvent`, ...) and four for agents; each is a
`BaseEvent` here whose default event type and allowed types are those of the original, so
`ProductEvent(product_id=..., product_price=...)` style constructors keep working while `data`
is validated against the event type's payload model.
"""

from __future__ import annotations

from typing import Any

from business_telemetry.events.envelope import BaseEvent, EventSource, EventType


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
    """Any `agent.*` event (default `agent.session_started`)."""

    default_event_type = EventType.AGENT_SESSION_STARTED.value
    category = "agent"


class AgentSessionEvent(AgentEvent):
    """`agent.session_started` / `agent.session_ended`, keyed by Fabric-Pulse ontology ids.

    The ids are plain strings joined by the builders below, so KQL can join business events to
    the agent and workload entities: AgentId `{ClusterId}/{Namespace}/agents/{AgentName}`,
    AgentSessionId `{AgentId}/sessions/{SessionId}`, WorkloadId `{ClusterId}/{Namespace}/
    {ControllerName}`, PodId `{ClusterId}/{Namespace}/{PodName}`.
    """

    event_types = frozenset({EventType.AGENT_SESSION_STARTED, EventType.AGENT_SESSION_ENDED})

    @staticmethod
    def build_agent_id(cluster_id: str, namespace: str, agent_name: str) -> str:
        return f"{cluster_id}/{namespace}/agents/{agent_name}"

    @staticmethod
    def build_agent_session_id(agent_id: str, session_id: str) -> str:
        return f"{agent_id}/sessions/{session_id}"

    @staticmethod
    def build_workload_id(cluster_id: str, namespace: str, controller_name: str) -> str:
        return f"{cluster_id}/{namespace}/{controller_name}"

    @staticmethod
    def build_pod_id(cluster_id: str, namespace: str, pod_name: str) -> str:
        return f"{cluster_id}/{namespace}/{pod_name}"


class AgentTaskEvent(AgentEvent):
    """`agent.task_started` (default) / `agent.task_completed`; `task_id` required."""

    default_event_type = EventType.AGENT_TASK_STARTED.value
    event_types = frozenset({EventType.AGENT_TASK_STARTED, EventType.AGENT_TASK_COMPLETED})


class AgentModelInvocationEvent(AgentEvent):
    """`agent.model_invocation`: one LLM call; `total_tokens` is derived from the parts."""

    default_event_type = EventType.AGENT_MODEL_INVOCATION.value
    event_types = frozenset({EventType.AGENT_MODEL_INVOCATION})


class AgentToolCallEvent(AgentEvent):
    """`agent.tool_call`: one MCP tool execution; `tool_name` required."""

    default_event_type = EventType.AGENT_TOOL_CALL.value
    event_types = frozenset({EventType.AGENT_TOOL_CALL})


_CATEGORY_CLASS: dict[str, type[BaseEvent]] = {
    "product": ProductEvent,
    "order": OrderEvent,
    "customer": CustomerEvent,
    "admin": AdminEvent,
    "ai": AIEvent,
    "agent": AgentEvent,
}
_TYPE_CLASS: dict[str, type[BaseEvent]] = {
    event_type: cls
    for cls in (AgentSessionEvent, AgentTaskEvent, AgentModelInvocationEvent, AgentToolCallEvent)
    for event_type in cls.event_types
}


def event_class(event_type: EventType | str) -> type[BaseEvent]:
    """The most specific class for `event_type` (the one the original SDK would have used)."""
    name = str(event_type)
    return _TYPE_CLASS.get(name) or _CATEGORY_CLASS.get(name.split(".", 1)[0], BaseEvent)


def create_event(
    event_type: EventType | str,
    source: EventSource | str | None = None,
    *,
    session_id: str | None = None,
    user_id: str | None = None,
    correlation_id: str | None = None,
    **fields: Any,
) -> BaseEvent:
    """Build a validated event of `event_type`.

    Envelope fields given as keywords (`event_id`, `event_time`, `custom_properties`, ...) go to
    the envelope; every other keyword is a `data` field; None values are left out.
    """
    return event_class(event_type).model_validate(
        {
            "event_type": str(event_type),
            "event_source": str(source) if source is not None else None,
            "session_id": session_id,
            "user_id": user_id,
            "correlation_id": correlation_id,
            **{k: v for k, v in fields.items() if v is not None},
        }
    )
