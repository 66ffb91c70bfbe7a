"""Load generation of the ingestion benchmark: keep-alive raw-HTTP clients that send the same
batch back to back (as little CPU as possible on the load side), and what one window measured."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

CONCURRENCY = 16
BATCH = 100


def raw_request(body: bytes) -> bytes:
    return (
        b"POST /events/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )


@dataclass
class Tally:
    """Answers seen so far (live: a sampler may read it while the load runs)."""

    status: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    counting: bool = False
    accepted_batches: int = 0  # every 202, warm-up included


async def connection(port: int, request: bytes, stop_at: float, tally: Tally) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while True:
            started = time.perf_counter()
            if started >= stop_at:
                return
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            code = int(head[9:12])
            tally.accepted_batches += code == 202
            if tally.counting:
                tally.latencies.append(time.perf_counter() - started)
                tally.status[code] += 1
    finally:
        writer.close()


async def run_load(port: int, body: bytes, warmup: float, measure: float, tally: Tally) -> None:
    """`CONCURRENCY` clients for `warmup + measure` seconds; `tally` counts after the warm-up."""
    request = raw_request(body)
    stop_at = time.perf_counter() + warmup + measure

    async def start_counting() -> None:
        await asyncio.sleep(warmup)
        tally.counting = True

    await asyncio.gather(
        start_counting(), *(connection(port, request, stop_at, tally) for _ in range(CONCURRENCY))
    )


def p99_ms(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[int(len(ordered) * 0.99) - 1] * 1000 if ordered else float("nan")


@dataclass
class Endpoint:
    """One server under test and what its windows measured."""

    label: str
    port: int
    rates: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    status: Counter[int] = field(default_factory=Counter)

    def measure(self, body: bytes, warmup: float, seconds: float) -> None:
        tally = Tally()
        asyncio.run(run_load(self.port, body, warmup, seconds, tally))
        self.rates.append(tally.status[202] * BATCH / seconds)
        self.latencies += tally.latencies
        self.status.update(tally.status)

    @property
    def rate(self) -> float:
        return statistics.fmean(self.rates)
