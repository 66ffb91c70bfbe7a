"""Sinks on their own: file layout and safety, console output, composite fan-out, factories."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import orjson
import pytest
from bt_testkit import output_rows

from business_events import create_event
from business_telemetry.sinks.base import Envelope
from fabric_sinks import (
    BaseSink,
    CompositeSink,
    ConsoleSink,
    FileSink,
    PermanentSinkError,
    RetryableSinkError,
    SinkType,
    create_sink_from_config,
)


def row(
    event_type: str = "product.viewed",
    event_id: str = "e-1",
    event_time: str = "2025-01-15T14:30:22Z",
    **data: object,
) -> dict[str, object]:
    return {
        "event_id": event_id,
        "event_type": event_type,
        "event_time": event_time,
        "data": data or {"product_id": "p"},
    }


async def test_file_layout_follows_the_spec_and_event_time(tmp_path: Path) -> None:
    sink = FileSink(tmp_path)
    await sink.open()
    await sink.write(
        [
            row(event_id="a"),
            row(event_id="b", event_time="2025-01-15T14:31:00Z"),
            row("order.placed", "c", "2024-12-31T23:59:59+00:00"),
        ]
    )
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.jsonl"))
    assert len(files) == 2
    assert files[0].startswith("order_placed/year=2024/month=12/day=31/20241231_235959_")
    assert files[1].startswith("product_viewed/year=2025/month=01/day=15/20250115_143022_")
    assert not list(tmp_path.rglob(".*.tmp"))


async def test_writing_the_same_batch_twice_does_not_duplicate(tmp_path: Path) -> None:
    sink = FileSink(tmp_path)
    batch = [row(event_id=f"id-{i}") for i in range(5)]
    await sink.write(batch)
    await sink.write(batch)
    assert sorted(r["event_id"] for r in output_rows(tmp_path)) == [f"id-{i}" for i in range(5)]


@pytest.mark.parametrize(
    "event_type", ["../../escape", "/etc/passwd", "product..viewed", "Product.Viewed", "a/b", ""]
)
async def test_event_type_can_never_leave_the_output_dir(tmp_path: Path, event_type: str) -> None:
    out = tmp_path / "out"
    sink = FileSink(out)
    with pytest.raises(PermanentSinkError) as info:
        await sink.write([row(), row(event_type, "evil")])
    assert info.value.event_ids == ("evil",)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


async def test_bad_event_time_is_poison_not_wall_clock(tmp_path: Path) -> None:
    with pytest.raises(PermanentSinkError) as info:
        await FileSink(tmp_path).write([row(event_id="t", event_time="yesterday")])
    assert info.value.event_ids == ("t",)


async def test_partitioning_can_be_turned_off(tmp_path: Path) -> None:
    sink = FileSink(tmp_path, partition_by_type=False, partition_by_date=False)
    await sink.write([row()])
    assert [p.parent for p in tmp_path.rglob("*.jsonl")] == [tmp_path]


async def test_console_sink_json_lines_and_pretty() -> None:
    plain, pretty = io.StringIO(), io.StringIO()
    await ConsoleSink(pretty_print=False, stream=plain).write([row(), row(event_id="e-2")])
    await ConsoleSink(pretty_print=True, stream=pretty).write([row()])
    assert [orjson.loads(x)["event_id"] for x in plain.getvalue().splitlines()] == ["e-1", "e-2"]
    assert pretty.getvalue().startswith("{\n  ") and orjson.loads(pretty.getvalue())["event_id"]


class Refusing(BaseSink):
    """A sink whose target refuses every batch, the way a throttled service does."""

    def __init__(self, error: Exception, name: str) -> None:
        super().__init__(retry_attempts=0)
        self.name = name
        self.error = error
        self.calls = 0

    async def open(self) -> None:
        return None

    async def write(self, batch: Sequence[Envelope]) -> None:
        self.calls += 1
        raise self.error

    async def close(self) -> None:
        return None


async def test_composite_delivers_to_healthy_children_and_reports_the_failure(
    tmp_path: Path,
) -> None:
    failing = Refusing(RetryableSinkError("throttled"), "hub")
    composite = CompositeSink([failing, FileSink(tmp_path)], retry_attempts=0)
    result = await composite.send_batch([row()])
    assert not result.success and "throttled" in (result.error_message or "")
    assert [r["event_id"] for r in output_rows(tmp_path)] == ["e-1"]


async def test_composite_fail_fast_stops_at_the_first_failure(tmp_path: Path) -> None:
    failing = Refusing(PermanentSinkError("denied"), "hub")
    composite = CompositeSink([failing, FileSink(tmp_path)], fail_fast=True)
    with pytest.raises(PermanentSinkError):
        await composite.write([row()])
    assert output_rows(tmp_path) == []


async def test_base_sink_accepts_events_and_dicts(tmp_path: Path) -> None:
    sink = FileSink(tmp_path, batch_size=2)
    await sink.start()
    assert await sink.send(create_event("order.completed", order_id="o-1")) is True
    assert await sink.send(row("order.failed", "x", order_id="o-2")) is True
    await sink.stop()
    assert sorted(r["event_type"] for r in output_rows(tmp_path)) == [
        "order.completed",
        "order.failed",
    ]


def test_create_sink_from_config_keeps_the_original_keywords(tmp_path: Path) -> None:
    file = create_sink_from_config(
        {
            "type": "file",
            "output_dir": str(tmp_path),
            "partition_by_date": False,
            "batch_size": 3,
            "flush_interval": 2,
        }
    )
    assert isinstance(file, FileSink) and file.sink_type is SinkType.FILE
    assert (file.output_dir, file.partition_by_date, file.batch_size, file.flush_interval) == (
        tmp_path,
        False,
        3,
        2.0,
    )
    console = create_sink_from_config({"type": "console", "pretty_print": False})
    assert isinstance(console, ConsoleSink) and console.pretty_print is False
    composite = create_sink_from_config(
        {
            "type": "composite",
            "fail_fast": True,
            "sinks": [{"type": "console"}, {"type": "file", "output_dir": str(tmp_path)}],
        }
    )
    assert isinstance(composite, CompositeSink) and composite.fail_fast
    with pytest.raises(ValueError, match="Unknown sink type"):
        create_sink_from_config({"type": "kafka"})


class Credential:
    """Stands in for an `azure.identity` credential object; the factory must pass it on as is."""

    def get_token(self, *scopes: str, **kwargs: object) -> object:
        raise AssertionError("not called: nothing connects in these tests")


def test_create_sink_from_config_passes_every_cloud_keyword() -> None:
    from business_telemetry.sinks.eventhub import EventHubSink
    from business_telemetry.sinks.onelake import OneLakeSink

    credential = Credential()
    hub = create_sink_from_config(
        {
            "type": "eventhub",
            "fully_qualified_namespace": "ns.servicebus.windows.net",
            "event_hub_name": "hub",
            "credential": credential,
            "use_websockets": True,
            "batch_size": 7,
            "flush_interval": 2.5,
            "max_queue_size": 70,
        }
    )
    assert isinstance(hub, EventHubSink)
    assert hub._given_credential is credential  # what it authenticates with when it connects
    assert (hub.fully_qualified_namespace, hub.event_hub_name, hub.use_websockets) == (
        "ns.servicebus.windows.net",
        "hub",
        True,
    )
    assert (hub.batch_size, hub.flush_interval, hub.max_queue_size) == (7, 2.5, 70)
    lake = create_sink_from_config(
        {
            "type": "onelake",
            "account_name": "contoso",
            "workspace_id": "ws",
            "lakehouse_id": "lh",
            "credential": credential,
            "output_format": "parquet",
        }
    )
    assert isinstance(lake, OneLakeSink) and lake._given_credential is credential
    assert (lake.account_name, lake.account_url) == (
        "contoso",
        "https://contoso.blob.fabric.microsoft.com",
    )
    assert (lake.batch_size, lake.flush_interval, lake.output_format) == (1000, 60.0, "parquet")
    with pytest.raises(ValueError, match=r"unknown keys \['acount_name'\]"):
        create_sink_from_config({"type": "onelake", "acount_name": "typo"})


async def test_composite_children_of_one_kind_get_distinct_names(tmp_path: Path) -> None:
    composite = create_sink_from_config(
        {
            "type": "composite",
            "sinks": [
                {"type": "file", "output_dir": str(tmp_path / "a")},
                {"type": "file", "output_dir": str(tmp_path / "b")},
                {"type": "file", "output_dir": str(tmp_path / "c")},
            ],
        }
    )
    assert isinstance(composite, CompositeSink)
    assert [s.name for s in composite.sinks] == ["file", "file#2", "file#3"]
    assert (await composite.send_batch([row()])).success
    for folder in "abc":
        assert [r["event_id"] for r in output_rows(tmp_path / folder)] == ["e-1"]


class LegacySink(BaseSink):
    """A custom sink written against the original SDK's API."""

    def __init__(self) -> None:
        super().__init__(SinkType.CONSOLE, 2, 0.05)
        self.received: list[dict[str, object]] = []

    async def _send_batch_impl(self, events: list[dict[str, object]]) -> None:
        self.received.extend(events)


