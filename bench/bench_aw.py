"""aw-service benchmark: each analytics endpoint beside the raw SQL of the same queries, same run.

A scale-1 generated AdventureWorksDW (about 60,000 internet and 60,000 reseller order lines) is
built in a temp folder, a throwaway PostgreSQL is started (or `POSTGRES_URL` used), and
aw-service runs as its own uvicorn process (one worker, jobs off) on 127.0.0.1. Each endpoint gets
sequential requests after a warm-up; its raw SQL time is the same statements (same parameters,
compiled for DuckDB, e.g. the forecast's `daily_revenue_statement`) run straight on the warehouse
file with the DuckDB driver, in rounds alternating with the requests so that both see the same
background load (the two floors likewise). Overhead is the
endpoint p50 minus the SQL p50: HTTP, token check, the audit row in PostgreSQL, Python work and
JSON. Targets: p50 < 50 ms and overhead < 5 ms. `uv run --frozen python -m bench.bench_aw`.

To say where an overhead goes, each analytic is also awaited in the benchmark's own process
(`bench.support.in_process_analytics`) in the same rounds: its p50 minus the SQL p50 is the
analytic's own Python (SQLAlchemy execution and rows, the worker thread hand-off, the
computation, the response model, JSON), with no HTTP, token or audit.
"""

from __future__ import annotations

import datetime as dt
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

import duckdb  # noqa: E402
import httpx  # noqa: E402
from duckdb_engine import Dialect  # noqa: E402
from sqlalchemy import Select  # noqa: E402

from bench.support import (  # noqa: E402
    Analytic,
    FreshToken,
    alternating,
    percentile,
    raw_sql,
    service_under_bench,
)
from demo.build import build_warehouse  # noqa: E402
from services.aw_service import analytics  # noqa: E402
from services.aw_service.analytics_common import Anchor, anchor_statement, key_date  # noqa: E402
from services.aw_service.analytics_rankings import (  # noqa: E402
    _month_end,
    demand_window,
    employee_statement,
    product_month_statement,
    product_statement,
    quota_statement,
    rep_sales_statement,
)
from services.aw_service.analytics_sales import (  # noqa: E402
    daily_revenue_statement,
    daily_sales_statement,
    history_window,
    kpi_statement,
)
from services.aw_service.forecasting import training_window  # noqa: E402
from shared.core.config import Settings, build_settings  # noqa: E402
from shared.core.engines import create_aw_engine  # noqa: E402

SCALE = float(os.environ.get("BENCH_AW_SCALE", "1.0"))
WARMUP = 5
REQUESTS = 60
SECRET = "bench-aw-" + "s" * 40
P50_TARGET_MS = 50.0
OVERHEAD_TARGET_MS = 5.0


def _endpoints(
    anchor: Anchor, history_days: int, horizon: int
) -> list[tuple[str, str, list[Select[Any]]]]:
    """(label, path, the statements that endpoint sends) with the parameters the service uses."""
    start, end = history_window(anchor, history_days)
    train_start, train_end = training_window(anchor.first, anchor.latest)
    year = anchor.latest_complete_year
    months = demand_window(anchor)
    first, last = dt.date(months[0][0], months[0][1], 1), _month_end(*months[-1])
    return [
        ("sales KPIs", "/api/aw/sales/kpis", [anchor_statement(), kpi_statement()]),
        (f"sales history ({history_days} d)", "/api/aw/sales/history",
         [anchor_statement(), daily_sales_statement(start, end)]),
        (f"sales forecast ({horizon} d)", "/api/aw/sales/forecast",
         [anchor_statement(), daily_revenue_statement(train_start, train_end)]),
        ("rep scores", "/api/aw/reps/scores",
         [anchor_statement(), rep_sales_statement(year), quota_statement(year),
          employee_statement()]),
        ("product demand", "/api/aw/products/demand",
         [anchor_statement(), product_month_statement(first, last), product_statement()]),
    ]  # fmt: skip


