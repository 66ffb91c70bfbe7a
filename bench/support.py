"""Measuring helpers shared by the benchmarks: timing loops, percentiles, a service process,
internal tokens for it, and the raw-SQL baseline an analytics endpoint is compared with."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import httpx
from duckdb_engine import Dialect
from pydantic import BaseModel
from sqlalchemy import Engine, Select

from devtools.postgres import ThrowawayPostgres
from shared.core.config import Settings, build_settings
from shared.core.internal_tokens import mint_internal_token
from shared.core.warehouse import WarehouseClient
from shared.db.guard import assert_read_only
from tests.support.live_server import ServiceProcess, spawn_service

WARMUP = 5
REPO = Path(__file__).resolve().parents[1]
_RECEIVER_SCRIPT = """
import sys
from tests.support.otlp_receiver import OtlpReceiver
with OtlpReceiver() as receiver:
    print(receiver.endpoint, flush=True)
    sys.stdin.read()
"""


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


_OPEN: dict[Path, duckdb.DuckDBPyConnection] = {}


def _warehouse_connection(path: Path) -> duckdb.DuckDBPyConnection:
    """One read-only connection per warehouse file for the whole benchmark, kept open as the
    service's pooled one is (and shared by every endpoint's baseline, not one left per call)."""
    if path not in _OPEN:
        _OPEN[path] = duckdb.connect(str(path), read_only=True, config={"threads": 2})
    return _OPEN[path]


def close_warehouse_connections() -> None:
    """Close the baselines' connections before their warehouse's folder is removed."""
    for connection in _OPEN.values():
        connection.close()
    _OPEN.clear()


Analytic = Callable[[WarehouseClient], Awaitable[BaseModel]]
"""An analytic as a route awaits it, given the warehouse client."""


@contextlib.contextmanager
def in_process_analytics(
    folder: Path, demo_file: str, create_engine: Callable[[Settings], Engine]
) -> Iterator[Callable[[Analytic], Callable[[], None]]]:
    """Yields a maker of timed calls that run an analytic in this process as its route does
    (the service's warehouse client, then the response JSON; no HTTP, token or audit), all on
    one event loop kept for the whole run (and so its worker threads, as in the service).

    The client reads a copy of `folder/demo_file`: within one process DuckDB refuses a second
    connection to a file with another configuration, and the raw-SQL baseline's is open.
    """
    copy = folder / "in-process"
    copy.mkdir()
    shutil.copyfile(folder / demo_file, copy / demo_file)
    engine = create_engine(build_settings(_env_file=None, demo_warehouse_dir=copy))
    warehouse = WarehouseClient(engine, name=demo_file)
    loop = asyncio.new_event_loop()

    def call(analytic: Analytic) -> Callable[[], None]:
        async def once() -> None:
            (await analytic(warehouse)).model_dump_json()

        return lambda: loop.run_until_complete(once())

    try:
        yield call
    finally:
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()
        warehouse.dispose()


@contextlib.contextmanager
def service_under_bench(
    module: str,
    folder: Path,
    secret: str,
    demo_file: str,
    create_engine: Callable[[Settings], Engine],
) -> Iterator[tuple[str, Callable[[Analytic], Callable[[], None]]]]:
    """An analytics service on `folder` (`analytics_service`) and the in-process runner of its
    analytics (`in_process_analytics`); the raw-SQL baselines' connections are closed after."""
    with (
        analytics_service(module, folder, secret) as url,
        in_process_analytics(folder, demo_file, create_engine) as in_process,
    ):
        try:
            yield url, in_process
        finally:
            close_warehouse_connections()


def raw_sql(path: Path, statements: Sequence[Select[Any]]) -> Callable[[], None]:
    """One run of `statements` compiled for DuckDB (literal parameters, checked by the read-only
    guard) and fetched by the DuckDB driver straight from the warehouse file: what the
    endpoint's queries cost without HTTP, token, audit or Python around them."""
    dialect = Dialect()
    sql = []
    for statement in statements:
        text = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        assert_read_only(text, "duckdb")
        sql.append(text)
    con = _warehouse_connection(path)

    def run() -> None:
        for text in sql:
            con.execute(text).fetchall()

    return run


def alternating(
    calls: Sequence[Callable[[], Any]], count: int, *, rounds: int = 10, warmup: int = WARMUP
) -> list[list[float]]:
    """Milliseconds of `count` calls of each of `calls`, measured in `rounds` alternating rounds
    (a few of the first, a few of the second, ...) so that all of them see the same background
    load: on a shared machine the load drifts within seconds, and two series timed one after
    the other would compare two different machines."""
    for call in calls:
        for _ in range(warmup):
            call()
    times: list[list[float]] = [[] for _ in calls]
    per_round = max(1, count // rounds)
    for _ in range(rounds):
        for call, series in zip(calls, times, strict=True):
            series += timed(call, per_round, warmup=0)
    return times


class FreshToken(httpx.Auth):
    """A new internal token for `audience` per request: tokens live at most 60 s, a benchmark
    run lasts longer."""

    def __init__(self, audience: str, secret: str) -> None:
        self.audience = audience
        self.settings = build_settings(_env_file=None, internal_service_shared_secret=secret)

    def auth_flow(self, request: httpx.Request) -> Any:
        token = mint_internal_token(self.settings, audience=self.audience, subject="bench",
                                    scopes=["bi.read"])  # fmt: skip
        request.headers["Authorization"] = f"Bearer {token}"
        yield request


def start_service(module: str, env: Mapping[str, str]) -> ServiceProcess:
    """`uvicorn <module>:app` as a real process on a free port, returned once /ready answers."""
    service = spawn_service(module, env)
    return service.wait_ready("/ready", timeout=120)


@contextlib.contextmanager
def analytics_service(module: str, warehouse_dir: Path, secret: str) -> Iterator[str]:
    """An analytics service on `warehouse_dir` and a write store (POSTGRES_URL, or a throwaway
    cluster), jobs off and traces sent nowhere; yields the service URL."""
    with contextlib.ExitStack() as stack:
        postgres_url = os.environ.get("POSTGRES_URL")
        if not postgres_url:
            postgres = ThrowawayPostgres()
            stack.callback(postgres.destroy)
            postgres_url = postgres.start()
        env = {
            "POSTGRES_URL": postgres_url,
            "DEMO_WAREHOUSE_DIR": str(warehouse_dir),
            "INTERNAL_SERVICE_SHARED_SECRET": secret,
            "JOBS_ENABLED": "false",
            "LOG_LEVEL": "WARNING",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9",
        }
        service = start_service(module, env)
        stack.callback(service.stop)
        yield service.url


@contextlib.contextmanager
def otlp_receiver_process() -> Iterator[str]:
    """An OTLP/HTTP trace receiver in a process of its own, as a collector is; yields its
    endpoint. Decoding spans in the benchmark's own process would take the interpreter lock from
    the client whose timings are being taken. It runs until its stdin closes."""
    path = os.pathsep.join([str(REPO / "backend"), str(REPO)])
    env = {**os.environ, "PYTHONPATH": path}
    with subprocess.Popen(
        [sys.executable, "-c", _RECEIVER_SCRIPT],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True,
    ) as process:  # fmt: skip
        assert process.stdin is not None and process.stdout is not None
        try:
            yield process.stdout.readline().strip()
        finally:
            process.stdin.close()
            process.wait(timeout=10)
