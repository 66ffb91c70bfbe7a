"""wwi-service when things go wrong: PostgreSQL down (503 naming it, then recovery), a missing
warehouse or a bad configuration at start-up (exit 2 with the reason), and the real process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest

from devtools.postgres import ThrowawayPostgres
from services.wwi_service.main import create_app
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
        ):
            down = httpx.request(method, url + path, json=body, headers=headers, timeout=30)
            assert down.status_code == 503, (path, down.text)
            assert down.json()["dependency"] == "postgres"
            assert down.headers["content-type"].startswith("application/problem+json")
        own_postgres.start()

        def recovered() -> bool:
            answer = httpx.post(url + "/api/wwi/scenarios", json={"horizon_days": 5},
                                headers=auth(settings), timeout=30)  # fmt: skip
            return answer.status_code == 201

        poll_until(recovered, timeout=60, interval=0.5, what="recovery after PostgreSQL restart")


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
    """A warehouse without the WWI tables (wrong database, failed load) is a 503, not a 500."""
    duckdb.connect(str(tmp_path / "wwi.duckdb")).close()
    settings = service_settings(postgres_url, tmp_path)
    with live_server(create_app(settings)) as url:
        # `SELECT 1` still answers, so /ready turns 200 once the write store's schema exists.
        poll_until(lambda: httpx.get(f"{url}/ready").status_code == 200, what="ready")
        for method, path, body in (
            ("GET", "/api/wwi/sales/kpis", None),
            ("GET", "/api/wwi/stock/recommendations", None),
            ("GET", "/api/wwi/export/supplier-scores?format=pdf", None),
            ("POST", "/api/wwi/scenarios", {"horizon_days": 5}),
        ):
            answer = httpx.request(method, url + path, json=body, headers=auth(settings),
                                   timeout=30)  # fmt: skip
            assert answer.status_code == 503, (path, answer.text)
            assert answer.json()["dependency"] == "warehouse"
        audit = sql(postgres_url, "SELECT action, outcome FROM audit_log ORDER BY id")
        assert ("sales.kpis", "error") in [tuple(row) for row in audit]
