"""wwi-service benchmark: each view beside the raw SQL of the same statements, in the same run.

A scale-1 generated WideWorldImportersDW (about 200,000 sale lines) is built in a temp folder, a
throwaway PostgreSQL is started (or `POSTGRES_URL` used), and wwi-service runs as its own uvicorn
process (one worker, jobs off) on 127.0.0.1. Each view gets sequential requests after a warm-up;
its raw SQL time is the same statements (from `analytics.warehouse_queries()`, compiled for
DuckDB) run straight on the warehouse file with the DuckDB driver, in rounds alternating with the
requests so that both see the same background load. Overhead is the view's p50
minus the SQL p50: HTTP, token check, the audit row in PostgreSQL, Python work (the what-if
simulation, the XLSX/PDF rendering) and JSON. Targets, as for aw-service: p50 < 50 ms and
overhead < 5 ms; the floors `/health` and a one-row records read show what the shared machinery
alone costs, and for the three analytics views a `Python` column their analytic awaited in the
benchmark's own process (`bench.support.in_process_analytics`) minus the SQL. Then
`CONCURRENCY` clients request the KPIs together.
`uv run --frozen python -m bench.bench_wwi` (about a minute).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
for _extra in (REPO / "backend", REPO):
    if str(_extra) not in sys.path:
        sys.path.insert(0, str(_extra))

import httpx  # noqa: E402

from bench.support import (  # noqa: E402
    Analytic,
    FreshToken,
    alternating,
    percentile,
    raw_sql,
    service_under_bench,
    timed,
)
from demo.build import build_warehouse  # noqa: E402
from services.wwi_service.analytics import (  # noqa: E402
    sales_kpis,
    stock_recommendations,
    supplier_scores,
    warehouse_queries,
)
from shared.core.config import Settings, build_settings  # noqa: E402
from shared.core.engines import create_wwi_engine  # noqa: E402

SCALE = float(os.environ.get("BENCH_WWI_SCALE", "1.0"))
WARMUP = 5
REQUESTS = 60
CONCURRENCY = 8
CONCURRENT_REQUESTS = 80
SECRET = "bench-wwi-" + "s" * 40
P50_TARGET_MS = 50.0
OVERHEAD_TARGET_MS = 5.0

VIEWS: list[tuple[str, str, str, dict[str, Any] | None, list[str]]] = [
    # (label, method, path, JSON body, the warehouse statements behind the view)
    ("sales KPIs", "GET", "/api/wwi/sales/kpis", None,
     ["anchor.latest_sale_date", "sales.kpis"]),
    ("reorder recommendations", "GET", "/api/wwi/stock/recommendations", None,
     ["anchor.latest_sale_date", "stock.positions"]),
    ("supplier scores", "GET", "/api/wwi/suppliers/scores?top_n=20", None,
     ["anchor.latest_purchase_date", "suppliers.lines", "suppliers.lead_times"]),
    ("business events", "GET", "/api/wwi/events?limit=100", None, []),
    ("scenarios list", "GET", "/api/wwi/scenarios?limit=20", None, []),
    ("what-if POST (30 d)", "POST", "/api/wwi/scenarios",
     {"demand_change_pct": 20, "horizon_days": 30}, ["anchor.latest_sale_date", "stock.positions"]),
    ("export recommendations xlsx", "GET", "/api/wwi/export/stock-recommendations?format=xlsx",
     None, ["anchor.latest_sale_date", "stock.positions"]),
    ("export supplier scores pdf", "GET", "/api/wwi/export/supplier-scores?format=pdf", None,
     ["anchor.latest_purchase_date", "suppliers.lines", "suppliers.lead_times"]),
]  # fmt: skip


def _analytics(settings: Settings) -> dict[str, Analytic]:
    """The analytic behind each warehouse view (by label), with the view's parameters: awaited
    in this process, it tells the view's own Python from the machinery around it."""
    days = settings.default_history_days
    return {
        "sales KPIs": lambda warehouse: sales_kpis(warehouse, days=days),
        "reorder recommendations": lambda warehouse: stock_recommendations(
            warehouse, urgency=None, limit=settings.storage_default_limit
        ),
        "supplier scores": lambda warehouse: supplier_scores(warehouse, days=days, top_n=20),
    }


def _raw_sql(path: Path, names: list[str]) -> Callable[[], None] | None:
    """One run of the view's named statements (`analytics.warehouse_queries()`) straight on
    DuckDB; None for views that read only PostgreSQL."""
    if not names:
        return None
    statements = dict(warehouse_queries())
    return raw_sql(path, [statements[name] for name in names])