def _analytics(settings: Settings) -> list[Analytic]:
    """Per endpoint of `_endpoints`, in its order, the analytic the route awaits, with the
    parameters the service defaults to."""
    top_n = settings.ranking_default_top_n
    return [
        lambda warehouse: analytics.sales_kpis(warehouse),
        lambda warehouse: analytics.sales_history(warehouse, settings.default_history_days),
        lambda warehouse: analytics.sales_forecast(warehouse, settings.forecast_horizon_days),
        lambda warehouse: analytics.rep_scores(warehouse, top_n),
        lambda warehouse: analytics.product_demand(warehouse, top_n),
    ]


def _anchor(path: Path) -> Anchor:
    with duckdb.connect(str(path), read_only=True) as con:
        sql = str(anchor_statement().compile(dialect=Dialect()))
        keys = con.execute(sql).fetchone()
    assert keys is not None
    return Anchor(first=key_date(min(keys[0], keys[2])), latest=key_date(max(keys[1], keys[3])))


def _measure(
    url: str, warehouse: Path, in_process: Callable[[Analytic], Callable[[], None]]
) -> None:
    anchor = _anchor(warehouse)
    settings = build_settings(_env_file=None)
    endpoints = _endpoints(anchor, settings.default_history_days, settings.forecast_horizon_days)
    print(f"warehouse: {warehouse.stat().st_size / 1e6:.1f} MB, orders up to {anchor.latest}; "
          f"{REQUESTS} sequential requests per endpoint after {WARMUP} warm-up")  # fmt: skip
    with httpx.Client(base_url=url, timeout=60, auth=FreshToken("aw-service", SECRET)) as client:
        health, store = alternating(
            [
                lambda: client.get("/health"),
                lambda: client.get("/api/aw/records/forecasts", params={"limit": 1}),
            ],
            REQUESTS,
        )
        print(
            f"floor: GET /health p50 {statistics.median(health):.1f} ms "
            f"p99 {percentile(health, 0.99):.1f} ms (HTTP + framework, no token, no audit)"
        )
        floor = statistics.median(store)
        print(f"floor: GET /api/aw/records/forecasts?limit=1 p50 {statistics.median(store):.1f} "
              f"ms p99 {percentile(store, 0.99):.1f} ms (token check + one PostgreSQL read + "
              "the audit row: the machinery's fixed cost per audited call)")  # fmt: skip
        print(f"{'endpoint':<26} {'p50 ms':>7} {'p99 ms':>7} {'SQL p50':>8} {'SQL p99':>8} "
              f"{'overhead':>9} {'-floor':>7} {'Python':>7}  verdict (p50 < "
              f"{P50_TARGET_MS:.0f}, overhead < {OVERHEAD_TARGET_MS:.0f})")  # fmt: skip
        for (label, path, statements), analytic in zip(
            endpoints, _analytics(settings), strict=True
        ):

            def call(path: str = path) -> None:
                response = client.get(path)
                if response.status_code != 200:
                    raise RuntimeError(f"GET {path}: {response.status_code} {response.text}")

            times, sql, local = alternating(
                [call, raw_sql(warehouse, statements), in_process(analytic)], REQUESTS
            )
            p50, sql50 = statistics.median(times), statistics.median(sql)
            overhead, python = p50 - sql50, statistics.median(local) - sql50
            verdict = " ".join([
                "p50 ok" if p50 < P50_TARGET_MS else "p50 MISSES",
                "overhead ok" if overhead < OVERHEAD_TARGET_MS else "overhead MISSES",
            ])  # fmt: skip
            print(f"{label:<26} {p50:7.1f} {percentile(times, 0.99):7.1f} {sql50:8.1f} "
                  f"{percentile(sql, 0.99):8.1f} {overhead:9.1f} {overhead - floor:7.1f} "
                  f"{python:7.1f}  {verdict}")  # fmt: skip
        print(
            "overhead = endpoint p50 - SQL p50; -floor = overhead minus the audited-call floor "
            "(what aw-service's own Python adds beyond the shared machinery); Python = the "
            "analytic awaited in this process (no HTTP, token or audit) p50 - SQL p50"
        )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-aw-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        build_warehouse("aw", folder, scale=SCALE)
        print(f"built the scale-{SCALE} AdventureWorksDW in {time.perf_counter() - started:.1f} s")
        with service_under_bench(
            "services.aw_service.main", folder, SECRET, "aw.duckdb", create_aw_engine
        ) as (url, local):
            _measure(url, folder / "aw.duckdb", local)


if __name__ == "__main__":
    main()
