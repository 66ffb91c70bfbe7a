"""Crash safety of the real service process: kill -9 under load, nothing lost or doubled.

uvicorn runs as a separate process group (one worker, then `--workers 2`); concurrent clients send
batches with their own event ids and something is SIGKILLed while requests are in flight: the
whole group (then a new process starts on the same spool), or one worker of two (the survivor's
drainer claims the dead worker's segment). Every event that got a 202 must then be in the file
sink output exactly once, and no event may be there twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from bt_testkit import (
    ServiceProcess,
    leader_pid,
    make_event,
    output_id_counts,
    parent_pid,
    poll_until,
    running,
)


async def _load(
    url: str, acked: set[str], *, kill_at: int, kill: Callable[[], None], stop_at: int = 0
) -> None:
    """16 clients send 50-event batches; `kill()` runs once `kill_at` events are acknowledged,
    with requests in flight. Clients stop at `stop_at` acknowledged events, or, when it is 0, at
    their first failed request (the service is gone).
    """
    killed = False

    async def client(n: int) -> None:
        nonlocal killed
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            for seq in range(400):  # bounded even if the kill never lands
                if stop_at and len(acked) >= stop_at:
                    return
                ids = [f"c{n}-b{seq}-e{i}" for i in range(50)]
                body = {"events": [make_event("order.placed", event_id=i) for i in ids]}
                try:
                    response = await http.post("/events/batch", json=body)
                except httpx.HTTPError:
                    if not stop_at:
                        return
                    continue  # a connection to the killed worker: not acknowledged
                if response.status_code == 202:
                    acked.update(ids)
                if len(acked) >= kill_at and not killed:
                    killed = True
                    kill()

    await asyncio.gather(*(client(n) for n in range(16)))
    assert killed, "the load ended before the kill"


def _assert_each_delivered_once(out: Path, acked: set[str]) -> None:
    def delivered() -> bool:
        counts = output_id_counts(out)
        missing = [i for i in acked if counts[i] != 1]
        assert not missing or len(missing) < len(acked), "nothing delivered"
        return not missing

    poll_until(delivered, timeout=60, what="every acknowledged event in the output")
    counts = output_id_counts(out)
    assert max(counts.values()) == 1, [i for i, c in counts.items() if c > 1][:5]
    assert set(counts) >= acked


@pytest.mark.timeout(240)
@pytest.mark.parametrize("workers", [1, 2])
def test_kill9_mid_load_loses_and_duplicates_nothing(tmp_path: Path, workers: int) -> None:
    service = ServiceProcess(tmp_path, workers)
    service.start()
    acked: set[str] = set()
    try:
        asyncio.run(_load(service.url, acked, kill_at=3000, kill=service.kill9))
        assert len(acked) >= 3000
        service = ServiceProcess(tmp_path, workers)
        service.start()
        assert httpx.post(f"{service.url}/flush", timeout=60).status_code == 200
        _assert_each_delivered_once(tmp_path / "out", acked)
    finally:
        service.stop()


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


@pytest.mark.timeout(60)
def test_kill9_of_one_worker_of_two_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    """Started from another folder than the service's (`--app-dir`, the default relative spool
    folder, a relative output folder), as a container or a unit starts it."""
    started = time.monotonic()
    service = ServiceProcess(tmp_path, 2, cwd=tmp_path / "elsewhere")
    service.start()
    spool = service.spool
    try:
        assert service.proc is not None
        leader = poll_until(lambda: leader_pid(spool), what="a drainer leader")
        workers = _children(service.proc.pid)
        leader_worker = parent_pid(leader)
        assert leader_worker in workers
        acked: set[str] = set()
        left_behind: list[int] = []
        victims: list[int] = []

        def spooled(worker: int) -> int:
            return sum(p.stat().st_size for p in (spool / "segments").glob(f"*-{worker}-*.seg"))

        def kill_victim() -> None:
            # The kernel spreads connections over the workers unevenly: kill the one holding the
            # most undelivered events (the leader's worker on a tie, so leadership moves too).
            sizes = {worker: spooled(worker) for worker in workers}
            victim = max(workers, key=lambda w: (sizes[w], w == leader_worker))
            left_behind.append(sizes[victim])  # measured before it can go
            victims.append(victim)
            os.kill(victim, signal.SIGKILL)

        asyncio.run(_load(service.url, acked, kill_at=1500, kill=kill_victim, stop_at=4000))
        (victim,) = victims
        assert len(acked) >= 4000 and service.proc.poll() is None  # the master lives on
        assert not running(victim) and left_behind[0] > 0  # it had spooled events
        assert httpx.post(f"{service.url}/flush", timeout=30).status_code == 200
        _assert_each_delivered_once(service.out, acked)
        if victim == leader_worker:  # its drainer led: another worker's drainer takes over
            poll_until(  # the dead worker's drainer leaves on stdin's end
                lambda: leader_pid(spool) not in (0, leader),
                timeout=20,
                what="another worker's drainer leading",
            )
        poll_until(  # drained by another worker's drainer, then collected
            lambda: not list((spool / "segments").glob(f"*-{victim}-*.seg")),
            timeout=20,
            what="the dead worker's segments claimed and removed",
        )
    finally:
        service.stop()
    assert time.monotonic() - started < 60


@pytest.mark.timeout(120)
def test_drainer_child_leaves_with_its_worker_even_on_kill9(tmp_path: Path) -> None:
    service = ServiceProcess(tmp_path, 1)
    service.start()
    try:
        assert service.proc is not None
        leader = poll_until(lambda: leader_pid(tmp_path / "spool"), what="leader")
        assert leader != service.proc.pid and running(leader)
        os.kill(service.proc.pid, signal.SIGKILL)  # the worker only, not its process group
        service.proc.wait(timeout=30)
        poll_until(lambda: not running(leader), timeout=30, what="drainer child exit")
    finally:
        with contextlib.suppress(ProcessLookupError):
            service.stop()
