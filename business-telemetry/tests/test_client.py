"""The async SDK with real sinks: sessions, context isolation, disabled client, stop flush."""

from __future__ import annotations

import asyncio
import inspect
import io
import threading
from pathlib import Path
from typing import Any

import orjson
import pytest
from bt_testkit import output_rows

from business_events import create_order_failed_event
from business_telemetry.sinks.console import ConsoleSink
from business_telemetry.sinks.file import FileSink
from config import FabricSettings, reset_settings
from telemetry_client import (
    BusinessTelemetryClient,
    SyncBusinessTelemetryClient,
    emit_business_event,
    get_business_telemetry,
    init_business_telemetry,
)


def console_client(**kwargs: object) -> tuple[BusinessTelemetryClient, io.StringIO]:
    stream = io.StringIO()
    sink = ConsoleSink(stream=stream, batch_size=1000, flush_interval_seconds=60)
    return BusinessTelemetryClient(sink=sink, default_source="customer-agent", **kwargs), stream


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in stream.getvalue().splitlines() if line]


async def test_session_context_wraps_inner_events_with_started_and_ended() -> None:
    client, stream = console_client(environment="staging")
    await client.start()
    async with client.session_context(session_id="sess-123", user_id="u-1"):
        await client.emit_product_viewed(
            product_id="prod-456",
            product_name="Premium Widget",
            category="electronics",
            price=99.99,
        )
        await client.emit_order_placed(
            order_id="ord-789",
            items=[{"product_id": "prod-456", "quantity": 2}],
            total=199.98,
            customer_name="John Doe",
        )
    await client.stop()
    events = lines(stream)
    assert [e["event_type"] for e in events] == [
        "customer.session_started",
        "product.viewed",
        "order.placed",
        "customer.session_ended",
    ]
    assert all(e["session_id"] == "sess-123" and e["user_id"] == "u-1" for e in events)
    assert all(
        e["environment"] == "staging" and e["event_source"] == "customer-agent" for e in events
    )
    ended = events[-1]
    assert ended["interaction_count"] == 2
    assert isinstance(ended["duration_ms"], int) and ended["duration_ms"] >= 0
    assert events[1]["price"] == 99.99 and events[2]["total"] == 199.98


async def test_context_is_per_task_so_concurrent_requests_never_mix() -> None:
    client, stream = console_client()
    await client.start()
    both_set = asyncio.Barrier(2)

    async def request(user: str) -> None:
        client.set_context(user_id=user, correlation_id=f"corr-{user}")
        await both_set.wait()  # both contexts are set before either emits
        await client.emit_customer_query(query_text=f"question from {user}")

    await asyncio.gather(request("alice"), request("bob"))
    await client.stop()
    seen = {(e["user_id"], e["correlation_id"], e["data"]["query_text"]) for e in lines(stream)}
    assert seen == {
        ("alice", "corr-alice", "question from alice"),
        ("bob", "corr-bob", "question from bob"),
    }


async def test_disabled_client_sends_nothing() -> None:
    client, stream = console_client(enabled=False)
    await client.start()
    assert await client.emit_product_viewed(product_id="p-1") is False
    async with client.session_context(session_id="s-1"):
        await client.emit_order_completed(order_id="o-1")
    await client.stop()
    assert stream.getvalue() == ""


async def test_stop_flushes_everything_queued(tmp_path: Path) -> None:
    sink = FileSink(tmp_path, batch_size=1000, flush_interval_seconds=60)
    client = BusinessTelemetryClient(sink=sink)
    await client.start()
    for i in range(250):
        assert await client.emit_inventory_updated(
            product_id=f"p-{i}", previous_qty=i, new_qty=i + 1
        )
    assert output_rows(tmp_path) == [] and sink.queued == 250
    await client.stop()
    rows = output_rows(tmp_path)
    assert sorted(r["product_id"] for r in rows) == sorted(f"p-{i}" for i in range(250))


