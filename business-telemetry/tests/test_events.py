"""The original SDK's event API on the new models: names, factories, flat output rows."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import orjson
import pytest
from bt_testkit import FULL_EXAMPLES, output_rows
from pydantic import ValidationError

import business_events
from business_events import (
    IDENTIFYING_FIELD,
    KEY_FIELDS,
    AgentEvent,
    AgentModelInvocationEvent,
    AgentSessionEvent,
    AgentTaskEvent,
    AgentToolCallEvent,
    AIEvent,
    BaseEvent,
    EventSource,
    EventType,
    OrderEvent,
    ProductEvent,
)
from business_telemetry.sinks.file import FileSink
from telemetry_client import BusinessTelemetryClient

ORIGINAL_EXTRA_TYPES = {
    "admin.product_creation_failed",
    "agent.session_started",
    "agent.session_ended",
    "agent.task_started",
    "agent.task_completed",
    "agent.model_invocation",
    "agent.tool_call",
}


def test_event_types_are_the_spec_17_plus_the_original_7() -> None:
    values = {t.value for t in EventType}
    assert len(values) == 24 and values >= ORIGINAL_EXTRA_TYPES
    assert len(values - ORIGINAL_EXTRA_TYPES) == 17


def test_event_sources_match_the_original() -> None:
    assert {s.name: s.value for s in EventSource} == {
        "CUSTOMER_AGENT": "customer-agent",
        "ADMIN_AGENT": "admin-agent",
        "STORE_FRONT": "store-front",
        "STORE_ADMIN": "store-admin",
        "ORDER_SERVICE": "order-service",
        "PRODUCT_SERVICE": "product-service",
        "MAKELINE_SERVICE": "makeline-service",
    }


@pytest.mark.parametrize("event_type", sorted(FULL_EXAMPLES))
def test_every_type_has_a_factory_producing_a_flat_row(event_type: str) -> None:
    factory = getattr(business_events, f"create_{EventType(event_type).name.lower()}_event")
    fields = {"session_id": "s-9", **FULL_EXAMPLES[event_type]}
    event = factory(source=EventSource.STORE_FRONT, **fields)
    row = event.to_dict()
    identifying = IDENTIFYING_FIELD[event_type]
    assert row["event_type"] == event_type and row["event_source"] == "store-front"
    assert row[identifying] == FULL_EXAMPLES[event_type][identifying]
    assert row["data"][identifying] == FULL_EXAMPLES[event_type][identifying]
    assert row["event_time"].endswith("Z")
    assert orjson.loads(event.to_json()) == row


def test_original_flat_keywords_still_construct_events() -> None:
    event = ProductEvent(
        product_id="p-1",
        product_name="Widget",
        product_price=12.5,
        product_category="tools",
        session_id="s-1",
    )
    row = event.to_dict()
    assert row["event_type"] == "product.viewed"
    assert (row["price"], row["category"], row["session_id"]) == (12.5, "tools", "s-1")
    order = OrderEvent(order_id="o-1", order_items=[{"sku": 1}], order_total=3.0)
    assert order.to_dict()["total"] == 3.0 and order.to_dict()["items"] == [{"sku": 1}]


def test_ai_events_carry_total_tokens_for_the_kql_query() -> None:
    event = AIEvent(model_name="gpt-4o", input_tokens=30, output_tokens=12)
    assert event.to_dict()["data"]["total_tokens"] == 42


def test_category_classes_refuse_other_categories_and_bad_fields() -> None:
    with pytest.raises(ValidationError, match="not a order"):
        OrderEvent(event_type="product.viewed", product_id="p")
    with pytest.raises(ValidationError, match="order_id"):
        OrderEvent(event_type="order.placed", total=1.0)
    with pytest.raises(ValidationError, match="event_type"):
        BaseEvent(event_type="../../x", data={})


def test_unknown_data_fields_are_kept_and_round_trip() -> None:
    event = BaseEvent(event_type="product.viewed", data={"product_id": "p", "shelf": 4})
    again = BaseEvent.from_dict(event.to_record())
    assert again.to_dict()["data"] == {"product_id": "p", "shelf": 4}
    assert again.event_id == event.event_id


# The original `business_events` factories' parameters, in order (from ganga1980/aks-store-demo).
ORIGINAL_FACTORY_PARAMETERS: dict[str, tuple[str, ...]] = {
    "create_product_viewed_event": (
        "product_id", "product_name", "source", "session_id", "user_id", "correlation_id",
    ),
    "create_product_searched_event": (
        "search_query", "results_count", "source", "session_id", "user_id", "correlation_id",
        "product_ids",
    ),
    "create_order_placed_event": (
        "order_id", "items", "total", "source", "customer_id", "customer_name", "customer_email",
        "channel", "session_id", "user_id", "correlation_id",
    ),
    "create_session_started_event": ("session_id", "source", "user_id", "correlation_id"),
    "create_customer_query_event": (
        "query_text", "source", "session_id", "user_id", "correlation_id", "response_time_ms",
        "ai_model", "ai_tokens",
    ),
    "create_inventory_updated_event": (
        "product_id", "product_name", "previous_qty", "new_qty", "source", "admin_user",
        "session_id", "correlation_id",
    ),
    "create_agent_session_started_event": (
        "agent_name", "session_id", "source", "cluster_id", "namespace", "pod_name", "node_name",
        "replicaset_name", "deployment_name", "customer_id", "trace_id", "m365_agent_id",
    ),
    "create_agent_session_ended_event": (
        "agent_name", "session_id", "source", "duration_ms", "status", "cluster_id", "namespace",
        "pod_name", "tool_call_count", "model_invocation_count", "total_input_tokens",
        "total_output_tokens", "message_count", "orders_placed", "revenue_generated",
        "products_viewed", "inventory_updates", "error_occurred", "error_type", "error_message",
        "trace_id", "m365_agent_id",
    ),
    "create_agent_tool_call_event": (
        "tool_name", "agent_name", "session_id", "source", "duration_ms", "status", "cluster_id",
        "namespace", "tool_call_id", "tool_server", "tool_category", "affected_entity_type",
        "affected_entity_id", "error_type", "error_message", "trace_id", "span_id",
        "m365_agent_id",
    ),
}  # fmt: skip

CLUSTER = (
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks"
)
AGENT_ID = f"{CLUSTER}/store/agents/customer-agent"

# factory -> (positional arguments as the original's callers pass them, expected row values)
ORIGINAL_POSITIONAL_CALLS: dict[str, tuple[tuple[object, ...], dict[str, object]]] = {
    "create_product_viewed_event": (
        ("p1", "Widget", EventSource.CUSTOMER_AGENT, "s1", "u1", "c1"),
        {"event_type": "product.viewed", "event_source": "customer-agent", "product_id": "p1",
         "product_name": "Widget", "session_id": "s1", "user_id": "u1", "correlation_id": "c1"},
    ),
    "create_product_searched_event": (
        ("widget", 3, EventSource.STORE_FRONT, "s1", "u1", "c1", ["p1", "p2"]),
        {"event_type": "product.searched", "event_source": "store-front", "search_query": "widget",
         "results_count": 3, "product_ids": ["p1", "p2"], "session_id": "s1", "user_id": "u1",
         "correlation_id": "c1"},
    ),
    "create_order_placed_event": (
        ("o1", [{"sku": 1}, {"sku": 2}], 9.5, EventSource.ORDER_SERVICE, "cust-1", "Jane",
         "jane@example.com", "Web", "s1", "u1", "c1"),
        {"event_type": "order.placed", "event_source": "order-service", "order_id": "o1",
         "items": [{"sku": 1}, {"sku": 2}], "total": 9.5, "item_count": 2,
         "customer_id": "cust-1", "customer_name": "Jane", "customer_email": "jane@example.com",
         "channel": "Web", "session_id": "s1", "user_id": "u1", "correlation_id": "c1"},
    ),
    "create_session_started_event": (
        ("s1", EventSource.STORE_FRONT, "u1", "c1"),
        {"event_type": "customer.session_started", "event_source": "store-front",
         "session_id": "s1", "user_id": "u1", "correlation_id": "c1"},
    ),
    "create_customer_query_event": (
        ("where is it?", EventSource.CUSTOMER_AGENT, "s1", "u1", "c1", 120, "gpt-4o", 55),
        {"event_type": "customer.query", "query_text": "where is it?", "session_id": "s1",
         "user_id": "u1", "correlation_id": "c1", "response_time_ms": 120, "ai_model": "gpt-4o",
         "ai_tokens_used": 55},
    ),
    "create_inventory_updated_event": (
        ("p1", "Widget", 3, 10, EventSource.ADMIN_AGENT, "admin@store", "s1", "c1"),
        {"event_type": "admin.inventory_updated", "event_source": "admin-agent",
         "product_id": "p1", "product_name": "Widget", "previous_qty": 3, "new_qty": 10,
         "quantity_change": 7, "admin_user": "admin@store", "session_id": "s1",
         "correlation_id": "c1"},
    ),
    "create_agent_session_started_event": (
        ("customer-agent", "s1", EventSource.CUSTOMER_AGENT, CLUSTER, "store",
         "customer-agent-5d8f9-abcde", "node-1", None, None, "cust-1", "trace-1"),
        {"event_type": "agent.session_started", "agent_name": "customer-agent",
         "session_id": "s1", "agent_id": AGENT_ID, "agent_session_id": f"{AGENT_ID}/sessions/s1",
         "workload_id": f"{CLUSTER}/store/customer-agent-5d8f9",
         "pod_id": f"{CLUSTER}/store/customer-agent-5d8f9-abcde", "node_name": "node-1",
         "customer_id": "cust-1", "trace_id": "trace-1", "status": "Active",
         "channel": "customer-agent"},
    ),
    "create_agent_session_ended_event": (
        ("customer-agent", "s1", EventSource.CUSTOMER_AGENT, 900, "Abandoned", CLUSTER, "store",
         "pod-1", 3, 2, 100, 50, 7, 1, 19.99, 4, 0, True, "Timeout", "too slow", "trace-2"),
        {"event_type": "agent.session_ended", "duration_ms": 900, "status": "Abandoned",
         "agent_id": AGENT_ID, "pod_name": "pod-1", "tool_call_count": 3,
         "model_invocation_count": 2, "total_input_tokens": 100, "total_output_tokens": 50,
         "message_count": 7, "orders_placed": 1, "revenue_generated": 19.99,
         "products_viewed": 4, "inventory_updates": 0, "error_occurred": True,
         "error_type": "Timeout", "error_message": "too slow", "trace_id": "trace-2"},
    ),
    "create_agent_tool_call_event": (
        ("lookup_order", "customer-agent", "s1", EventSource.CUSTOMER_AGENT, 12, "Failed",
         CLUSTER, "store", "tc-1", "order-mcp", "OrderService", "Order", "o-1", "Timeout",
         "boom", "trace-3", "span-3", "m365-agent-guid"),
        {"event_type": "agent.tool_call", "tool_name": "lookup_order",
         "agent_name": "customer-agent", "session_id": "s1", "duration_ms": 12,
         "status": "Failed", "tool_call_id": "tc-1", "tool_server": "order-mcp",
         "tool_category": "OrderService", "affected_entity_type": "Order",
         "affected_entity_id": "o-1", "error_type": "Timeout", "error_message": "boom",
         "trace_id": "trace-3", "span_id": "span-3", "agent_id": "m365-agent-guid",
         "agent_session_id": "m365-agent-guid/sessions/s1"},
    ),
}  # fmt: skip


def value_in_row(row: dict[str, Any], key: str) -> object:
    """A field of the flat row: a top-level column if it is one, else from `data`."""
    return row[key] if row.get(key) is not None else row["data"].get(key)


def test_original_factories_keep_the_original_parameter_order() -> None:
    assert set(ORIGINAL_FACTORY_PARAMETERS) == set(business_events.ORIGINAL_FACTORIES)
    for name, expected in ORIGINAL_FACTORY_PARAMETERS.items():
        parameters = inspect.signature(getattr(business_events, name)).parameters
        assert tuple(parameters)[:-1] == expected, name
        assert list(parameters.values())[-1].kind is inspect.Parameter.VAR_KEYWORD


@pytest.mark.parametrize("name", sorted(ORIGINAL_POSITIONAL_CALLS))
def test_positional_calls_of_the_original_land_in_the_right_fields(name: str) -> None:
    args, expected = ORIGINAL_POSITIONAL_CALLS[name]
    row = getattr(business_events, name)(*args).to_dict()
    assert {key: value_in_row(row, key) for key in expected} == expected


def generated_call(event_type: str) -> tuple[list[object], dict[str, object]]:
    """Key-field values of the full example, positionally, then source and session."""
    keys = [k for k in KEY_FIELDS[event_type] if k != "total_tokens"]
    example = FULL_EXAMPLES[event_type]
    args = [example.get(k) for k in keys]
    expected = {k: example[k] for k in keys if k in example}
    if "session_id" not in keys:
        args += ["store-admin", "s-7"]
        expected |= {"event_source": "store-admin", "session_id": "s-7"}
    return args, expected


FACTORY_NAMES = {t.value: f"create_{t.name.lower()}_event" for t in EventType}


@pytest.mark.parametrize(
    "event_type",
    sorted(t for t, name in FACTORY_NAMES.items() if name not in ORIGINAL_FACTORY_PARAMETERS),
)
def test_other_factories_take_key_fields_then_source_positionally(event_type: str) -> None:
    args, expected = generated_call(event_type)
    row = getattr(business_events, FACTORY_NAMES[event_type])(*args).to_dict()
    assert row["event_type"] == event_type
    assert {key: value_in_row(row, key) for key in expected} == expected


@pytest.mark.parametrize("event_type", sorted(FACTORY_NAMES))
def test_one_positional_argument_too_many_is_a_type_error(event_type: str) -> None:
    factory = getattr(business_events, FACTORY_NAMES[event_type])
    positional = [
        p
        for p in inspect.signature(factory).parameters.values()
        if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    ]
    args = [FULL_EXAMPLES[event_type][IDENTIFYING_FIELD[event_type]]] + [None] * len(positional)
    with pytest.raises(TypeError, match="positional"):
        factory(*args)


def test_agent_event_classes_of_the_original() -> None:
    session = AgentSessionEvent(agent_name="customer-agent", session_id="s1")
    assert session.event_type == "agent.session_started" and isinstance(session, AgentEvent)
    assert AgentTaskEvent(task_id="t1").event_type == "agent.task_started"
    assert AgentToolCallEvent(tool_name="lookup").event_type == "agent.tool_call"
    invocation = AgentModelInvocationEvent(
        model_name="gpt-4o", prompt_tokens=10, completion_tokens=5
    )
    assert invocation.to_dict()["total_tokens"] == 15
    with pytest.raises(ValidationError, match="is not one of"):
        AgentSessionEvent(event_type="agent.tool_call", tool_name="x")
    with pytest.raises(ValidationError, match="task_id"):
        AgentTaskEvent(event_type="agent.task_completed", status="ok")
    assert AgentSessionEvent.build_agent_id("c", "ns", "a") == "c/ns/agents/a"
    assert (
        AgentSessionEvent.build_agent_session_id("c/ns/agents/a", "s") == "c/ns/agents/a/sessions/s"
    )
    assert AgentSessionEvent.build_workload_id("c", "ns", "rs") == "c/ns/rs"
    assert AgentSessionEvent.build_pod_id("c", "ns", "pod") == "c/ns/pod"


def test_token_totals_are_derived_from_the_parts_only_when_known() -> None:
    output_only = AIEvent(model_name="m", output_tokens=4).to_dict()["data"]
    assert output_only["total_tokens"] == 4
    assert "total_tokens" not in AIEvent(model_name="m").to_dict()["data"]
    explicit = AIEvent(model_name="m", input_tokens=1, output_tokens=1, total_tokens=9)
    assert explicit.to_dict()["data"]["total_tokens"] == 9


def test_every_public_name_of_the_original_module_exists() -> None:
    names = {
        "EventType", "EventSource", "BaseEvent", "ProductEvent", "OrderEvent", "CustomerEvent",
        "AdminEvent", "AIEvent", "AgentSessionEvent", "AgentTaskEvent",
        "AgentModelInvocationEvent", "AgentToolCallEvent", *ORIGINAL_FACTORY_PARAMETERS,
    }  # fmt: skip
    assert names <= set(business_events.__all__)
    assert all(hasattr(business_events, name) for name in names)


async def test_the_original_generic_envelope_constructs_without_its_type_fields(
    tmp_path: Path,
) -> None:
    """Code written against the original SDK builds the generic envelope first and fills `data`
    later; it serialises and `emit` takes it. Typed classes still require the key field."""
    event = BaseEvent(
        event_type=EventType.PRODUCT_VIEWED,
        event_source=EventSource.CUSTOMER_AGENT,
        session_id="s-1",
    )
    row = event.to_dict()
    assert (row["event_type"], row["event_source"], row["session_id"]) == (
        "product.viewed",
        "customer-agent",
        "s-1",
    )
    assert orjson.loads(event.to_json()) == row
    sink = FileSink(tmp_path, batch_size=10, flush_interval_seconds=60)
    client = BusinessTelemetryClient(sink=sink)
    await client.start()
    assert await client.emit(event)
    await client.stop()
    assert [r["event_id"] for r in output_rows(tmp_path)] == [event.event_id]
    with pytest.raises(ValidationError, match="product_id"):
        ProductEvent(event_type=EventType.PRODUCT_VIEWED, session_id="s-1")
    with pytest.raises(ValidationError, match="price"):  # present fields are still checked
        BaseEvent(event_type=EventType.PRODUCT_VIEWED, data={"price": "cheap"})
