"""Report benchmark: `POST /api/reports/generate` beside fetching all its views.

Generated demo warehouses (both, scale `BENCH_REPORTS_SCALE`, default 1 as `make up` builds
them) in a temp folder, a throwaway PostgreSQL (or `POSTGRES_URL`), aw-service, wwi-service and
the gateway as uvicorn processes on 127.0.0.1 (auth off: the token check is not what is
measured). In alternating rounds of the same run: the report's ten views fetched concurrently
through the gateway, as the report fetches them, then a whole report (fetch + laying out +
rendering the PDF and the workbook + writing both files + the audit row). The rendering alone
is also timed in this process from the fetched JSON. Target: the report adds at most 2x the
fetching on top of it (report <= 3x fetch).
`uv run --frozen python -m bench.bench_reports`.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
for _extra in (REPO / "backend", REPO):
    if str(_extra) not in sys.path:
        sys.path.insert(0, str(_extra))

import httpx  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from bench.support import otlp_receiver_process  # noqa: E402
from demo.build import build_warehouse  # noqa: E402
from devtools.postgres import ThrowawayPostgres  # noqa: E402
from services.api_gateway.report_summary import build_report  # noqa: E402
from services.api_gateway.report_views import REPORT_VIEWS  # noqa: E402
from shared.core.frontend_auth import FrontendPrincipal  # noqa: E402
from shared.core.reports import build_pdf, build_xlsx  # noqa: E402
from tests.support.live_server import ServiceProcess, spawn_service  # noqa: E402

SCALE = float(os.environ.get("BENCH_REPORTS_SCALE", "1.0"))
ROUNDS = int(os.environ.get("BENCH_REPORTS_ROUNDS", "8"))
SECRET = "bench-reports-" + "s" * 40
ADDED_TARGET = 2.0  # report - fetch <= 2 x fetch


async def _fetch_all(client: httpx.AsyncClient) -> dict[str, Any]:
    async def one(path: str) -> Any:
        response = await client.get(path)
        response.raise_for_status()
        return response.json()

    answers = await asyncio.gather(*(one(view.path) for view in REPORT_VIEWS))
    return {view.key: answer for view, answer in zip(REPORT_VIEWS, answers, strict=True)}


async def _measure(gateway: str) -> None:
    fetch_ms: list[float] = []
    report_ms: list[float] = []
    pages = 0
    async with httpx.AsyncClient(base_url=gateway, timeout=300) as client:
        payloads = await _fetch_all(client)  # warm-up: caches and connection pools
        (await client.post("/api/reports/generate")).raise_for_status()
        for _ in range(ROUNDS):
            started = time.perf_counter()
            payloads = await _fetch_all(client)
            fetch_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            response = await client.post("/api/reports/generate")
            response.raise_for_status()
            report_ms.append((time.perf_counter() - started) * 1000)
            pages = _page_count(response.json()["pdf"]["path"])
    render_ms = []
    principal = FrontendPrincipal(subject="bench", scopes=frozenset())
    for _ in range(ROUNDS):
        started = time.perf_counter()
        report = build_report(payloads, principal)
        build_pdf(report, _now())
        build_xlsx(report, _now())
        render_ms.append((time.perf_counter() - started) * 1000)
    fetch, whole, render = (statistics.median(v) for v in (fetch_ms, report_ms, render_ms))
    added = whole - fetch
    print(f"{ROUNDS} alternating rounds; median ms (a {pages}-page PDF and its workbook)")
    print(f"  fetch all {len(REPORT_VIEWS)} views through the gateway  {fetch:8.1f}")
    print(f"  POST /api/reports/generate (fetch + render + write) {whole:8.1f}")
    print(f"  render only, in this process (layout, PDF, XLSX)   {render:8.1f}")
    ok = added <= ADDED_TARGET * fetch
    print(f"  the report adds {added:.1f} ms = {added / fetch:.2f}x the fetching "
          f"(target <= {ADDED_TARGET:.0f}x): {'ok' if ok else 'MISSES'}")  # fmt: skip


def _now() -> datetime:
    return datetime.now(UTC)


def _page_count(path: str) -> int:
    return len(PdfReader(path).pages)


def _start(module: str, env: dict[str, str], health: str) -> ServiceProcess:
    process = spawn_service(module, env)
    try:
        return process.wait_ready(health, timeout=180)
    except BaseException:
        process.stop()
        raise


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        for name in ("aw", "wwi"):
            build_warehouse(name, folder / "demo", scale=SCALE)
        print(f"built the scale-{SCALE:g} demo warehouses in {time.perf_counter() - started:.1f} s")
        given = os.environ.get("POSTGRES_URL")
        postgres = None if given else ThrowawayPostgres()
        if postgres is not None:
            postgres.start()
        processes: list[ServiceProcess] = []
        try:
            with otlp_receiver_process() as otlp_endpoint:
                env = {
                    "POSTGRES_URL": given or (postgres.url if postgres else ""),
                    "DEMO_WAREHOUSE_DIR": str(folder / "demo"),
                    "INTERNAL_SERVICE_SHARED_SECRET": SECRET,
                    "REPORT_OUTPUT_DIR": str(folder / "reports"),
                    "JOBS_ENABLED": "false",
                    "LOG_LEVEL": "WARNING",
                    "OTEL_EXPORTER_OTLP_ENDPOINT": otlp_endpoint,
                    "REQUIRE_FRONTEND_AUTH": "false",
                    "UPSTREAM_READ_TIMEOUT_SECONDS": "120",
                }
                aw = _start("services.aw_service.main", env, "/ready")
                processes.append(aw)
                wwi = _start("services.wwi_service.main", env, "/ready")
                processes.append(wwi)
                gateway_env = {**env, "AW_SERVICE_URL": aw.url, "WWI_SERVICE_URL": wwi.url}
                gateway = _start("services.api_gateway.main", gateway_env, "/api/health")
                processes.append(gateway)
                asyncio.run(_measure(gateway.url))
        finally:
            for process in reversed(processes):
                process.stop()
            if postgres is not None:
                postgres.destroy()


if __name__ == "__main__":
    main()