async def test_batch_size_triggers_a_write_before_the_interval(tmp_path: Path) -> None:
    sink = FileSink(tmp_path, batch_size=10, flush_interval_seconds=60)
    client = BusinessTelemetryClient(sink=sink)
    await client.start()
    for i in range(10):
        await client.emit_customer_feedback(feedback_rating=4, feedback_text=str(i))
    async with asyncio.timeout(10):
        while sink.queued:
            await asyncio.sleep(0.01)
    assert len(output_rows(tmp_path)) == 10
    await client.stop()


async def test_full_queue_drops_with_false_after_waiting(tmp_path: Path) -> None:
    (tmp_path / "order_completed").write_text("blocks the sink")
    sink = FileSink(
        tmp_path, batch_size=5, max_queue_size=5, enqueue_timeout_seconds=0.05, retry_attempts=0
    )
    client = BusinessTelemetryClient(sink=sink)
    results = [await client.emit_order_completed(order_id=f"o-{i}") for i in range(6)]
    assert results == [True] * 5 + [False]
    assert sink.dropped == 1 and sink.queued == 5
    result = await sink.flush()
    assert not result and result.events_sent == 0 and result.error_message


async def test_transient_failure_is_retried_until_the_sink_recovers(tmp_path: Path) -> None:
    blocker = tmp_path / "order_failed"
    blocker.write_text("blocks the sink")
    sink = FileSink(
        tmp_path,
        retry_attempts=50,
        retry_initial_backoff_seconds=0.01,
        retry_max_backoff_seconds=0.02,
    )
    client = BusinessTelemetryClient(sink=sink)
    event = create_order_failed_event("o-1", error_reason="x")
    send = asyncio.create_task(client.emit_batch([event]))
    async with asyncio.timeout(5):
        while not sink.failures:
            await asyncio.sleep(0.01)
    blocker.unlink()
    assert await send is True
    assert [r["order_id"] for r in output_rows(tmp_path)] == ["o-1"]


async def test_invalid_key_field_raises_at_the_call_site() -> None:
    client, stream = console_client()
    with pytest.raises(ValueError, match="feedback_rating"):
        await client.emit_customer_feedback(feedback_rating=9)
    assert stream.getvalue() == ""


# The original client's `emit_*` parameters, in order (from ganga1980/aks-store-demo).
ORIGINAL_EMIT_PARAMETERS: dict[str, tuple[str, ...]] = {
    "emit_product_viewed": ("product_id", "product_name", "category", "price", "ai_assisted"),
    "emit_product_searched": ("query", "results_count", "product_ids", "ai_assisted"),
    "emit_products_listed": ("product_ids", "page", "page_size"),
    "emit_order_placed": (
        "order_id", "items", "total", "customer_id", "customer_name", "customer_email", "channel",
        "ai_assisted",
    ),
    "emit_order_status_checked": ("order_id", "status"),
    "emit_order_completed": ("order_id", "processing_duration_ms"),
    "emit_session_started": ("session_id", "user_id"),
    "emit_session_ended": ("session_id", "duration_ms", "interaction_count", "user_id"),
    "emit_customer_query": ("query_text", "response_time_ms", "ai_model", "ai_tokens", "intent"),
    "emit_inventory_updated": (
        "product_id", "product_name", "previous_qty", "new_qty", "admin_user", "reason",
    ),
    "emit_product_created": (
        "product_id", "product_name", "admin_user", "ai_assisted", "ai_content",
    ),
    "emit_product_creation_failed": (
        "product_name", "error_message", "error_code", "admin_user", "ai_assisted",
    ),
    "emit_product_updated": ("product_id", "product_name", "changes", "admin_user", "ai_assisted"),
    "emit_ai_recommendation": (
        "model_name", "request_type", "input_tokens", "output_tokens", "recommendation_accepted",
        "latency_ms",
    ),
    "emit_ai_content_generated": (
        "model_name", "content_type", "input_tokens", "output_tokens", "content_used",
        "latency_ms",
    ),
}  # fmt: skip

