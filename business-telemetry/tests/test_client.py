"""The async SDK with real sinks: sessions, context isolation, disabled client, stop flush."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import orjson
import pytest
from bt_testkit import output_rows

from business_events import create_order_failed_event
from sinks.console import ConsoleSink
from sinks.file import FileSink
from telemetry_client import BusinessTelemetryClient


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
