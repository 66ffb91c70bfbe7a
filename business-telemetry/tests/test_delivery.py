"""Delivery from the spool: outages, per-sink cursors, dead letters, torn records, spool cap."""

from __future__ import annotations

import asyncio
import threading
import time
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import orjson
from bt_testkit import (
    GatedSink,
    live_server,
    make_event,
    make_settings,
    metric_value,
    output_id_counts,
    poll_until,
    send_orders,
)

from business_telemetry.service.http.records import spool_record
from business_telemetry.service.spool.backlog import pending_bytes
from business_telemetry.service.spool.segments import DeliveredIds
from business_telemetry.sinks.base import Envelope
from business_telemetry.sinks.composite import CompositeSink
from business_telemetry.sinks.file import FileSink
from main import create_app


def break_file_sink(out: Path, event_type_dir: str = "order_placed") -> Path:
    """Put a plain file where the sink needs a folder: its writes fail with a real OSError."""
    out.mkdir(parents=True, exist_ok=True)
    blocker = out / event_type_dir
    blocker.write_text("not a directory")
    return blocker


def test_sink_outage_then_recovery_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    blocker = break_file_sink(tmp_path / "out")
    with live_server(make_settings(tmp_path)) as url, httpx.Client(base_url=url) as client:
        ids = send_orders(client, "outage", 120)

        def sink_reported_down() -> bool:
            response = client.get("/ready")
            return response.status_code == 503 and "sink:file" in response.json()["detail"]

        poll_until(sink_reported_down, what="/ready naming the failing sink")
        poll_until(
            lambda: 'bt_events_failed_total{sink="file"}' in client.get("/metrics").text,
            what="failed attempts in the drainer's published metrics",
        )
        ids += send_orders(client, "during", 30)  # still acknowledged while the sink is down
        blocker.unlink()
        poll_until(
            lambda: all(output_id_counts(tmp_path / "out")[i] == 1 for i in ids),
            what="delivery after recovery",
        )
        poll_until(lambda: client.get("/ready").status_code == 200, what="ready again")
    counts = output_id_counts(tmp_path / "out")
    assert set(counts) == set(ids) and max(counts.values()) == 1