# method -> (positional arguments, expected row fields)
ORIGINAL_EMIT_CALLS: dict[str, tuple[tuple[object, ...], dict[str, object]]] = {
    "emit_product_viewed": (
        ("p1", "Widget", "tools", 9.99, True),
        {"event_type": "product.viewed", "product_name": "Widget", "category": "tools",
         "price": 9.99, "ai_assisted": True},
    ),
    "emit_product_searched": (
        ("widget", 3, ["p1"], True),
        {"event_type": "product.searched", "search_query": "widget", "results_count": 3,
         "product_ids": ["p1"], "ai_assisted": True},
    ),
    "emit_products_listed": (
        (["p1", "p2"], 2, 20),
        {"event_type": "product.listed", "product_ids": ["p1", "p2"], "page": 2, "page_size": 20},
    ),
    "emit_order_placed": (
        ("o1", [{"sku": 1}], 9.5, "cust-1", "Jane", "jane@example.com", "Web", True),
        {"event_type": "order.placed", "items": [{"sku": 1}], "total": 9.5, "item_count": 1,
         "customer_id": "cust-1", "customer_name": "Jane", "customer_email": "jane@example.com",
         "channel": "Web", "ai_assisted": True},
    ),
    "emit_order_status_checked": (
        ("o1", "shipped"), {"event_type": "order.status_checked", "status": "shipped"},
    ),
    "emit_order_completed": (
        ("o1", 1200), {"event_type": "order.completed", "processing_duration_ms": 1200},
    ),
    "emit_session_started": (
        ("s1", "u1"),
        {"event_type": "customer.session_started", "session_id": "s1", "user_id": "u1"},
    ),
    "emit_session_ended": (
        ("s1", 5000, 4, "u1"),
        {"event_type": "customer.session_ended", "duration_ms": 5000, "interaction_count": 4,
         "user_id": "u1"},
    ),
    "emit_customer_query": (
        ("where is it?", 320, "gpt-4o", 55, "order_status"),
        {"event_type": "customer.query", "response_time_ms": 320, "ai_model": "gpt-4o",
         "ai_tokens_used": 55, "query_intent": "order_status"},
    ),
    "emit_inventory_updated": (
        ("p1", "Widget", 3, 10, "admin@store", "restock"),
        {"event_type": "admin.inventory_updated", "product_name": "Widget", "previous_qty": 3,
         "new_qty": 10, "quantity_change": 7, "admin_user": "admin@store",
         "change_reason": "restock"},
    ),
    "emit_product_created": (
        ("p9", "Gadget", "admin@store", True, "An AI-written description"),
        {"event_type": "admin.product_created", "product_name": "Gadget",
         "admin_user": "admin@store", "ai_assisted": True,
         "ai_generated_content": "An AI-written description"},
    ),
    "emit_product_creation_failed": (
        ("Gadget", "duplicate name", "E409", "admin@store", True),
        {"event_type": "admin.product_creation_failed", "error_message": "duplicate name",
         "error_code": "E409", "admin_user": "admin@store", "ai_assisted": True},
    ),
    "emit_product_updated": (
        ("p1", "Widget", {"price": 12.5}, "admin@store", True),
        {"event_type": "admin.product_updated", "product_name": "Widget",
         "changes": {"price": 12.5}, "admin_user": "admin@store", "ai_assisted": True},
    ),
    "emit_ai_recommendation": (
        ("gpt-4o", "similar_products", 100, 50, True, 340),
        {"event_type": "ai.recommendation", "request_type": "similar_products",
         "input_tokens": 100, "output_tokens": 50, "total_tokens": 150,
         "recommendation_accepted": True, "response_latency_ms": 340},
    ),
    "emit_ai_content_generated": (
        ("gpt-4o", "description", 120, 80, True, 900),
        {"event_type": "ai.description_generated", "content_type": "description",
         "input_tokens": 120, "output_tokens": 80, "tokens_used": 200, "total_tokens": 200,
         "content_used": True, "response_latency_ms": 900},
    ),
}  # fmt: skip


