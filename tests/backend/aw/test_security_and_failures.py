"""Internal-token checks on every endpoint, and behaviour while PostgreSQL or the warehouse is down.

PostgreSQL is a throwaway cluster of the test's own, stopped and restarted for real; the
"warehouse down" case points the service at a SQL Server that is not there. A job run during the
outage is covered for both services by `tests/backend/test_service_machinery.py`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import jwt
import pytest

from demo.duck import create_schema as create_duck_schema
from devtools.postgres import ThrowawayPostgres
from services.aw_service import analytics
from services.aw_service.main import create_app
from shared.core.engines import create_aw_engine
from shared.core.warehouse import WarehouseClient
from shared.db.warehouse import aw_tables
from tests.backend.aw.support import SECRET, LiveService, auth, make_settings, serve
from tests.support.live_server import live_server, poll_until

pytestmark = pytest.mark.timeout(240)

PROTECTED = [
    "/api/aw/sales/kpis",
    "/api/aw/sales/history",
    "/api/aw/sales/forecast",
    "/api/aw/reps/scores",
    "/api/aw/products/demand",
    "/api/aw/records/forecasts",
    "/api/aw/records/rep-scores",
    "/api/aw/records/product-demand",
    "/api/aw/export/rep-scores?format=csv",
    "/api/aw/jobs",
]


def forged(**overrides: Any) -> dict[str, str]:
    now = int(time.time())
    claims = {"iss": "api-gateway", "aud": "aw-service", "sub": "mallory", "scope": "bi.read",
              "iat": now, "nbf": now, "exp": now + 30, "jti": "x"}  # fmt: skip
    secret = overrides.pop("secret", SECRET)
    claims.update(overrides)
    return {"Authorization": f"Bearer {jwt.encode(claims, secret, algorithm='HS256')}"}


@pytest.mark.parametrize("path", PROTECTED)
def test_every_endpoint_refuses_bad_tokens_with_401_json(
    aw_service: LiveService, path: str
) -> None:
    audited = aw_service.sql("SELECT count(*) FROM audit_log")[0][0]
    past = int(time.time()) - 300
    cases = {
        "none": {},
        "not bearer": {"Authorization": "Basic YWxpY2U6eA=="},
        "garbage": {"Authorization": "Bearer not-a-jwt"},
        "expired": forged(iat=past - 300, nbf=past - 300, exp=past),
        "wrong aud": auth(aw_service.settings, audience="wwi-service"),
        "wrong iss": forged(iss="someone-else"),
        "wrong key": forged(secret="z" * 48),
    }
    for name, headers in cases.items():
        response = httpx.get(f"{aw_service.url}{path}", headers=headers, timeout=30)
        assert response.status_code == 401, (name, response.text)
        assert response.headers["content-type"].startswith("application/problem+json"), name
        assert response.headers["www-authenticate"].startswith("Bearer"), name
        assert response.json()["status"] == 401
    assert aw_service.sql("SELECT count(*) FROM audit_log")[0][0] == audited


def test_health_and_ready_need_no_token(aw_service: LiveService) -> None:
    assert httpx.get(f"{aw_service.url}/health").json() == {"status": "ok"}
    ready = httpx.get(f"{aw_service.url}/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"warehouse": "ok", "postgres": "ok"}


@pytest.fixture
def own_postgres() -> Iterator[ThrowawayPostgres]:
    server = ThrowawayPostgres()
    server.start()
    yield server
    server.destroy()


def test_postgres_down_is_503_ready_says_which_and_service_recovers(
    own_postgres: ThrowawayPostgres, demo_warehouse_dir: Path
) -> None:
    settings = make_settings(own_postgres.url, demo_warehouse_dir)
    with serve(settings, own_postgres.url) as service:
        assert service.get("/api/aw/sales/kpis").status_code == 200
        own_postgres.stop("immediate")
        for path, params in (("/api/aw/sales/kpis", {}), ("/api/aw/records/forecasts", {}),
                             ("/api/aw/export/rep-scores", {"format": "xlsx"})):  # fmt: skip
            down = service.get(path, **params)
            assert down.status_code == 503, (path, down.text)
            assert down.json()["dependency"] == "postgres"
            assert "Traceback" not in down.text
        ready = httpx.get(f"{service.url}/ready", timeout=30)
        assert ready.status_code == 503
        assert ready.json()["checks"]["postgres"].startswith("unavailable")
        assert ready.json()["checks"]["warehouse"] == "ok"
        own_postgres.start()
        poll_until(lambda: service.get("/api/aw/sales/kpis").status_code == 200,
                   timeout=60, interval=0.5, what="recovery after PostgreSQL restart")  # fmt: skip
        assert httpx.get(f"{service.url}/ready", timeout=30).status_code == 200


def test_warehouse_down_is_503_and_ready_says_warehouse(
    postgres_url: str, demo_warehouse_dir: Path
) -> None:
    # Port 1 on 127.0.0.1: nothing listens; the ODBC connection attempt fails.
    settings = make_settings(postgres_url, demo_warehouse_dir, aw_mssql_server="127.0.0.1,1")
    with live_server(create_app(settings)) as url:

        def store_ready() -> bool:
            checks = httpx.get(f"{url}/ready", timeout=30).json()["checks"]
            return bool(checks["postgres"] == "ok")

        poll_until(store_ready, what="postgres ready")
        ready = httpx.get(f"{url}/ready", timeout=30)
        assert ready.status_code == 503
        assert ready.json()["checks"]["warehouse"].startswith("unavailable")
        response = httpx.get(f"{url}/api/aw/sales/kpis", headers=auth(settings), timeout=30)
        assert response.status_code == 503
        assert response.json()["dependency"] == "warehouse"
        assert "Traceback" not in response.text and "pyodbc" not in response.text
        export = httpx.get(f"{url}/api/aw/export/rep-scores", params={"format": "pdf"},
                           headers=auth(settings), timeout=30)  # fmt: skip
        assert export.status_code == 503 and export.json()["dependency"] == "warehouse"
        assert httpx.get(f"{url}/health").status_code == 200
    service = LiveService(url, settings, postgres_url)
    audit = service.sql("SELECT action, outcome, status_code FROM audit_log ORDER BY id")
    assert [(r["action"], r["outcome"], r["status_code"]) for r in audit] == [
        ("sales.kpis", "error", 503),
        ("export.rep-scores", "error", 503),
    ]


@pytest.fixture
def empty_warehouse_dir(tmp_path: Path) -> Path:
    with duckdb.connect(str(tmp_path / "aw.duckdb")) as connection:
        create_duck_schema(connection, aw_tables.metadata)
    return tmp_path


def test_empty_warehouse_is_503_and_fails_data_quality(
    postgres_url: str, empty_warehouse_dir: Path
) -> None:
    settings = make_settings(postgres_url, empty_warehouse_dir)
    with serve(settings, postgres_url) as service:
        for path in ("/api/aw/sales/kpis", "/api/aw/sales/forecast", "/api/aw/reps/scores"):
            response = service.get(path)
            assert response.status_code == 503, (path, response.text)
            assert response.json()["dependency"] == "warehouse"
            assert "no order lines" in response.json()["detail"]
    client = WarehouseClient(create_aw_engine(settings), name="aw")
    try:
        report = asyncio.run(analytics.run_checks(client, dt.date(2026, 11, 23)))
    finally:
        client.dispose()
    failed = {c.name for c in report.checks if c.status == "fail"}
    assert {"row_count.FactInternetSales", "row_count.FactResellerSales",
            "row_count.DimDate", "freshness.latest_order_date"} <= failed  # fmt: skip
    assert report.anchor_date is None
