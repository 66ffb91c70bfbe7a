"""wwi-service when things go wrong: PostgreSQL down (503 naming it, /ready saying which, then
recovery), a warehouse without tables or without rows (503 naming it and what is missing, each
refusal audited), a missing warehouse or a bad configuration at start-up (exit 2 with the
reason), and the real process. A job run during a PostgreSQL outage is covered for both
services by `tests/backend/test_service_machinery.py`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest

from demo.duck import create_schema as create_duck_schema
from devtools.postgres import ThrowawayPostgres
from services.wwi_service.main import create_app
from shared.db.warehouse import wwi_tables
from tests.backend.wwi.conftest import SECRET, auth, service_settings, sql
from tests.support.live_server import REPO, free_port, live_server, poll_until, spawn_service


@pytest.fixture
def own_postgres() -> Iterator[ThrowawayPostgres]:
    server = ThrowawayPostgres()
    server.start()
    yield server
    server.destroy()


def test_postgres_outage_is_503_then_recovers(
    own_postgres: ThrowawayPostgres, wwi_demo_path: Path
) -> None:
    settings = service_settings(own_postgres.url, wwi_demo_path.parent)
    with live_server(create_app(settings)) as url:
        poll_until(lambda: httpx.get(f"{url}/ready").status_code == 200, what="ready")
        headers = auth(settings)
        own_postgres.stop("immediate")
        for method, path, body in (
            ("POST", "/api/wwi/scenarios", {"demand_change_pct": 5}),
            ("GET", "/api/wwi/events", None),
            ("GET", "/api/wwi/sales/kpis", None),
            ("GET", "/api/wwi/export/supplier-scores?format=xlsx", None),
            ("GET", "/api/wwi/export/business-events?format=csv", None),
        ):
            down = httpx.request(method, url + path, json=body, headers=headers, timeout=30)
            assert down.status_code == 503, (path, down.text)
            assert down.json()["dependency"] == "postgres"
            assert down.headers["content-type"].startswith("application/problem+json")
            assert "Traceback" not in down.text
        ready = httpx.get(f"{url}/ready", timeout=30)
        assert ready.status_code == 503
        assert ready.json()["checks"]["postgres"].startswith("unavailable")
        assert ready.json()["checks"]["warehouse"] == "ok"
        assert httpx.get(f"{url}/health").status_code == 200
        own_postgres.start()

        def recovered() -> bool:
            answer = httpx.post(url + "/api/wwi/scenarios", json={"horizon_days": 5},
                                headers=auth(settings), timeout=30)  # fmt: skip
            return answer.status_code == 201

        poll_until(recovered, timeout=60, interval=0.5, what="recovery after PostgreSQL restart")
        assert httpx.get(f"{url}/ready", timeout=30).status_code == 200


def _env(postgres_url: str, warehouse_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        "POSTGRES_URL": postgres_url,
        "DEMO_WAREHOUSE_DIR": str(warehouse_dir),
        "INTERNAL_SERVICE_SHARED_SECRET": SECRET,
        "JOBS_ENABLED": "false",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9",
    }
    env.update(extra)
    for name in ("WWI_MSSQL_SERVER", "WWI_MSSQL_PASSWORD"):
        os.environ.pop(name, None)
    return env


def test_real_process_serves_the_api(postgres_url: str, wwi_demo_path: Path) -> None:
    process = spawn_service("services.wwi_service.main", _env(postgres_url, wwi_demo_path.parent))
    try:
        process.wait_ready("/ready")
        settings = service_settings(postgres_url, wwi_demo_path.parent)
        answer = httpx.get(process.url + "/api/wwi/sales/kpis", headers=auth(settings), timeout=30)
        assert answer.status_code == 200 and answer.json()["current"]["revenue"] > 0
    finally:
        process.stop()


@pytest.mark.parametrize(
    ("overrides", "reason", "clean"),
    [
        ({"INTERNAL_SERVICE_SHARED_SECRET": "short"}, "INTERNAL_SERVICE_SHARED_SECRET", True),
        # The shared lifespan exits on a missing warehouse; Starlette logs that exit with a
        # traceback before the named reason (reported to the machinery's owner).
        ({"DEMO_WAREHOUSE_DIR": "/nonexistent-wwi"}, "make demo-data", False),
    ],
)
def test_bad_start_up_exits_2_naming_the_problem(
    postgres_url: str,
    wwi_demo_path: Path,
    overrides: dict[str, str],
    reason: str,
    clean: bool,
) -> None:
    env = {**os.environ, **_env(postgres_url, wwi_demo_path.parent, **overrides)}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "backend"), str(REPO)])
    command = [sys.executable, "-m", "uvicorn", "services.wwi_service.main:app",
               "--host", "127.0.0.1", "--port", str(free_port())]  # fmt: skip
    finished = subprocess.run(command, cwd=REPO / "backend", env=env, capture_output=True,
                              timeout=60, check=False)  # fmt: skip
    output = finished.stderr.decode() + finished.stdout.decode()
    assert finished.returncode != 0
    assert reason in output
    assert ("Traceback" not in output) or not clean


def test_unreadable_warehouse_is_503_naming_it(postgres_url: str, tmp_path: Path) -> None:
    """A warehouse without the WWI tables (wrong database, failed load) is a 503, not a 500, and
    every refused call, the export included, leaves its one failed audit row."""
    duckdb.connect(str(tmp_path / "wwi.duckdb")).close()
    settings = service_settings(postgres_url, tmp_path)
    with live_server(create_app(settings)) as url:
        # `SELECT 1` still answers, so /ready turns 200 once the write store's schema exists.
        poll_until(lambda: httpx.get(f"{url}/ready").status_code == 200, what="ready")
        for method, path, body in (
            ("GET", "/api/wwi/sales/kpis", None),
            ("GET", "/api/wwi/stock/recommendations", None),
            ("GET", "/api/wwi/export/supplier-scores?format=pdf", None),
            ("GET", "/api/wwi/export/stock-recommendations?format=xlsx", None),
            ("POST", "/api/wwi/scenarios", {"horizon_days": 5}),
        ):
            answer = httpx.request(method, url + path, json=body, headers=auth(settings),
                                   timeout=30)  # fmt: skip
            assert answer.status_code == 503, (path, answer.text)
            assert answer.json()["dependency"] == "warehouse"
    audit = sql(postgres_url, "SELECT action, outcome, status_code FROM audit_log ORDER BY id")
    assert [tuple(row) for row in audit] == [
        ("sales.kpis", "error", 503),
        ("stock.recommendations", "error", 503),
        ("export.supplier-scores", "error", 503),
        ("export.stock-recommendations", "error", 503),
        ("scenarios.create", "error", 503),
    ]
    assert sql(postgres_url, "SELECT count(*) AS n FROM export_records")[0]["n"] == 0


@pytest.fixture
def empty_warehouse_dir(tmp_path: Path) -> Path:
    """A warehouse with every WWI table and no rows (a load that has not run yet)."""
    with duckdb.connect(str(tmp_path / "wwi.duckdb")) as connection:
        create_duck_schema(connection, wwi_tables.metadata)
    return tmp_path


def test_empty_warehouse_is_503_naming_the_missing_data(
    postgres_url: str, empty_warehouse_dir: Path
) -> None:
    settings = service_settings(postgres_url, empty_warehouse_dir)
    with live_server(create_app(settings)) as url:
        poll_until(lambda: httpx.get(f"{url}/ready").status_code == 200, what="ready")
        for method, path, body, missing in (
            ("GET", "/api/wwi/sales/kpis", None, "Fact.Sale"),
            ("GET", "/api/wwi/suppliers/scores", None, "Fact.Purchase"),
            ("GET", "/api/wwi/stock/recommendations", None, 'Fact."Stock Holding"'),
            ("POST", "/api/wwi/scenarios", {"horizon_days": 5}, 'Fact."Stock Holding"'),
            ("GET", "/api/wwi/export/supplier-scores?format=csv", None, "Fact.Purchase"),
        ):
            answer = httpx.request(method, url + path, json=body, headers=auth(settings),
                                   timeout=30)  # fmt: skip
            assert answer.status_code == 503, (path, answer.text)
            problem = answer.json()
            assert problem["dependency"] == "warehouse"
            assert problem["detail"] == f"the warehouse cannot answer yet: no rows in {missing}"
    audit = sql(postgres_url, "SELECT action, outcome, status_code FROM audit_log ORDER BY id")
    assert {(row["outcome"], row["status_code"]) for row in audit} == {("error", 503)}
    assert len(audit) == 5
