"""Ingestion benchmark: `/events/batch` of the real service beside a bare Starlette + orjson parse.

All servers run as their own uvicorn process (one worker) in the same run, on 127.0.0.1, under
the same load: 16 keep-alive connections sending 100-event batches back to back. The service
runs as in production, started from a folder of its own with relative path settings: validation,
durable spool (group-committed fdatasync), drainer and file sink. Two figures:

- **sustained end-to-end**: one continuous window of `SUSTAINED_SECONDS` on the service with its
  drainer running: events acknowledged *and* present in the file sink within the window, per
  second, and the spool depth (acknowledged, not yet delivered) sampled through it. This is the
  rate a user can rely on.
- **burst acknowledgements**: short windows alternating with the baselines (the machine's speed
  drifts within minutes, so only windows seconds apart compare), the drainer stopped outside
  the service's own windows; the backlog left is drained after and timed.

Both are compared with the bare endpoint's events/s of the same run; the pydantic-only reference
(`bench.ingest_validate_only`) is printed for context.
`uv run --frozen python -m bench.bench_ingest` (three to four minutes).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.ingest_load import BATCH, CONCURRENCY, Endpoint, Tally, p99_ms, run_load

REPO = Path(__file__).resolve().parents[1]
SERVICE_DIR = REPO / "business-telemetry"
ROUNDS = 5
WINDOW_WARMUP = 1.0
WINDOW_SECONDS = 3.0
SUSTAINED_WARMUP = 3.0
SUSTAINED_SECONDS = 30.0
SAMPLE_EVERY = 5.0
TARGET_SUSTAINED = 0.15  # of the bare endpoint's events/s


async def _bare_batch(request: Request) -> Response:
    """The baseline: read the body, parse it with orjson, answer; nothing else."""
    events = orjson.loads(await request.body())["events"]
    return Response(orjson.dumps({"events_accepted": len(events)}), 202)


bare_app = Starlette(routes=[Route("/events/batch", _bare_batch, methods=["POST"])])


def _body() -> bytes:
    events = [
        {
            "event_type": "product.viewed",
            "event_source": "store-front",
            "session_id": f"sess-{i % 7}",
            "user_id": f"user-{i % 13}",
            "data": {
                "product_id": f"prod-{i}",
                "product_name": "Premium Widget",
                "category": "electronics",
                "price": 99.99,
            },
        }
        for i in range(BATCH)
    ]
    return orjson.dumps({"events": events})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(
    app: str, cwd: Path, env: dict[str, str], app_dir: Path | None = None
) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--log-level", "warning", "--no-access-log"]
    if app_dir is not None:
        command += ["--app-dir", str(app_dir)]
    proc = subprocess.Popen(command, cwd=cwd, env={**os.environ, **env}, process_group=0)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, port
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"{app} exited with {proc.returncode}") from None
            time.sleep(0.05)
    raise RuntimeError(f"{app} did not start")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _pause(pids: list[int], paused: bool) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGSTOP if paused else signal.SIGCONT)


def _drain(port: int) -> float | None:
    """Seconds until `/flush` reports every spooled event delivered (it answers 504 after 30 s
    while the drainer is still catching up), or None after three minutes."""
    started = time.monotonic()
    while time.monotonic() - started < 180:
        flush = urllib.request.Request(f"http://127.0.0.1:{port}/flush", method="POST")
        try:
            with urllib.request.urlopen(flush, timeout=60) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except urllib.error.HTTPError as exc:
            if exc.code != 504:
                raise
    return None


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _children(pid: int) -> list[int]:
    """The worker's child processes: its drainer (see `service.delivery.drainer_process`)."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _sink_files(out: Path) -> set[Path]:
    """The file sink's complete files (each is renamed into place whole)."""
    return {p for p in out.rglob("*.jsonl") if not p.name.startswith(".")}


def _lines(files: set[Path]) -> int:
    return sum(p.read_bytes().count(b"\n") for p in files)


@dataclass
class Sample:
    seconds: float  # since the window began
    acknowledged: int  # events, since the load began (the spool was empty then)
    files: set[Path]  # the sink's complete files at that moment
    pending_bytes: int