async def test_a_sink_written_for_the_original_sdk_still_works() -> None:
    sink = LegacySink()
    await sink.start()
    assert await sink.send(row(event_id="a")) and await sink.send(row(event_id="b"))
    assert (await sink.send_batch([row(event_id="c")])).success
    await sink.stop()
    assert sorted(e["event_id"] for e in sink.received) == ["a", "b", "c"]
    assert (sink.name, sink.batch_size, sink.flush_interval) == ("console", 2, 0.05)

    class Incomplete(BaseSink):
        pass

    with pytest.raises(TypeError, match="must implement write"):
        Incomplete()


def test_fabric_sinks_keeps_the_original_module_names() -> None:
    import fabric_sinks

    for name in ("EventHubSink", "OneLakeSink", "ConsoleSink", "FileSink", "CompositeSink"):
        assert issubclass(getattr(fabric_sinks, name), BaseSink), name
    assert fabric_sinks.EVENTHUB_AVAILABLE is True and fabric_sinks.ONELAKE_AVAILABLE is True
    assert fabric_sinks.TransportType.__name__ == "TransportType"
    assert fabric_sinks.EventHubProducerClient.__name__ == "EventHubProducerClient"
    assert fabric_sinks.EventData.__name__ == "EventData"
    assert fabric_sinks.DataLakeServiceClient is None  # not installed: the Blob API is used
    assert {"SinkResult", "SinkType", "create_sink_from_config"} <= set(fabric_sinks.__all__)
