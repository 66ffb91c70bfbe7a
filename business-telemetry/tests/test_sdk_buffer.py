"""The SDK's bounded queue: a failed batch is kept and retried, never lost silently.

The sink is the real file sink; it "fails" the way a full or broken disk does: a plain file sits
where the event type's folder must go, so every write raises OSError until it is removed.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from bt_testkit import output_rows

from business_events import create_order_failed_event
from business_telemetry.sinks.file import FileSink
from telemetry_client import BusinessTelemetryClient


def block(out: Path) -> Path:
    """Make the file sink fail for `order.failed` events until the returned path is removed."""
    out.mkdir(parents=True, exist_ok=True)
    blocker = out / "order_failed"
    blocker.write_text("a file where the sink needs a folder")
    return blocker


def order_rows(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [create_order_failed_event(f"o-{i}").to_dict() for i in range(start, start + count)]


def dead_letters(folder: Path) -> list[dict[str, Any]]:
    path = folder / "file.jsonl"
    return [orjson.loads(line) for line in path.read_bytes().splitlines()] if path.exists() else []


async def wait_for(check: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.01)


async def test_failed_emit_batch_is_kept_and_delivered_once_the_sink_recovers(
    tmp_path: Path,
) -> None:
    sink = FileSink(tmp_path, retry_attempts=0, flush_interval_seconds=0.05)
    client = BusinessTelemetryClient(sink=sink)
    await client.start()
    blocker = block(tmp_path)
    events = [create_order_failed_event(f"o-{i}", error_reason="declined") for i in range(30)]
    assert await client.emit_batch(events) is False
    assert sink.queued == 30
    await asyncio.sleep(0.3)  # several periodic flushes fail meanwhile: nothing is lost
    assert sink.queued == 30 and sink.failures >= 2 and sink.dropped == 0
    blocker.unlink()
    await wait_for(lambda: sink.queued == 0)
    result = await client.stop()
    assert result.success
    ids = Counter(r["event_id"] for r in output_rows(tmp_path))
    assert ids == Counter(e.event_id for e in events)  # each exactly once


async def test_past_the_bound_a_failed_batch_goes_to_the_dead_letter_file(
    tmp_path: Path,
) -> None:
    out, dlq = tmp_path / "out", tmp_path / "dlq"
    sink = FileSink(out, retry_attempts=0, batch_size=5, max_queue_size=10, dead_letter_dir=dlq)
    blocker = block(out)
    rows = order_rows(25)
    result = await sink.send_batch(rows)
    assert not result.success and result.events_sent == 0
    assert (result.events_queued, result.events_dead_lettered) == (10, 15)
    assert "10 of 25" in (result.error_message or "")
    letters = dead_letters(dlq)
    assert [d["event"]["event_id"] for d in letters] == [r["event_id"] for r in rows[10:]]
    assert all("queue full" in d["reason"] and d["sink"] == "file" for d in letters)
    blocker.unlink()
    assert (await sink.flush()).events_sent == 10
    assert sorted(r["event_id"] for r in output_rows(out)) == sorted(
        r["event_id"] for r in rows[:10]
    )


async def test_without_a_dead_letter_file_the_overflow_is_counted(tmp_path: Path) -> None:
    block(tmp_path)
    sink = FileSink(tmp_path, retry_attempts=0, batch_size=5, max_queue_size=10)
    result = await sink.send_batch(order_rows(12))
    assert (result.events_queued, result.events_dropped, sink.dropped) == (10, 2, 2)


async def test_stop_writes_what_it_could_not_deliver_to_the_dead_letter_file(
    tmp_path: Path,
) -> None:
    out, dlq = tmp_path / "out", tmp_path / "dlq"
    sink = FileSink(out, retry_attempts=0, batch_size=100, dead_letter_dir=dlq)
    client = BusinessTelemetryClient(sink=sink)
    await client.start()
    block(out)
    for i in range(3):
        assert await client.emit_order_failed(f"o-{i}")
    result = await client.stop()
    assert not result.success and result.events_dead_lettered == 3 and sink.queued == 0
    assert "3 events not delivered" in (result.error_message or "")
    assert str(dlq / "file.jsonl") in (result.error_message or "")
    letters = dead_letters(dlq)
    assert sorted(d["event"]["order_id"] for d in letters) == ["o-0", "o-1", "o-2"]
    assert all(d["reason"].startswith("not delivered by stop()") for d in letters)


async def test_stop_without_a_dead_letter_file_keeps_and_reports_the_events(
    tmp_path: Path,
) -> None:
    sink = FileSink(tmp_path, retry_attempts=0, batch_size=100)
    blocker = block(tmp_path)
    for row in order_rows(3):
        assert await sink.send(row)
    result = await sink.stop()
    assert not result.success and result.events_queued == 3 == sink.queued
    assert "3 events not delivered" in (result.error_message or "")
    blocker.unlink()
    assert (await sink.stop()).success  # a later attempt delivers them
    assert len(output_rows(tmp_path)) == 3


async def test_poison_events_are_set_aside_and_the_rest_of_the_batch_delivered(
    tmp_path: Path,
) -> None:
    out, dlq = tmp_path / "out", tmp_path / "dlq"
    sink = FileSink(out, dead_letter_dir=dlq)
    rows = order_rows(3)
    poison = {**order_rows(1, start=9)[0], "event_time": "yesterday"}
    result = await sink.send_batch([rows[0], poison, *rows[1:]])
    assert not result.success
    assert (result.events_sent, result.events_dead_lettered) == (3, 1)
    assert [d["event"]["event_id"] for d in dead_letters(dlq)] == [poison["event_id"]]
    # The queued path does not stall on a poison event either.
    assert await sink.send({**poison, "event_id": "poison-2"})
    assert await sink.send(order_rows(1, start=20)[0])
    flushed = await sink.flush()
    assert (flushed.events_sent, flushed.events_dead_lettered, sink.queued) == (1, 1, 0)
    assert len(output_rows(out)) == 4