class Sustained:
    """One continuous window of load on the service with its drainer running, sampled every
    `SAMPLE_EVERY` seconds; sink files are only listed during the load and read after it."""

    def __init__(self, port: int, spool: Path, out: Path) -> None:
        self.port, self.spool, self.out = port, spool, out
        self.tally = Tally()
        self.samples: list[Sample] = []
        self.before = _sink_files(out)
        self._lines: dict[int, int] = {}

    async def _sampler(self) -> None:
        from business_telemetry.service.spool.backlog import (
            pending_bytes,  # the service's own measure of its backlog
        )

        await asyncio.sleep(SUSTAINED_WARMUP)
        started = time.perf_counter()
        for _ in range(round(SUSTAINED_SECONDS / SAMPLE_EVERY) + 1):
            self.samples.append(
                Sample(
                    time.perf_counter() - started,
                    self.tally.accepted_batches * BATCH,
                    _sink_files(self.out),
                    pending_bytes(self.spool, ["file"]),
                )
            )
            await asyncio.sleep(SAMPLE_EVERY - (time.perf_counter() - started) % SAMPLE_EVERY)

    def run(self, body: bytes) -> None:
        async def both() -> None:
            load = run_load(self.port, body, SUSTAINED_WARMUP, SUSTAINED_SECONDS + 1, self.tally)
            await asyncio.gather(load, self._sampler())

        asyncio.run(both())
        baseline = _lines(self.before)
        self._lines = {i: _lines(s.files) - baseline for i, s in enumerate(self.samples)}

    def delivered(self, index: int) -> int:
        """Events in the sink at sample `index` that the window's load sent."""
        return self._lines[index]

    def rates(self) -> tuple[float, float]:
        """Acknowledged and delivered events/s between the first and the last sample."""
        first, last = self.samples[0], self.samples[-1]
        seconds = last.seconds - first.seconds
        acked = (last.acknowledged - first.acknowledged) / seconds
        delivered = (self.delivered(len(self.samples) - 1) - self.delivered(0)) / seconds
        return acked, delivered

    def depths(self) -> list[int]:
        """Events acknowledged but not yet in the sink, at each sample."""
        return [s.acknowledged - self.delivered(i) for i, s in enumerate(self.samples)]

    def bounded(self) -> bool:
        """The backlog did not keep growing: its second half never rose past a quarter above
        the first half's peak (plus one sink batch of slack)."""
        depths = self.depths()
        half = len(depths) // 2
        return max(depths[half:]) <= 1.25 * max(depths[: half + 1]) + 1000


def _service_env(high_water: str | None) -> dict[str, str]:
    env = {
        "FABRIC_SINK_TYPE": "file",
        "FABRIC_OUTPUT_DIR": "out",  # relative, as is the default spool folder: see `main`
        "FABRIC_ENVIRONMENT": "bench",
        # Sink batches of 1000, not the default 100: at this rate the file sink, stand-in for
        # Event Hubs / OneLake (which take large batches and do not share the spool's disk),
        # would otherwise write and fsync ten times as many files on the disk the spool
        # fsyncs, and the figure would measure that contention rather than ingestion.
        "FABRIC_BATCH_SIZE": "1000",
        "FABRIC_FLUSH_INTERVAL": "1",
        "FABRIC_LOG_LEVEL": "WARNING",
        "FABRIC_API_KEY": "",  # auth off: the baseline has none either
        # The burst phase's drainer runs only in the service's windows: room for its backlog.
        "FABRIC_SPOOL_MAX_BYTES": str(8 << 30),
    }
    if high_water is not None:
        env["FABRIC_SPOOL_HIGH_WATER_BYTES"] = high_water
    return env


def _service(folder: Path, high_water: str | None) -> tuple[subprocess.Popen[bytes], int]:
    """The service as a unit or container starts it: from a folder of its own, relative paths."""
    folder.mkdir()
    return _start("main:app", folder, _service_env(high_water), app_dir=SERVICE_DIR)


def _burst(tmp: Path, body: bytes, bare: Endpoint, reference: Endpoint) -> dict[str, object]:
    """Alternating windows; flow control off (`FABRIC_SPOOL_HIGH_WATER_BYTES=0`) so the spool
    absorbs the whole burst: the acknowledgement path's own rate. Then the backlog is drained."""
    service, port = _service(tmp / "burst", "0")
    drainers = _children(service.pid)
    served = Endpoint("service: burst acknowledgements", port)
    try:
        for _ in range(ROUNDS):
            _pause(drainers, paused=True)
            bare.measure(body, WINDOW_WARMUP, WINDOW_SECONDS)
            reference.measure(body, WINDOW_WARMUP, WINDOW_SECONDS)
            _pause(drainers, paused=False)
            served.measure(body, WINDOW_WARMUP, WINDOW_SECONDS)
        rss = _peak_rss_mb(service.pid)
        drained_in = _drain(port)
    finally:
        _pause(drainers, paused=False)
        _stop(service)
    backlog = _lines(_sink_files(tmp / "burst" / "out"))
    return {"endpoint": served, "rss": rss, "drained_in": drained_in, "backlog": backlog}


