"""api-gateway benchmark: a proxied KPI call beside the same call made directly to aw-service.

A generated AdventureWorksDW is built in a temp folder, a throwaway PostgreSQL is started (or
`POSTGRES_URL` used), a JWKS issuer (RSA keys over HTTP) runs in this process and an OTLP
receiver in its own (as a collector would), and aw-service and the gateway (auth on) run as
their own uvicorn processes on 127.0.0.1. At each concurrency three paths are measured in
alternating rounds of the same run: directly (an internal token per request), through a bare
relay for reference (`bench/gateway_bare_proxy.py`: the hop alone, no auth and no tracing) and
through the gateway (RS256 JWT check + internal token minted + pooled aiohttp hop + relay).
Targets: gateway p50 <= 3x direct p50 at concurrency 16, and <= direct p50 + 2 ms at
concurrency 1.
`uv run --frozen python -m bench.bench_gateway`.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for _extra in (REPO / "backend", REPO):
    if str(_extra) not in sys.path:
        sys.path.insert(0, str(_extra))

import aiohttp  # noqa: E402

from bench.support import otlp_receiver_process, percentile  # noqa: E402
from demo.build import build_warehouse  # noqa: E402
from devtools.postgres import ThrowawayPostgres  # noqa: E402
from shared.core.config import build_settings  # noqa: E402
from shared.core.internal_tokens import mint_internal_token  # noqa: E402
from tests.support.live_server import ServiceProcess, spawn_service  # noqa: E402
from tests.support.oidc_issuer import AUDIENCE, SCOPE, OidcIssuer  # noqa: E402

SCALE = float(os.environ.get("BENCH_GATEWAY_SCALE", "0.5"))
REQUESTS = int(os.environ.get("BENCH_GATEWAY_REQUESTS", "400"))
ROUNDS = 20  # short alternating rounds: both paths see the same background load
WARMUP = 30
SECRET = "bench-gateway-" + "s" * 40
PATH = "/api/aw/sales/kpis"
RATIO_TARGET_C16 = 3.0
DELTA_TARGET_C1_MS = 2.0

Call = Callable[[aiohttp.ClientSession], Awaitable[None]]


async def _run(
    session: aiohttp.ClientSession, call: Call, count: int, concurrency: int
) -> list[float]:
    """`count` calls with at most `concurrency` in flight; per-call latency in ms."""
    times: list[float] = []
    semaphore = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with semaphore:
            started = time.perf_counter()
            await call(session)
            times.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(one() for _ in range(count)))
    return times


def _caller(url: str, headers: Callable[[], dict[str, str]]) -> Call:
    async def call(session: aiohttp.ClientSession) -> None:
        async with session.get(url + PATH, headers=headers()) as response:
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"GET {url}{PATH}: HTTP {response.status}")

    return call


async def _measure(direct_url: str, bare_url: str, gateway_url: str, user_token: str) -> None:
    settings = build_settings(_env_file=None, internal_service_shared_secret=SECRET)

    def internal() -> dict[str, str]:
        token = mint_internal_token(settings, audience="aw-service", subject="bench",
                                    scopes=[SCOPE])  # fmt: skip
        return {"Authorization": f"Bearer {token}"}

    direct = _caller(direct_url, internal)
    bare = _caller(bare_url, internal)
    proxied = _caller(gateway_url, lambda: {"Authorization": f"Bearer {user_token}"})
    paths = {"direct": direct, "bare hop": bare, "gateway": proxied}
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector) as session:
        for call in paths.values():
            await _run(session, call, WARMUP, 16)
        print(f"GET {PATH}: {REQUESTS} requests per path and concurrency, in {ROUNDS} "
              "alternating rounds (direct, bare hop, gateway, direct, ...); bare hop = "
              "bench/gateway_bare_proxy.py, a Starlette + pooled aiohttp relay with no auth, "
              "token or tracing")  # fmt: skip
        print(f"{'concurrency':>11} {'path':<8} {'p50 ms':>8} {'p99 ms':>8}  verdict")
        for concurrency in (16, 1):
            results: dict[str, list[float]] = {name: [] for name in paths}
            per_round = max(1, REQUESTS // ROUNDS)
            for _ in range(ROUNDS):
                for name, call in paths.items():
                    results[name] += await _run(session, call, per_round, concurrency)
            d50, g50 = statistics.median(results["direct"]), statistics.median(results["gateway"])
            b50 = statistics.median(results["bare hop"])
            for name in paths:
                values = results[name]
                print(f"{concurrency:>11} {name:<8} {statistics.median(values):8.2f} "
                      f"{percentile(values, 0.99):8.2f}")  # fmt: skip
            if concurrency == 16:
                ok = g50 <= RATIO_TARGET_C16 * d50
                verdict = f"gateway/direct p50 = {g50 / d50:.2f}x (target <= {RATIO_TARGET_C16}x)"
            else:
                ok = g50 - d50 <= DELTA_TARGET_C1_MS
                verdict = (f"gateway - direct p50 = {g50 - d50:+.2f} ms (target <= +2 ms; "
                           f"the bare hop alone {b50 - d50:+.2f} ms)")  # fmt: skip
            print(f"{'':>11} {'':<8} {'':>8} {'':>8}  {verdict}: {'ok' if ok else 'MISSES'}")


def _start(module: str, env: dict[str, str], health: str) -> ServiceProcess:
    process = spawn_service(module, env)
    try:
        return process.wait_ready(health, timeout=120)
    except BaseException:
        process.stop()
        raise


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        build_warehouse("aw", folder, scale=SCALE)
        print(f"built the scale-{SCALE} AdventureWorksDW in {time.perf_counter() - started:.1f} s")
        given = os.environ.get("POSTGRES_URL")
        postgres = None if given else ThrowawayPostgres()
        if postgres is not None:
            postgres.start()
        processes: list[ServiceProcess] = []
        try:
            with OidcIssuer() as issuer, otlp_receiver_process() as otlp_endpoint:
                env = {
                    "POSTGRES_URL": given or (postgres.url if postgres else ""),
                    "DEMO_WAREHOUSE_DIR": str(folder),
                    "INTERNAL_SERVICE_SHARED_SECRET": SECRET,
                    "JOBS_ENABLED": "false",
                    "LOG_LEVEL": "WARNING",
                    "OTEL_EXPORTER_OTLP_ENDPOINT": otlp_endpoint,
                    "REQUIRE_FRONTEND_AUTH": "false",
                }
                aw = _start("services.aw_service.main", env, "/ready")
                processes.append(aw)
                gateway_env = {
                    **env,
                    "AW_SERVICE_URL": aw.url,
                    "REQUIRE_FRONTEND_AUTH": "true",
                    "FRONTEND_JWT_ISSUER_URL": issuer.url,
                    "FRONTEND_JWT_AUDIENCE": AUDIENCE,
                    "FRONTEND_REQUIRED_SCOPES": SCOPE,
                }
                gateway = _start("services.api_gateway.main", gateway_env, "/api/health")
                processes.append(gateway)
                bare = _start("bench.gateway_bare_proxy", {"AW_SERVICE_URL": aw.url}, "/health")
                processes.append(bare)
                user_token = issuer.sign(issuer.claims(exp=int(time.time()) + 3600))
                asyncio.run(_measure(aw.url, bare.url, gateway.url, user_token))
        finally:
            for process in reversed(processes):
                process.stop()
            if postgres is not None:
                postgres.destroy()


if __name__ == "__main__":
    main()