def _concurrent(url: str) -> tuple[float, float, int]:
    async def run() -> tuple[float, float, int]:
        latencies: list[float] = []
        failures = 0
        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in range(CONCURRENT_REQUESTS):
            queue.put_nowait(n)
        async with httpx.AsyncClient(
            base_url=url, auth=FreshToken("wwi-service", SECRET), timeout=60
        ) as client:

            async def worker() -> None:
                nonlocal failures
                while not queue.empty():
                    queue.get_nowait()
                    started = time.perf_counter()
                    response = await client.get("/api/wwi/sales/kpis")
                    latencies.append((time.perf_counter() - started) * 1000)
                    failures += response.status_code != 200

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
            elapsed = time.perf_counter() - started
        return CONCURRENT_REQUESTS / elapsed, percentile(latencies, 0.95), failures

    return asyncio.run(run())


def _measure(
    url: str, warehouse: Path, in_process: Callable[[Analytic], Callable[[], None]]
) -> None:
    analytics = _analytics(build_settings(_env_file=None))
    print(f"warehouse: {warehouse.stat().st_size / 1e6:.1f} MB; {REQUESTS} sequential requests "
          f"per view after {WARMUP} warm-up")  # fmt: skip
    with httpx.Client(base_url=url, timeout=60, auth=FreshToken("wwi-service", SECRET)) as client:
        health, store = alternating(
            [
                lambda: client.get("/health"),
                lambda: client.get("/api/wwi/records/reorder-recommendations", params={"limit": 1}),
            ],
            REQUESTS,
        )
        print(
            f"floor: GET /health p50 {statistics.median(health):.1f} ms "
            f"p99 {percentile(health, 0.99):.1f} ms (HTTP + framework, no token, no audit)"
        )
        floor = statistics.median(store)
        print(
            f"floor: GET /api/wwi/records/reorder-recommendations?limit=1 p50 {floor:.1f} ms "
            f"p99 {percentile(store, 0.99):.1f} ms (token check + one PostgreSQL read + the "
            "audit row: the machinery's fixed cost per audited call)"
        )
        print(
            f"{'view':<29} {'p50 ms':>7} {'p99 ms':>7} {'SQL p50':>8} {'SQL p99':>8} "
            f"{'overhead':>9} {'-floor':>7} {'Python':>7}  verdict (p50 < "
            f"{P50_TARGET_MS:.0f}, overhead < {OVERHEAD_TARGET_MS:.0f})"
        )
        for label, method, path, body, names in VIEWS:

            def call(method: str = method, path: str = path, body: Any = body) -> None:
                response = client.request(method, path, json=body)
                if response.status_code >= 400:
                    raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")

            raw = _raw_sql(warehouse, names)
            local: list[float] = []
            if raw and label in analytics:
                times, sql, local = alternating([call, raw, in_process(analytics[label])], REQUESTS)
            elif raw:
                times, sql = alternating([call, raw], REQUESTS)
            else:
                times, sql = timed(call, REQUESTS), []
            p50 = statistics.median(times)
            sql50 = statistics.median(sql) if sql else 0.0
            python = f"{statistics.median(local) - sql50:7.1f}" if local else f"{'-':>7}"
            sql99 = percentile(sql, 0.99) if sql else 0.0
            overhead = p50 - sql50
            verdict = " ".join([
                "p50 ok" if p50 < P50_TARGET_MS else "p50 MISSES",
                "overhead ok" if overhead < OVERHEAD_TARGET_MS else "overhead MISSES",
            ])  # fmt: skip
            print(
                f"{label:<29} {p50:7.1f} {percentile(times, 0.99):7.1f} {sql50:8.1f} "
                f"{sql99:8.1f} {overhead:9.1f} {overhead - floor:7.1f} {python}  {verdict}"
            )
        print(
            "overhead = view p50 - SQL p50; -floor = overhead minus the audited-call floor "
            "(what wwi-service's own Python adds beyond the shared machinery); Python = the "
            "view's analytic awaited in this process (no HTTP, token or audit) p50 - SQL p50"
        )
    rate, p95, failures = _concurrent(url)
    print(f"{CONCURRENCY} concurrent clients on sales KPIs: {rate:.1f} req/s, p95 {p95:.1f} ms, "
          f"{failures} failures")  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-wwi-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        build_warehouse("wwi", folder, seed=42, scale=SCALE)
        print(f"demo warehouse scale {SCALE} built in {time.perf_counter() - started:.1f}s")
        with service_under_bench(
            "services.wwi_service.main", folder, SECRET, "wwi.duckdb", create_wwi_engine
        ) as (url, local):
            _measure(url, folder / "wwi.duckdb", local)


if __name__ == "__main__":
    main()
