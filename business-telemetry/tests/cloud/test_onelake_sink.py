"""OneLakeSink against Azurite's Blob API: names, contents (jsonl, Parquet, Delta) and retries."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from azure.storage.blob import BlobServiceClient
from azurite import ACCOUNT_KEY, Azurite

from business_telemetry.sinks import onelake_delta, parquet_schema
from business_telemetry.sinks.base import PermanentSinkError, RetryableSinkError, Sink
from business_telemetry.sinks.onelake import OneLakeSink, account_name_from_url, classify
from business_telemetry.sinks.registry import create_sink
from config import FabricSettings
from fabric_sinks import create_sink_from_config

EventFactory = Callable[..., dict[str, Any]]
LAKEHOUSE = "4f1c2a77-0d0e-4a55-9a3e-2d5c1f6b9e01"
NAME = re.compile(
    r"^(?P<lakehouse>[^/]+)/Files/(?P<base>.+)/(?P<type>[a-z_]+)/year=(?P<y>\d{4})/"
    r"month=(?P<m>\d{2})/day=(?P<d>\d{2})/(?P<stamp>\d{8}_\d{6})_(?P<id>[0-9a-f]{12})\.(?P<ext>\w+)$"
)


def sink_for(azurite: Azurite, workspace: str, **options: Any) -> OneLakeSink:
    options.setdefault("retry_initial_backoff_seconds", 0.01)
    return OneLakeSink(
        workspace_id=workspace,
        lakehouse_id=LAKEHOUSE,
        account_url=azurite.account_url,
        account_key=ACCOUNT_KEY,
        **options,
    )


def blobs(service: BlobServiceClient, workspace: str) -> dict[str, bytes]:
    container = service.get_container_client(workspace)
    return {b.name: container.download_blob(b.name).readall() for b in container.list_blobs()}


def two_types_two_days(make_event: EventFactory) -> list[dict[str, Any]]:
    day_one = [make_event(session_id="s1") for _ in range(3)]
    day_two = [make_event(minutes=24 * 60, session_id="s2") for _ in range(2)]
    orders = [make_event("order.placed", user_id="u1") for _ in range(2)]
    return [*day_one, *orders, *day_two]


def expected_partitions(events: list[dict[str, Any]]) -> dict[tuple[str, str], list[str]]:
    """(type segment, YYYYMMDD) → event ids, computed from the events themselves."""
    parts: dict[tuple[str, str], list[str]] = {}
    for event in events:
        when = datetime.fromisoformat(event["event_time"])
        key = (event["event_type"].replace(".", "_"), f"{when:%Y%m%d}")
        parts.setdefault(key, []).append(event["event_id"])
    return parts


class TestJsonLines:
    async def test_blobs_land_at_the_documented_names_and_read_back_equal(
        self,
        azurite: Azurite,
        workspace: str,
        blob_service: BlobServiceClient,
        make_event: EventFactory,
    ) -> None:
        events = two_types_two_days(make_event)
        sink = sink_for(azurite, workspace, base_path="bt/events")
        assert isinstance(sink, Sink)
        await sink.open()
        await sink.write(events)
        await sink.close()

        stored = blobs(blob_service, workspace)
        by_id = {e["event_id"]: e for e in events}
        found: dict[tuple[str, str], list[str]] = {}
        for name, payload in stored.items():
            match = NAME.match(name)
            assert match, name
            assert (match["lakehouse"], match["base"], match["ext"]) == (
                LAKEHOUSE,
                "bt/events",
                "jsonl",
            )
            rows = [orjson.loads(line) for line in payload.splitlines()]
            assert all(row == by_id[row["event_id"]] for row in rows)
            day = f"{match['y']}{match['m']}{match['d']}"
            earliest = min(datetime.fromisoformat(r["event_time"]) for r in rows)
            assert match["stamp"] == f"{earliest:%Y%m%d_%H%M%S}" and match["stamp"][:8] == day
            found[(match["type"], day)] = [r["event_id"] for r in rows]
        assert found == expected_partitions(events)

    async def test_a_retried_batch_leaves_one_blob_not_two(
        self,
        azurite: Azurite,
        workspace: str,
        blob_service: BlobServiceClient,
        make_event: EventFactory,
    ) -> None:
        events = [make_event() for _ in range(4)]
        sink = sink_for(azurite, workspace)
        await sink.write(events)
        first = blobs(blob_service, workspace)
        await sink.write(events)
        await sink.close()
        assert blobs(blob_service, workspace) == first
        assert len(first) == 1

    async def test_poison_event_is_named_and_nothing_is_written(
        self,
        azurite: Azurite,
        workspace: str,
        blob_service: BlobServiceClient,
        make_event: EventFactory,
    ) -> None:
        good = make_event()
        bad = {**make_event(), "event_time": "not a time"}
        sink = sink_for(azurite, workspace)
        with pytest.raises(PermanentSinkError) as caught:
            await sink.write([good, bad])
        await sink.close()
        assert caught.value.event_ids == (bad["event_id"],)
        assert blobs(blob_service, workspace) == {}


class TestParquet:
    async def test_parquet_reads_back_equal_in_the_fixed_typed_schema(
        self,
        azurite: Azurite,
        workspace: str,
        blob_service: BlobServiceClient,
        make_event: EventFactory,
    ) -> None:
        events = [
            *[make_event(session_id="s") for _ in range(3)],
            make_event("order.placed"),
            make_event("product.searched"),
            make_event("customer.session_started", session_id="sess-x", user_id="user-x"),
        ]
        sink = sink_for(azurite, workspace, output_format="parquet")
        await sink.write(events)
        await sink.close()

        rebuilt: dict[str, dict[str, Any]] = {}
        for name, payload in blobs(blob_service, workspace).items():
            match = NAME.match(name)
            assert match and match["ext"] == "parquet", name
            table = pq.read_table(io.BytesIO(payload))
            event_type = table.column("event_type")[0].as_py()
            assert table.schema == parquet_schema.schema_for(event_type)
            rebuilt.update(parquet_schema.rows_by_event_id(table.to_pylist()))
        assert rebuilt == {e["event_id"]: e for e in events}

    def test_key_fields_are_typed_columns(self) -> None:
        viewed = parquet_schema.schema_for("product.viewed")
        assert viewed.field("price").type == pa.float64()
        assert viewed.field("event_time").type == pa.timestamp("us", tz="UTC")
        searched = parquet_schema.schema_for("product.searched")
        assert searched.field("product_ids").type == pa.list_(pa.string())
        assert searched.field("results_count").type == pa.int64()
        assert parquet_schema.schema_for("order.placed").field("items").type == pa.string()


class TestDelta:
    async def test_delta_table_reads_back_equal_and_a_retry_adds_nothing(
        self, azurite: Azurite, workspace: str, make_event: EventFactory
    ) -> None:
        batches = [
            [make_event(minutes=24 * 60 * (n % 2), session_id="s") for _ in range(3)]
            for n in range(4)
        ]
        sink = sink_for(azurite, workspace, output_format="delta")
        # The first batch twice (table created, then a no-op merge), then several commits: the
        # log is listed from the read version each time.
        for batch in [batches[0], *batches]:
            await sink.write(batch)
        await sink.write(batches[-1])  # retried after a lost response: no duplicate rows
        options = await sink.delta_storage_options()
        uri = sink.table_uri("product_viewed")
        await sink.close()

        table = onelake_delta.read_table(uri, options)
        assert table.num_rows == 12
        rebuilt = parquet_schema.rows_by_event_id(table.to_pylist())
        assert rebuilt == {e["event_id"]: e for batch in batches for e in batch}
        dates = {row["event_date"].isoformat() for row in table.to_pylist()}
        assert dates == {"2025-01-15", "2025-01-16"}
        assert uri == f"az://{workspace}/{LAKEHOUSE}/Tables/product_viewed"


class TestFailures:
    async def test_missing_workspace_is_permanent(self, azurite: Azurite) -> None:
        sink = sink_for(azurite, "00000000-0000-0000-0000-000000000000")
        with pytest.raises(PermanentSinkError) as caught:
            await sink.open()
        assert caught.value.event_ids == ()

    async def test_wrong_key_is_permanent(self, azurite: Azurite, workspace: str) -> None:
        sink = OneLakeSink(
            workspace_id=workspace,
            lakehouse_id=LAKEHOUSE,
            account_url=azurite.account_url,
            account_key="d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXk=",
        )
        with pytest.raises(PermanentSinkError):
            await sink.open()

    async def test_delta_refusal_is_permanent_and_readable(
        self, azurite: Azurite, workspace: str, make_event: EventFactory
    ) -> None:
        wrong = onelake_delta.storage_options(
            account_name="devstoreaccount1",
            account_url=azurite.account_url,
            account_key="d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXk=",
        )
        event = make_event()
        table = parquet_schema.to_table(
            "product.viewed", [(datetime.fromisoformat(event["event_time"]), event)]
        )
        uri = onelake_delta.table_uri(workspace, f"{LAKEHOUSE}/Tables/product_viewed")
        with pytest.raises(OSError) as raised:
            await asyncio.to_thread(onelake_delta.merge_batch, uri, table, wrong)
        error = classify(raised.value, "Delta table product_viewed")
        assert isinstance(error, PermanentSinkError) and error.event_ids == ()
        assert "403 Forbidden" in str(error) and "\x1b[" not in str(error)

    async def test_emulator_down_is_retryable_then_delivery_resumes(
        self,
        azurite: Azurite,
        workspace: str,
        blob_service: BlobServiceClient,
        make_event: EventFactory,
    ) -> None:
        sink = sink_for(azurite, workspace)
        await sink.open()
        azurite.stop()
        try:
            with pytest.raises(RetryableSinkError):
                await sink.write([make_event()])
        finally:
            azurite.start()
        event = make_event()
        await sink.write([event])
        await sink.close()
        (payload,) = blobs(blob_service, workspace).values()
        assert orjson.loads(payload) == event


class TestConfiguration:
    def test_account_name_comes_from_the_endpoint(self) -> None:
        assert account_name_from_url("https://onelake.blob.fabric.microsoft.com") == "onelake"
        assert (
            account_name_from_url("http://127.0.0.1:10000/devstoreaccount1") == "devstoreaccount1"
        )
        assert account_name_from_url("https://acct.blob.core.windows.net/") == "acct"

    def test_bad_settings_name_the_variable(self) -> None:
        with pytest.raises(ValueError, match="FABRIC_ONELAKE_WORKSPACE_ID"):
            OneLakeSink(lakehouse_id=LAKEHOUSE)
        with pytest.raises(ValueError, match="FABRIC_ONELAKE_OUTPUT_FORMAT"):
            OneLakeSink(workspace_id="w", lakehouse_id="l", output_format="csv")
        with pytest.raises(ValueError, match="FABRIC_ONELAKE_BASE_PATH"):
            OneLakeSink(workspace_id="w", lakehouse_id="l", base_path="../escape")
        with pytest.raises(ValueError, match="FABRIC_ONELAKE_LAKEHOUSE_ID"):
            OneLakeSink(workspace_id="w", lakehouse_id="../other")

    def test_original_constructor_keywords_are_kept(self) -> None:
        sink = OneLakeSink(
            account_name="onelake",
            workspace_id="ws",
            lakehouse_id="lh",
            credential=None,
            base_path="business_telemetry",
            output_format="parquet",
        )
        assert sink.account_url == "https://onelake.blob.fabric.microsoft.com"
        assert (sink.container_name, sink.output_format) == ("ws", "parquet")

    async def test_settings_and_config_factories_build_a_working_sink(
        self,
        azurite: Azurite,
        workspace: str,
        blob_service: BlobServiceClient,
        make_event: EventFactory,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        for name, value in {
            "FABRIC_SINK_TYPE": "onelake",
            "FABRIC_ONELAKE_WORKSPACE_ID": workspace,
            "FABRIC_ONELAKE_LAKEHOUSE_ID": LAKEHOUSE,
            "FABRIC_ONELAKE_OUTPUT_FORMAT": "parquet",
            "FABRIC_ONELAKE_ACCOUNT_URL": azurite.account_url,
            "FABRIC_ONELAKE_ACCOUNT_KEY": ACCOUNT_KEY,
        }.items():
            monkeypatch.setenv(name, value)
        from_env = create_sink(FabricSettings())
        from_config = create_sink_from_config(
            {
                "type": "onelake",
                "workspace_id": workspace,
                "lakehouse_id": LAKEHOUSE,
                "base_path": "from_config",
                "output_format": "jsonl",
                "account_url": azurite.account_url,
                "account_key": ACCOUNT_KEY,
            }
        )
        assert isinstance(from_env, OneLakeSink) and isinstance(from_config, OneLakeSink)
        assert (await from_env.send_batch([make_event()])).success
        assert (await from_config.send_batch([make_event()])).success
        await from_env.close()
        await from_config.close()
        names = blobs(blob_service, workspace)
        assert sorted(n.rsplit(".", 1)[1] for n in names) == ["jsonl", "parquet"]
        assert any(n.startswith(f"{LAKEHOUSE}/Files/business_telemetry/") for n in names)
        assert any(n.startswith(f"{LAKEHOUSE}/Files/from_config/") for n in names)