def value_in_row(row: dict[str, Any], key: str) -> object:
    return row[key] if row.get(key) is not None else row["data"].get(key)


def test_emitters_keep_the_original_parameter_order() -> None:
    for name, expected in ORIGINAL_EMIT_PARAMETERS.items():
        method = getattr(BusinessTelemetryClient, name)
        parameters = [
            p
            for p in inspect.signature(method).parameters.values()
            if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and p.name != "self"
        ]
        assert tuple(p.name for p in parameters) == expected, name


@pytest.mark.parametrize("name", sorted(ORIGINAL_EMIT_CALLS))
async def test_positional_emit_calls_of_the_original(name: str) -> None:
    client, stream = console_client()
    args, expected = ORIGINAL_EMIT_CALLS[name]
    assert await getattr(client, name)(*args) is True
    await client.stop()
    (row,) = lines(stream)
    assert {key: value_in_row(row, key) for key in expected} == expected
    with pytest.raises(TypeError):
        await getattr(client, name)(*args, "one too many")


@pytest.mark.parametrize(
    ("call", "total"),
    [
        (lambda c: c.emit_ai_content_generated(model_name="m", input_tokens=3, output_tokens=4), 7),
        (lambda c: c.emit_ai_recommendation(model_name="m", input_tokens=3, output_tokens=4), 7),
        (lambda c: c.emit_ai_description_generated(model_name="m", tokens_used=9), 9),
        (lambda c: c.emit_ai_description_generated("m", input_tokens=2, output_tokens=5), 7),
    ],
)
async def test_ai_emitters_carry_total_tokens_for_the_usage_query(call: Any, total: int) -> None:
    client, stream = console_client()
    assert await call(client)
    await client.stop()
    (row,) = lines(stream)
    assert row["data"]["total_tokens"] == total


async def test_spec_keywords_still_work_next_to_the_original_order() -> None:
    client, stream = console_client()
    await client.emit_product_searched(search_query="lamp", results_count=1)
    await client.emit_inventory_updated(product_id="p1", previous_qty=1, new_qty=4)
    await client.emit_product_created(product_id="p2", product_name="Lamp", ai_assisted=True)
    await client.stop()
    searched, inventory, created = lines(stream)
    assert searched["data"]["search_query"] == "lamp"
    assert (inventory["previous_qty"], inventory["new_qty"]) == (1, 4)
    assert created["ai_assisted"] is True


async def test_infrastructure_and_customer_context_are_per_task() -> None:
    client, stream = console_client()
    both_set = asyncio.Barrier(2)

    async def agent_session(pod: str, customer: str) -> None:
        client.set_infrastructure_context(cluster_id="aks-1", namespace="store", pod_name=pod)
        client.set_customer_context(customer_id=customer, channel="CustomerAgent")
        await both_set.wait()
        await client.emit_order_placed("o-" + pod, [], 1.0)
        client.clear_infrastructure_context()
        client.clear_customer_context()
        await client.emit_order_completed("o-" + pod)

    await asyncio.gather(agent_session("pod-a", "alice"), agent_session("pod-b", "bob"))
    await client.stop()
    rows = {(r["event_type"], r["order_id"]): r["data"] for r in lines(stream)}
    for pod, customer in (("pod-a", "alice"), ("pod-b", "bob")):
        placed = rows[("order.placed", "o-" + pod)]
        assert (placed["pod_name"], placed["customer_id"], placed["namespace"]) == (
            pod,
            customer,
            "store",
        )
        completed = rows[("order.completed", "o-" + pod)]
        assert "pod_name" not in completed and "customer_id" not in completed


