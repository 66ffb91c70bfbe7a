"""EventHubSink against a real AMQP 1.0 peer driven by the unpatched `azure-eventhub` SDK."""

from __future__ import annotations

import logging
import socket
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

import pytest
from eventhub_peer import EventHubPeer

from business_telemetry.sinks import eventhub_partitions
from business_telemetry.sinks.base import PermanentSinkError, RetryableSinkError, Sink
from business_telemetry.sinks.eventhub import EventHubSink
from business_telemetry.sinks.eventhub_partitions import partition_for_key
from business_telemetry.sinks.registry import create_sink
from config import FabricSettings
from fabric_sinks import create_sink_from_config
from telemetry_client import BusinessTelemetryClient

EventFactory = Callable[..., dict[str, Any]]


def sink_for(peer: EventHubPeer, **options: Any) -> EventHubSink:
    options.setdefault("retry_initial_backoff_seconds", 0.01)
    return EventHubSink(connection_string=peer.connection_string, **options)


def mixed_batch(make_event: EventFactory) -> list[dict[str, Any]]:
    events = [make_event(session_id=f"sess-{i % 3}", user_id="user-1") for i in range(12)]
    events += [make_event("order.placed", user_id=f"user-{i}") for i in range(4)]
    events += [make_event("ai.recommendation") for _ in range(3)]
    return events


