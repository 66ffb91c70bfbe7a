"""Crash safety of the real service process: kill -9 under load, restart, nothing lost or doubled.

uvicorn runs as a separate process group (one worker, then `--workers 2`); concurrent clients send
batches with their own event ids; the group is SIGKILLed while requests are in flight; a new
process starts on the same spool. Every event that got a 202 must then be in the file sink output
exactly once, and no event may be there twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
import pytest
from bt_testkit import make_event, output_id_counts, poll_until

SERVICE_DIR = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServiceProcess:
    """`uvicorn main:app` from the service folder, configured only through FABRIC_* variables."""

    def __init__(self, tmp: Path, workers: int) -> None:
        self.tmp = tmp
        self.workers = workers
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "FABRIC_SINK_TYPE": "file",
            "FABRIC_OUTPUT_DIR": str(self.tmp / "out"),
            "FABRIC_SPOOL_DIR": str(self.tmp / "spool"),
            "FABRIC_BATCH_SIZE": "200",
            "FABRIC_FLUSH_INTERVAL": "0.2",
            "FABRIC_RETRY_MAX_BACKOFF_SECONDS": "0.5",
            "FABRIC_ENVIRONMENT": "crash-test",
        }
        env.pop("FABRIC_API_KEY", None)
        log = open(self.tmp / f"uvicorn-{time.monotonic_ns()}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                "--log-level",
                "warning",
            ],
            cwd=SERVICE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

        def ready() -> bool:
            assert self.proc is not None and self.proc.poll() is None, "service exited"
            return httpx.get(f"{self.url}/ready", timeout=2).status_code == 200

        poll_until(ready, timeout=60, what="service ready")

    def kill9(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)


async def _load(url: str, acked: set[str], kill_after: int, on_threshold: asyncio.Event) -> int:
    """16 clients send 50-event batches until the service dies; returns batches attempted."""
    attempted = 0

    async def client(n: int) -> None:
        nonlocal attempted
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            for seq in range(400):  # bounded even if the kill never lands
                ids = [f"c{n}-b{seq}-e{i}" for i in range(50)]
                body = {"events": [make_event("order.placed", event_id=i) for i in ids]}
                attempted += 1
                try:
                    response = await http.post("/events/batch", json=body)
                except httpx.HTTPError:
                    return
                if response.status_code == 202:
                    acked.update(ids)
                    if len(acked) >= kill_after:
                        on_threshold.set()

    await asyncio.gather(*(client(n) for n in range(16)))
    return attempted


@pytest.mark.timeout(240)
@pytest.mark.parametrize("workers", [1, 2])
def test_kill9_mid_load_loses_and_duplicates_nothing(tmp_path: Path, workers: int) -> None:
    service = ServiceProcess(tmp_path, workers)
    service.start()
    acked: set[str] = set()
    try:

        async def run() -> None:
            threshold = asyncio.Event()
            load = asyncio.create_task(_load(service.url, acked, 3000, threshold))
            async with asyncio.timeout(120):
                await threshold.wait()
            service.kill9()  # requests are in flight right now
            await load

        asyncio.run(run())
        assert len(acked) >= 3000
        service = ServiceProcess(tmp_path, workers)
        service.start()
        assert httpx.post(f"{service.url}/flush", timeout=60).status_code == 200

        def delivered() -> bool:
            counts = output_id_counts(tmp_path / "out")
            missing = [i for i in acked if counts[i] != 1]
            assert not missing or len(missing) < len(acked), "nothing delivered"
            return not missing

        poll_until(delivered, timeout=60, what="every acknowledged event in the output")
        counts = output_id_counts(tmp_path / "out")
        assert max(counts.values()) == 1, [i for i, c in counts.items() if c > 1][:5]
        assert set(counts) >= acked
    finally:
        service.stop()


def _running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status  # a zombie has exited; reaping is its new parent's job


@pytest.mark.timeout(120)
def test_drainer_child_leaves_with_its_worker_even_on_kill9(tmp_path: Path) -> None:
    service = ServiceProcess(tmp_path, 1)
    service.start()
    try:
        assert service.proc is not None
        status = tmp_path / "spool" / "status.json"
        leader = poll_until(lambda: orjson.loads(status.read_bytes())["leader_pid"], what="leader")
        assert leader != service.proc.pid and _running(leader)
        os.kill(service.proc.pid, signal.SIGKILL)  # the worker only, not its process group
        service.proc.wait(timeout=30)
        poll_until(lambda: not _running(leader), timeout=30, what="drainer child exit")
    finally:
        with contextlib.suppress(ProcessLookupError):
            service.stop()