def _sustained(tmp: Path, body: bytes) -> Sustained:
    service, port = _service(tmp / "sustained", None)
    folder = tmp / "sustained"
    try:
        run = Sustained(port, folder / "business_telemetry_spool", folder / "out")
        run.run(body)
    finally:
        _stop(service)
    return run


def main() -> None:
    sys.path.insert(0, str(SERVICE_DIR))
    body = _body()
    print(
        f"POST /events/batch: {BATCH}-event batches ({len(body)} bytes), {CONCURRENCY} "
        f"connections. Sustained: one {SUSTAINED_SECONDS:.0f} s window (after "
        f"{SUSTAINED_WARMUP:.0f} s of warm-up), drainer and flow control on. Burst: {ROUNDS} "
        f"rounds of one {WINDOW_SECONDS:.0f} s window per endpoint, alternating"
    )
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as name:
        tmp = Path(name)
        procs: list[subprocess.Popen[bytes]] = []
        try:
            bare_proc, bare_port = _start("bench.bench_ingest:bare_app", REPO, {})
            procs.append(bare_proc)
            ref_proc, ref_port = _start("bench.ingest_validate_only:app", REPO, {})
            procs.append(ref_proc)
            bare = Endpoint("bare Starlette + orjson parse", bare_port)
            reference = Endpoint("reference: the parse + pydantic validation", ref_port)
            sustained = _sustained(tmp, body)
            bare.measure(body, WINDOW_WARMUP, WINDOW_SECONDS)  # right after the long window
            burst = _burst(tmp, body, bare, reference)
        finally:
            for proc in procs:
                _stop(proc)
    _print(bare, reference, sustained, burst)


def _print(
    bare: Endpoint, reference: Endpoint, sustained: Sustained, burst: dict[str, object]
) -> None:
    served = burst["endpoint"]
    assert isinstance(served, Endpoint)
    acked, delivered = sustained.rates()
    load1, _, _ = os.getloadavg()
    print(
        f"{'':<46}{'events/s':>11}{'of bare':>9}{'p99 ms':>9}   (load average {load1:.1f} on "
        f"{os.cpu_count()} CPUs: other work skews every row)"
    )

    def row(label: str, rate: float, p99: float, note: str = "") -> None:
        print(f"{label:<46}{rate:>11,.0f}{rate / bare.rate:>9.0%}{p99:>9.1f}   {note}")

    sustained_p99 = p99_ms(sustained.tally.latencies)
    row("SUSTAINED end-to-end (acked and in the sink)", delivered, sustained_p99)
    row("  sustained acknowledgements", acked, sustained_p99, str(dict(sustained.tally.status)))
    for endpoint in (served, bare, reference):
        rounds = ", ".join(f"{rate / 1000:.0f}k" for rate in endpoint.rates)
        row(endpoint.label, endpoint.rate, p99_ms(endpoint.latencies), f"(windows: {rounds})")
    depths = sustained.depths()
    pending = sustained.samples[-1].pending_bytes
    print(
        "spool depth (events acked, not yet in the sink) every "
        f"{SAMPLE_EVERY:.0f} s: {', '.join(f'{d / 1000:.0f}k' for d in depths)}; at the "
        f"window's end {depths[-1]:,} events, {pending / 2**20:.1f} MiB undelivered: "
        f"{'bounded' if sustained.bounded() else 'GROWING'}"
    )
    drained_in, backlog = burst["drained_in"], burst["backlog"]
    if isinstance(drained_in, float) and isinstance(backlog, int):
        print(
            f"burst backlog: {backlog:,} events in the sink, the rest drained "
            f"{drained_in:.1f} s after the load; service peak RSS {burst['rss']:.0f} MB"
        )
    else:
        print("burst backlog NOT drained within three minutes")
    ratio = delivered / bare.rate
    verdict = "met" if ratio >= TARGET_SUSTAINED and sustained.bounded() else "MISSED"
    print(
        f"target: sustained end-to-end >= {TARGET_SUSTAINED:.0%} of bare with a bounded spool: "
        f"{ratio:.1%}, {verdict}"
    )


if __name__ == "__main__":
    main()