class TestDelivery:
    async def test_every_event_arrives_with_body_key_and_routing_properties(
        self, hub: EventHubPeer, make_event: EventFactory
    ) -> None:
        events = mixed_batch(make_event)
        sink = sink_for(hub)
        assert isinstance(sink, Sink)
        await sink.open()
        await sink.write(events)
        await sink.close()

        received = {e.json()["event_id"]: e for e in hub.received}
        assert len(hub.received) == len(events)
        for event in events:
            got = received[event["event_id"]]
            assert got.json() == event
            assert got.content_type == "application/json"
            expected_key = event.get("session_id") or event.get("user_id")
            assert got.partition_key == expected_key
            assert got.application_properties == {
                "event_type": event["event_type"],
                "event_source": "customer-agent",
                "environment": "test",
                "schema_version": event["schema_version"],
            }

    async def test_keyed_events_go_to_the_partition_their_key_hashes_to(
        self, hub: EventHubPeer, make_event: EventFactory
    ) -> None:
        events = mixed_batch(make_event)
        sink = sink_for(hub)
        await sink.write(events)
        await sink.close()
        for got in hub.received:
            if got.partition_key is None:
                assert got.target.endswith(f"/{hub.hub_name}")  # keyless: the hub spreads them
            else:
                expected = partition_for_key(got.partition_key, hub.partition_ids)
                assert got.target.endswith(f"/{hub.hub_name}/Partitions/{expected}")
        assert hub.transfers <= len(hub.partition_ids) + 1  # one message per partition

    async def test_without_the_sdk_hash_each_key_gets_its_own_batch(
        self, hub: EventHubPeer, make_event: EventFactory, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(eventhub_partitions, "_generate_hash_code", None)
        events = mixed_batch(make_event)
        sink = sink_for(hub)
        await sink.write(events)
        await sink.close()
        assert sorted((e.json()["event_id"], e.partition_key) for e in hub.received) == sorted(
            (e["event_id"], e.get("session_id") or e.get("user_id")) for e in events
        )
        assert all(got.target.endswith(f"/{hub.hub_name}") for got in hub.received)

    async def test_one_sessions_events_keep_their_order(
        self, hub: EventHubPeer, make_event: EventFactory
    ) -> None:
        events = mixed_batch(make_event)
        sink = sink_for(hub)
        await sink.write(events)
        await sink.close()
        order: dict[str | None, list[str]] = defaultdict(list)
        for got in hub.received:
            order[got.partition_key].append(got.json()["event_id"])
        for key, ids in order.items():
            expected = [
                e["event_id"] for e in events if (e.get("session_id") or e.get("user_id")) == key
            ]
            assert ids == expected

    async def test_batches_stay_under_the_hub_message_size(self, make_event: EventFactory) -> None:
        with EventHubPeer(hub_name="small", max_message_size=8 * 1024) as peer:
            sink = sink_for(peer)
            blob = "x" * 900
            events = [make_event(data={"product_id": f"p{i}", "note": blob}) for i in range(30)]
            await sink.write(events)
            await sink.close()
            assert sorted(e.json()["event_id"] for e in peer.received) == sorted(
                e["event_id"] for e in events
            )
            assert peer.transfers >= 4  # 30 KB of events cannot fit fewer 8 KB messages

    async def test_event_too_large_alone_is_named_and_nothing_is_sent(
        self, make_event: EventFactory
    ) -> None:
        with EventHubPeer(hub_name="small", max_message_size=8 * 1024) as peer:
            sink = sink_for(peer)
            small = [make_event() for _ in range(3)]
            huge = make_event(data={"product_id": "big", "note": "y" * 20_000})
            with pytest.raises(PermanentSinkError) as caught:
                await sink.write([*small, huge])
            assert caught.value.event_ids == (huge["event_id"],)
            assert peer.received == []
            await sink.write(small)  # the drainer resends the rest after dead-lettering
            await sink.close()
            assert len(peer.received) == 3


class TestFailures:
    async def test_refused_token_is_a_permanent_sink_error(
        self, hub: EventHubPeer, make_event: EventFactory
    ) -> None:
        hub.refuse_tokens = True
        sink = sink_for(hub)
        with pytest.raises(PermanentSinkError) as caught:
            await sink.write([make_event()])
        assert caught.value.event_ids == ()
        assert hub.token_requests and not hub.token_requests[-1].accepted
        assert hub.received == []

    async def test_unknown_hub_is_a_permanent_sink_error(
        self, hub: EventHubPeer, make_event: EventFactory
    ) -> None:
        sink = EventHubSink(connection_string=hub.connection_string_for("no-such-hub"))
        with pytest.raises(PermanentSinkError) as caught:
            await sink.open()
        assert "not-found" in str(caught.value)
        assert caught.value.event_ids == ()

    async def test_connection_dropped_mid_batch_is_retried_and_every_event_arrives(
        self, hub: EventHubPeer, make_event: EventFactory
    ) -> None:
        events = mixed_batch(make_event)
        sink = sink_for(hub)
        await sink.open()
        hub.drop_connection_on_next_transfers(2)  # the SDK's own resend is cut too
        with pytest.raises(RetryableSinkError):
            await sink.write(events)
        await sink.write(events)  # what the drainer does next
        await sink.close()

        ids = Counter(e.json()["event_id"] for e in hub.received)
        assert set(ids) == {e["event_id"] for e in events}
        assert any(count > 1 for count in ids.values())  # at-least-once: dropped sends repeated
        by_id = {e["event_id"]: e for e in events}
        assert all(got.json() == by_id[got.json()["event_id"]] for got in hub.received)

    async def test_send_batch_retries_a_dropped_connection_itself(
        self, hub: EventHubPeer, make_event: EventFactory
    ) -> None:
        events = [make_event(session_id="s") for _ in range(5)]
        sink = sink_for(hub)
        hub.drop_connection_on_next_transfers(2)
        result = await sink.send_batch(events)
        await sink.close()
        assert result.success and result.events_sent == 5
        assert {e.json()["event_id"] for e in hub.received} == {e["event_id"] for e in events}

    async def test_peer_down_is_retryable_and_delivery_resumes_after_restart(
        self, make_event: EventFactory
    ) -> None:
        peer = EventHubPeer(hub_name="restart")
        peer.start()
        sink = sink_for(peer)
        await sink.write([make_event()])
        peer.stop()
        try:
            with pytest.raises(RetryableSinkError):
                await sink.write([make_event()])
        finally:
            peer.start()
        late = make_event()
        await sink.write([late])
        await sink.close()
        peer.stop()
        assert peer.received[-1].json() == late

    async def test_silent_peer_times_out_as_retryable(self, make_event: EventFactory) -> None:
        with socket.socket() as silent:  # accepts connections (backlog), never answers
            silent.bind(("127.0.0.1", 0))
            silent.listen(4)
            port = silent.getsockname()[1]
            connection = (
                f"Endpoint=sb://127.0.0.1:{port};SharedAccessKeyName=k;SharedAccessKey=dg==;"
                "EntityPath=hub;UseDevelopmentEmulator=true"
            )
            sink = EventHubSink(connection_string=connection, send_timeout_seconds=0.5)
            started = time.monotonic()
            with pytest.raises(RetryableSinkError):
                await sink.write([make_event()])
            assert time.monotonic() - started < 5

    async def test_connection_string_never_reaches_the_logs(
        self, hub: EventHubPeer, make_event: EventFactory, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        hub.refuse_tokens = True
        sink = sink_for(hub, retry_attempts=1)
        result = await sink.send_batch([make_event()])
        assert not result.success
        secret = hub.connection_string.split("SharedAccessKey=")[1].split(";")[0]
        assert secret not in caplog.text
        assert secret not in (result.error_message or "")


class TestConfiguration:
    def test_missing_settings_name_the_variables(self) -> None:
        with pytest.raises(ValueError, match="FABRIC_EVENT_HUB_CONNECTION_STRING"):
            EventHubSink()
        with pytest.raises(ValueError, match="FABRIC_EVENT_HUB_NAME"):
            EventHubSink(fully_qualified_namespace="ns.servicebus.windows.net")

    def test_original_constructor_keywords_are_kept(self) -> None:
        sink = EventHubSink(
            connection_string=None,
            event_hub_name="hub",
            fully_qualified_namespace="ns.servicebus.windows.net",
            credential=None,
            batch_size=7,
            flush_interval_seconds=2.5,
            use_websockets=True,
        )
        assert (sink.batch_size, sink.flush_interval, sink.use_websockets) == (7, 2.5, True)

    async def test_settings_and_config_factories_build_a_working_sink(
        self, hub: EventHubPeer, make_event: EventFactory, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("FABRIC_SINK_TYPE", "eventhub")
        monkeypatch.setenv("FABRIC_EVENT_HUB_CONNECTION_STRING", hub.connection_string)
        monkeypatch.setenv("FABRIC_EVENT_HUB_NAME", hub.hub_name)
        from_env = create_sink(FabricSettings())
        from_config = create_sink_from_config(
            {"type": "eventhub", "connection_string": hub.connection_string, "batch_size": 5}
        )
        assert isinstance(from_env, EventHubSink) and isinstance(from_config, EventHubSink)
        assert from_config.batch_size == 5
        first, second = make_event(), make_event()
        assert (await from_env.send_batch([first])).success
        assert (await from_config.send_batch([second])).success
        await from_env.close()
        await from_config.close()
        assert [e.json() for e in hub.received] == [first, second]


async def test_sdk_client_from_env_sends_a_session_to_the_hub(
    hub: EventHubPeer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The spec's SDK example, with `FABRIC_SINK_TYPE=eventhub` pointing at the peer."""
    monkeypatch.setenv("FABRIC_SINK_TYPE", "eventhub")
    monkeypatch.setenv("FABRIC_EVENT_HUB_CONNECTION_STRING", hub.connection_string)
    monkeypatch.setenv("FABRIC_ENVIRONMENT", "sdk-test")
    client = BusinessTelemetryClient.from_env(FabricSettings())
    assert isinstance(client.sink, EventHubSink)
    await client.start()
    async with client.session_context(session_id="sess-123"):
        await client.emit_product_viewed(
            product_id="prod-456",
            product_name="Premium Widget",
            category="electronics",
            price=99.99,
        )
    await client.stop()

    types = [(e.application_properties["event_type"], e.partition_key) for e in hub.received]
    assert types == [
        ("customer.session_started", "sess-123"),
        ("product.viewed", "sess-123"),
        ("customer.session_ended", "sess-123"),
    ]
    viewed = hub.received[1].json()
    assert (viewed["product_id"], viewed["price"], viewed["environment"]) == (
        "prod-456",
        99.99,
        "sdk-test",
    )
