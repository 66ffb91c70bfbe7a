"""The spool writer's group commit, on a real segment file: what is acknowledged is on disk once,
concurrent requests share commits, a failed write is never acknowledged, close() waits.

The failing write is a real one: the writer's descriptor is pointed at `/dev/full`, which the
kernel answers with ENOSPC, as a full disk would.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from business_telemetry.service.spool.segments import encode_record, read_records
from business_telemetry.service.spool.writer import SpoolUnavailableError, SpoolWriter


def _writer(tmp_path: Path) -> tuple[SpoolWriter, list[int]]:
    writer = SpoolWriter(tmp_path, segment_bytes=1 << 20, max_bytes=1 << 30)
    writer.open()
    commits: list[int] = []
    writer.on_commit = lambda _seconds, requests: commits.append(requests)
    return writer, commits


def _records(writer: SpoolWriter) -> list[bytes]:
    assert writer.segment_path is not None
    return read_records(writer.segment_path, 0, limit=10_000, sealed=False).records


async def test_concurrent_appends_share_commits_and_land_once(tmp_path: Path) -> None:
    writer, commits = _writer(tmp_path)
    payloads = [encode_record(b'{"n":%d}' % n) for n in range(50)]
    await asyncio.gather(*(writer.append(payload) for payload in payloads))
    records = _records(writer)
    await writer.close()
    assert sorted(records) == sorted(p.split(b" ", 1)[1].rstrip(b"\n") for p in payloads)
    assert sum(commits) == 50 and len(commits) < 50  # group commit: fewer fsyncs than requests


async def test_a_failed_write_is_not_acknowledged_and_the_next_one_succeeds(
    tmp_path: Path,
) -> None:
    writer, _ = _writer(tmp_path)
    await writer.append(encode_record(b'{"n":"before"}'))
    segment_fd = writer._fd
    writer._fd = os.open("/dev/full", os.O_WRONLY)  # every write: ENOSPC
    try:
        results = await asyncio.gather(
            *(writer.append(encode_record(b'{"n":%d}' % n)) for n in range(5)),
            return_exceptions=True,
        )
        assert results and all(isinstance(r, SpoolUnavailableError) for r in results)
        assert "No space left on device" in str(results[0])
        assert writer.writable() is not None and "spool write failed" in str(writer.writable())
    finally:
        os.close(writer._fd)
        writer._fd = segment_fd
    await writer.append(encode_record(b'{"n":"after"}'))
    assert writer.writable() is None
    assert _records(writer) == [b'{"n":"before"}', b'{"n":"after"}']  # nothing of the failed
    await writer.close()


async def test_close_waits_for_commits_in_flight(tmp_path: Path) -> None:
    writer, commits = _writer(tmp_path)
    appends = [
        asyncio.create_task(writer.append(encode_record(b'{"n":%d}' % n))) for n in range(20)
    ]
    await asyncio.sleep(0)  # every append queued, the first commit under way
    await writer.close()
    assert all(task.done() and task.exception() is None for task in appends)
    assert sum(commits) == 20
    with pytest.raises(SpoolUnavailableError, match="closed"):
        await writer.append(encode_record(b"{}"))