def test_from_env_shares_one_client_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FABRIC_SERVICE_NAME", "order-service")
    reset_settings()
    BusinessTelemetryClient.reset_instance()
    try:
        first = BusinessTelemetryClient.from_env()
        assert BusinessTelemetryClient.from_env() is first
        assert BusinessTelemetryClient.get_instance() is first is get_business_telemetry()
        assert first.default_source == "order-service"  # from FABRIC_SERVICE_NAME
        assert BusinessTelemetryClient.from_env(FabricSettings()) is not first
        assert not {"_session_id", "_user_id", "_correlation_id"} & set(vars(first))
    finally:
        BusinessTelemetryClient.reset_instance()
        reset_settings()


async def test_emit_business_event_uses_the_shared_client(tmp_path: Path) -> None:
    settings = FabricSettings(sink_type="file", output_dir=str(tmp_path))
    BusinessTelemetryClient.reset_instance()
    try:
        assert await emit_business_event(create_order_failed_event("o-0")) is False
        client = init_business_telemetry(settings)
        assert get_business_telemetry() is client
        assert await emit_business_event(create_order_failed_event("o-1")) is True
        await client.stop()
    finally:
        BusinessTelemetryClient.reset_instance()
    assert [r["order_id"] for r in output_rows(tmp_path)] == ["o-1"]


def test_sync_client_from_threads_keeps_each_threads_context(tmp_path: Path) -> None:
    sink = FileSink(tmp_path, batch_size=1000, flush_interval_seconds=60)
    sync = SyncBusinessTelemetryClient(BusinessTelemetryClient(sink=sink))
    sync.start()
    barrier = threading.Barrier(2)

    def request(user: str) -> None:
        sync.set_context(user_id=user)
        barrier.wait()
        assert sync.emit_product_viewed(product_id=f"p-{user}", product_name="Widget")
        assert sync.emit_inventory_updated(f"p-{user}", "Widget", 1, 2)  # original positions

    threads = [threading.Thread(target=request, args=(u,)) for u in ("alice", "bob")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sync.stop().success
    sync.close()
    rows = output_rows(tmp_path)
    assert sorted((r["user_id"], r["product_id"], r["event_type"]) for r in rows) == [
        ("alice", "p-alice", "admin.inventory_updated"),
        ("alice", "p-alice", "product.viewed"),
        ("bob", "p-bob", "admin.inventory_updated"),
        ("bob", "p-bob", "product.viewed"),
    ]
    with pytest.raises(AttributeError):
        sync.not_an_emitter  # noqa: B018


def test_every_public_name_of_the_original_client_module_exists() -> None:
    import telemetry_client

    names = [
        "BusinessTelemetryClient",
        "SyncBusinessTelemetryClient",
        "init_business_telemetry",
        "get_business_telemetry",
        "emit_business_event",
        "BaseEvent",
        "ProductEvent",
        "OrderEvent",
        "CustomerEvent",
        "AdminEvent",
        "AIEvent",
        "EventType",
        "EventSource",
        "create_product_viewed_event",
        "create_product_searched_event",
        "create_order_placed_event",
        "create_session_started_event",
        "create_customer_query_event",
        "create_inventory_updated_event",
        "BaseSink",
        "EventHubSink",
        "OneLakeSink",
        "ConsoleSink",
        "FileSink",
        "CompositeSink",
        "SinkType",
        "create_sink_from_config",
    ]
    assert [n for n in names if not hasattr(telemetry_client, n)] == []
    methods = [
        "get_instance",
        "from_env",
        "start",
        "stop",
        "set_context",
        "set_infrastructure_context",
        "set_customer_context",
        "clear_context",
        "clear_customer_context",
        "clear_infrastructure_context",
        "session_context",
        "emit",
        "emit_batch",
    ]
    assert [m for m in methods if not hasattr(BusinessTelemetryClient, m)] == []
