"""Sink throughput: events/s through each cloud sink to its local peer, beside the file sink.

Run: `uv run --frozen python -m bench.bench_sinks [--events N] [--batch-size B]`. Every sink gets
the same events, written the way the spool drainer writes them (`write(batch)` in order, after an
untimed warm-up batch), in the same run, so the numbers compare sinks on this machine rather than
claim absolute speed. The Event Hubs sink talks AMQP 1.0 to the proton peer, the OneLake sink HTTP
to Azurite (both on 127.0.0.1, so network latency to Azure is not in these numbers). Each run
checks that every event arrived before it reports.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT / "business-telemetry", ROOT / "business-telemetry" / "tests" / "peers"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from azure.storage.blob import BlobServiceClient  # noqa: E402
from azurite import ACCOUNT_KEY, ACCOUNT_NAME, Azurite  # noqa: E402
from eventhub_peer import EventHubPeer  # noqa: E402

from business_telemetry.events.envelope import BaseEvent  # noqa: E402
from business_telemetry.sinks import onelake_delta  # noqa: E402
from business_telemetry.sinks.buffered import BaseSink  # noqa: E402
from business_telemetry.sinks.eventhub import EventHubSink  # noqa: E402
from business_telemetry.sinks.file import FileSink  # noqa: E402
from business_telemetry.sinks.onelake import OneLakeSink  # noqa: E402

LAKEHOUSE = "bench-lakehouse"
WARM_UP = 30
START = datetime(2025, 1, 15, 8, 0, tzinfo=UTC)


def make_events(count: int) -> list[dict[str, Any]]:
    """A realistic mix: three event types over two days, 50 sessions."""
    kinds = [
        ("product.viewed", {"product_id": "p-1", "product_name": "Widget", "price": 9.99}),
        ("order.placed", {"order_id": "o-1", "items": [{"product_id": "p-1"}], "total": 9.99}),
        ("ai.recommendation", {"model_name": "gpt-4o", "input_tokens": 80, "output_tokens": 20}),
    ]
    events = []
    for i in range(count):
        event_type, data = kinds[i % len(kinds)]
        events.append(
            BaseEvent(
                event_type=event_type,
                event_time=START + timedelta(seconds=i * 30),
                event_source="bench",
                environment="bench",
                session_id=f"sess-{i % 50}",
                data=data,
            ).to_dict()
        )
    return events


async def timed(sink: BaseSink, events: list[dict[str, Any]], batch_size: int) -> float:
    """Seconds to write `events` in batches, after an untimed warm-up batch.

    The warm-up (the first `WARM_UP` events) pays the one-time costs (connections, AMQP links,
    library initialisation) so the figure is throughput, not start-up.
    """
    await sink.open()
    await sink.write(events[:WARM_UP])
    started = time.perf_counter()
    for start in range(WARM_UP, len(events), batch_size):
        await sink.write(events[start : start + batch_size])
    elapsed = time.perf_counter() - started
    await sink.close()
    return elapsed


def count_blob_rows(service: BlobServiceClient, workspace: str, suffix: str) -> int:
    container = service.get_container_client(workspace)
    total = 0
    for blob in container.list_blobs(name_starts_with=f"{LAKEHOUSE}/Files/"):
        if blob.name.endswith(suffix):
            payload = container.download_blob(blob.name).readall()
            total += payload.count(b"\n") if suffix == ".jsonl" else 1
    return total


async def run(count: int, batch_size: int) -> list[tuple[str, float, str]]:
    events = make_events(count + WARM_UP)
    total = len(events)  # every check counts the warm-up events too
    results: list[tuple[str, float, str]] = []

    async def measure(label: str, sink: BaseSink, check: Callable[[], Awaitable[str]]) -> None:
        elapsed = await timed(sink, events, batch_size)
        results.append((label, elapsed, await check()))

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "files"

        async def files_ok() -> str:
            lines = sum(p.read_bytes().count(b"\n") for p in out.rglob("*.jsonl"))
            return "ok" if lines == total else f"MISSING {total - lines}"

        await measure("file (baseline)", FileSink(output_dir=out), files_ok)

        with EventHubPeer(hub_name="bench") as peer:

            async def hub_ok() -> str:
                got = {e.json()["event_id"] for e in peer.received}
                return "ok" if len(got) == total else f"MISSING {total - len(got)}"

            sink = EventHubSink(connection_string=peer.connection_string)
            await measure("eventhub -> AMQP peer", sink, hub_ok)

        with Azurite(Path(tmp) / "azurite") as azurite:
            service = BlobServiceClient(
                azurite.account_url,
                credential={"account_name": ACCOUNT_NAME, "account_key": ACCOUNT_KEY},
            )
            for output_format in ("jsonl", "parquet", "delta"):
                workspace = str(uuid.uuid4())
                service.create_container(workspace)
                onelake = OneLakeSink(
                    workspace_id=workspace,
                    lakehouse_id=LAKEHOUSE,
                    output_format=output_format,
                    account_url=azurite.account_url,
                    account_key=ACCOUNT_KEY,
                )

                async def lake_ok(
                    fmt: str = output_format, ws: str = workspace, sink: OneLakeSink = onelake
                ) -> str:
                    if fmt == "jsonl":
                        rows = count_blob_rows(service, ws, ".jsonl")
                        return "ok" if rows == total else f"MISSING {total - rows}"
                    if fmt == "parquet":
                        return f"ok ({count_blob_rows(service, ws, '.parquet')} files)"
                    options = await sink.delta_storage_options()
                    await sink.close()
                    rows = sum(
                        onelake_delta.read_table(sink.table_uri(table), options).num_rows
                        for table in ("product_viewed", "order_placed", "ai_recommendation")
                    )
                    return "ok" if rows == total else f"MISSING {total - rows}"

                await measure(f"onelake {output_format} -> Azurite", onelake, lake_ok)
            service.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--batch-size", type=int, default=100)
    # Known options only: under `python -m bench sinks` the argv holds benchmark names.
    args, _ = parser.parse_known_args()
    results = asyncio.run(run(args.events, args.batch_size))
    baseline = results[0][1]
    print(f"sink throughput: {args.events} events, batches of {args.batch_size}")
    print(f"{'sink':<28}{'seconds':>9}{'events/s':>11}{'vs file':>9}  check")
    for label, elapsed, check in results:
        rate = args.events / elapsed
        print(f"{label:<28}{elapsed:>9.2f}{rate:>11.0f}{baseline / elapsed:>8.2f}x  {check}")


if __name__ == "__main__":
    main()