def test_one_sink_down_neither_blocks_nor_duplicates_the_other(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    blocker = break_file_sink(a)
    sink = CompositeSink([FileSink(a, name="file-a"), FileSink(b, name="file-b")])
    settings = make_settings(tmp_path)
    with (
        live_server(settings, create_app(settings, sink)) as url,
        httpx.Client(base_url=url) as client,
    ):
        ids = send_orders(client, "fan", 80)
        poll_until(lambda: all(output_id_counts(b)[i] == 1 for i in ids), what="healthy sink")
        assert not output_id_counts(a)
        more = send_orders(client, "fan2", 20)
        poll_until(lambda: all(output_id_counts(b)[i] == 1 for i in more), what="still flowing")
        blocker.unlink()
        poll_until(lambda: all(output_id_counts(a)[i] == 1 for i in ids + more), what="catch up")
        assert client.post("/flush").status_code == 200
    for out in (a, b):
        counts = output_id_counts(out)
        assert set(counts) == set(ids + more) and max(counts.values()) == 1


def test_poison_events_are_dead_lettered_with_reason_and_others_delivered(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path)
    sink = GatedSink(tmp_path / "out")
    events = [make_event("order.placed", event_id=f"ok-{i}") for i in range(5)]
    events[2]["data"]["poison"] = True
    with (
        live_server(settings, create_app(settings, sink)) as url,
        httpx.Client(base_url=url) as client,
    ):
        assert client.post("/events/batch", json={"events": events}).status_code == 202
        assert client.post("/flush").status_code == 200
    counts = output_id_counts(tmp_path / "out")
    assert set(counts) == {"ok-0", "ok-1", "ok-3", "ok-4"}
    dead = [
        orjson.loads(x)
        for x in (tmp_path / "spool/dead_letter/gated.jsonl").read_bytes().splitlines()
    ]
    assert [(d["event"]["event_id"], d["reason"]) for d in dead] == [
        ("ok-2", "event too large for the target")
    ]


def test_unusable_sink_keeps_events_and_reports_not_ready(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    sink = GatedSink(tmp_path / "out")
    sink.unusable = True
    with (
        live_server(settings, create_app(settings, sink)) as url,
        httpx.Client(base_url=url) as client,
    ):
        ids = send_orders(client, "held", 10)
        poll_until(lambda: "credentials rejected" in client.get("/ready").text, what="not ready")
        assert not (tmp_path / "spool/dead_letter/gated.jsonl").exists()
        sink.unusable = False
        poll_until(
            lambda: all(output_id_counts(tmp_path / "out")[i] == 1 for i in ids),
            what="delivered once the sink works",
        )


def _record(event: dict[str, Any]) -> bytes:
    """A spool record as a worker writes it (see ingest.segments / ingest.encode)."""
    record = {
        "id_base": "00000000-0000-4000-8000-000000000000",
        "received_at": "2025-01-15T10:00:00Z",
        "events": [event],
    }
    payload = orjson.dumps(record)
    return b"%08x %s\n" % (zlib.crc32(payload), payload)


def test_spooled_events_failing_validation_on_the_way_out_are_dead_lettered(
    tmp_path: Path,
) -> None:
    """A record spooled as received by a version that vouched for it (forged here: one event
    the current schema refuses) is validated again by the drainer: the refused event goes to
    the dead-letter file with its reason, never to the sink; the valid one is delivered."""
    body = orjson.dumps(
        {
            "events": [
                make_event("order.placed", event_id="still-valid"),
                make_event("product.viewed", event_id="now-invalid", data={"price": 1.0}),
            ]
        }
    )
    segments = tmp_path / "spool/segments"
    segments.mkdir(parents=True)
    record = spool_record("00000000-0000-4000-8000-000000000000", body, verbatim=True)
    (segments / "00000000000000000001-999999-abcdef.seg").write_bytes(record)
    with live_server(make_settings(tmp_path)) as url, httpx.Client(base_url=url) as client:
        assert client.post("/flush").status_code == 200
        poll_until(  # the drainer publishes its metrics every second
            lambda: (
                metric_value(
                    client.get("/metrics").text, 'bt_events_dead_lettered_total{sink="file"}'
                )
                == 1
            ),
            what="the dead-lettered event counted",
        )
    assert set(output_id_counts(tmp_path / "out")) == {"still-valid"}
    dead = [
        orjson.loads(line)
        for line in (tmp_path / "spool/dead_letter/file.jsonl").read_bytes().splitlines()
    ]
    assert [d["event"]["event_id"] for d in dead] == ["now-invalid"]
    assert "failed validation" in dead[0]["reason"] and "data.product_id" in dead[0]["reason"]


def test_restart_skips_torn_and_corrupt_records_of_a_dead_writer(tmp_path: Path) -> None:
    segments = tmp_path / "spool/segments"
    segments.mkdir(parents=True)
    good = [
        make_event("order.placed", event_id=f"left-{i}", event_time="2025-01-15T10:00:00Z")
        for i in range(3)
    ]
    corrupt = bytearray(_record(make_event("order.placed", event_id="bitrot")))
    corrupt[20] ^= 0x01
    torn = _record(make_event("order.placed", event_id="torn"))[:-15]
    (segments / "00000000000000000001-999999-abcdef.seg").write_bytes(
        _record(good[0]) + bytes(corrupt) + _record(good[1]) + _record(good[2]) + torn
    )
    with live_server(make_settings(tmp_path)) as url, httpx.Client(base_url=url) as client:
        assert client.post("/flush").status_code == 200
        counts = output_id_counts(tmp_path / "out")
        assert set(counts) == {"left-0", "left-1", "left-2"}
        poll_until(
            lambda: "bt_spool_records_skipped_total 2.0" in client.get("/metrics").text,
            what="skipped records counted",
        )
        poll_until(lambda: not list(segments.glob("0000*.seg")), what="drained segment removed")


def test_full_spool_answers_503_with_retry_after_and_keeps_acknowledged(tmp_path: Path) -> None:
    blocker = break_file_sink(tmp_path / "out")
    settings = make_settings(tmp_path, spool_max_bytes=64 * 1024)
    acked: list[str] = []
    with live_server(settings) as url, httpx.Client(base_url=url) as client:

        def refused() -> bool:
            ids = [f"cap-{len(acked)}-{i}" for i in range(20)]
            body = {"events": [make_event("order.placed", event_id=i) for i in ids]}
            response = client.post("/events/batch", json=body)
            if response.status_code == 202:
                acked.extend(ids)
                return False
            assert response.status_code == 503
            assert response.headers["retry-after"] == "5"
            return True

        poll_until(refused, what="503 once the spool is full")
        blocker.unlink()
        poll_until(
            lambda: all(output_id_counts(tmp_path / "out")[i] == 1 for i in acked),
            what="acknowledged events delivered",
        )


async def test_concurrent_requests_share_fsyncs(tmp_path: Path) -> None:
    with live_server(make_settings(tmp_path)) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            responses = await asyncio.gather(
                *(client.post("/events", json=make_event()) for _ in range(64))
            )
            assert all(r.status_code == 202 for r in responses)
            metrics = (await client.get("/metrics")).text
    commits = next(
        float(line.split()[-1])
        for line in metrics.splitlines()
        if line.startswith("bt_spool_commit_seconds_count")
    )
    assert 1 <= commits < 64


def test_dedup_window_survives_segment_collection_and_restart(tmp_path: Path) -> None:
    """A client retrying old event ids after their segment was deleted and the service restarted
    is still deduplicated: the ids of collected segments persist in `delivered_ids.jsonl`."""
    settings = make_settings(tmp_path, spool_segment_bytes=4096)  # one batch fills a segment
    segments = tmp_path / "spool/segments"
    with live_server(settings) as url, httpx.Client(base_url=url) as client:
        first = {p.name for p in segments.glob("*.seg")}  # the batch below fills and seals it
        ids = send_orders(client, "retried", 40)
        assert client.post("/flush").status_code == 200
        poll_until(
            lambda: not first & {p.name for p in segments.glob("*.seg")},
            what="the delivered, sealed segment collected",
        )
    assert set(DeliveredIds(tmp_path / "spool/delivered_ids.jsonl", 1000).load()) >= set(ids)
    with live_server(settings) as url, httpx.Client(base_url=url) as client:
        assert send_orders(client, "retried", 40) == ids  # the client's retry, after a restart
        assert client.post("/flush").status_code == 200
        poll_until(
            lambda: (
                metric_value(
                    client.get("/metrics").text, 'bt_events_deduplicated_total{sink="file"}'
                )
                == 40
            ),
            what="the retried ids counted as duplicates",
        )
    counts = output_id_counts(tmp_path / "out")
    assert set(counts) == set(ids) and max(counts.values()) == 1


def test_delivered_ids_keep_the_last_window_across_compaction(tmp_path: Path) -> None:
    log = DeliveredIds(tmp_path / "delivered_ids.jsonl", window=3)
    for n in range(200):  # far past the compaction threshold
        log.append([f"id-{n}-a", f"id-{n}-b"])
    with open(log.path, "ab") as handle:
        handle.write(b'["torn-by-a-cr')  # a crash mid-append leaves half a line
    assert log.load() == ["id-198-b", "id-199-a", "id-199-b"]
    assert log.path.stat().st_size < 2 * 3 * 40 + 200  # rewritten, not grown without bound
    assert DeliveredIds(log.path, window=0).load() == []


def test_dedup_window_forgets_the_oldest_ids_first(tmp_path: Path) -> None:
    """A window of 40 ids: after 40 newer ones the first 40 are forgotten (delivered again when
    re-sent), while the 40 most recent are still deduplicated."""
    with (
        live_server(make_settings(tmp_path, dedup_window=40)) as url,
        httpx.Client(base_url=url) as client,
    ):
        oldest = send_orders(client, "oldest", 40)
        assert client.post("/flush").status_code == 200
        newest = send_orders(client, "newest", 40)
        assert client.post("/flush").status_code == 200
        assert send_orders(client, "newest", 40) == newest  # remembered: dropped
        assert client.post("/flush").status_code == 200
        assert send_orders(client, "oldest", 40) == oldest  # forgotten: delivered again
        assert client.post("/flush").status_code == 200
        poll_until(lambda: delivered_twice(tmp_path / "out", oldest), what="oldest re-delivered")
        duplicates = 'bt_events_deduplicated_total{sink="file"}'
        poll_until(
            lambda: metric_value(client.get("/metrics").text, duplicates) == 40,
            what="the newest ids counted as duplicates",
        )
    counts = output_id_counts(tmp_path / "out")
    assert {counts[i] for i in oldest} == {2} and {counts[i] for i in newest} == {1}


def delivered_twice(out_dir: Path, ids: list[str]) -> bool:
    counts = output_id_counts(out_dir)
    return all(counts[i] == 2 for i in ids)


class SlowSink(FileSink):
    """A healthy file sink that takes its time: delivery slower than ingestion."""

    async def write(self, batch: Sequence[Envelope]) -> None:
        await asyncio.sleep(0.05)
        await super().write(batch)


def test_flow_control_keeps_the_backlog_near_the_high_water_mark(tmp_path: Path) -> None:
    """Clients outpacing a healthy but slow sink are held back before their bodies are read:
    the undelivered backlog stays near `FABRIC_SPOOL_HIGH_WATER_BYTES` (without flow control
    it reaches most of what is sent), every request is acknowledged, everything delivered."""
    high_water = 64 * 1024
    settings = make_settings(tmp_path, spool_high_water_bytes=high_water, batch_size=100)
    sink = SlowSink(tmp_path / "out")
    peak = 0
    sending = threading.Event()

    def watch() -> None:
        nonlocal peak
        while sending.is_set():
            peak = max(peak, pending_bytes(tmp_path / "spool", ["file"]))
            time.sleep(0.005)

    async def client(url: str, n: int) -> list[str]:
        ids: list[str] = []
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            for seq in range(10):
                batch = [f"fc{n}-{seq}-{i}" for i in range(100)]
                body = {"events": [make_event("order.placed", event_id=i) for i in batch]}
                response = await http.post("/events/batch", json=body)
                assert response.status_code == 202, response.text
                ids += batch
        return ids

    async def load(url: str) -> list[str]:
        return [i for ids in await asyncio.gather(*(client(url, n) for n in range(4))) for i in ids]

    with live_server(settings, create_app(settings, sink)) as url:
        sending.set()
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            ids = asyncio.run(load(url))
        finally:
            sending.clear()
            watcher.join(timeout=10)
        assert httpx.post(f"{url}/flush", timeout=30).status_code == 200
    sent_bytes = len(ids) * 300  # a stored order.placed event is about this size
    assert peak < high_water + 4 * 40 * 1024 < sent_bytes / 2, (peak, sent_bytes)
    counts = output_id_counts(tmp_path / "out")
    assert set(counts) == set(ids) and max(counts.values()) == 1
