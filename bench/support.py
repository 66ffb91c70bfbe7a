"""Measuring helpers shared by the benchmarks: timing loops, percentiles, a service process."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from tests.support.live_server import ServiceProcess, spawn_service

WARMUP = 5


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (`share` in 0..1) of `values`."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def timed(call: Callable[[], Any], count: int, *, warmup: int = WARMUP) -> list[float]:
    """Milliseconds of `count` sequential calls, after `warmup` untimed ones."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def start_service(module: str, env: Mapping[str, str]) -> ServiceProcess:
    """`uvicorn <module>:app` as a real process on a free port, returned once /ready answers."""
    service = spawn_service(module, env)
    return service.wait_ready("/ready", timeout=120)
