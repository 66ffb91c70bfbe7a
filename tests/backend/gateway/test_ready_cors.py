"""`/api/ready` reports each dependency; CORS answers only the configured origins."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.backend.gateway.helpers import (
    Gateway,
    Upstreams,
    closed_port_url,
    gateway_settings,
    run_gateway,
)


def test_ready_when_every_dependency_answers(gateway: Gateway) -> None:
    response = httpx.get(f"{gateway.url}/api/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"postgres": "ok", "aw-service": "ok", "wwi-service": "ok"},
    }


def test_not_ready_names_the_missing_dependency(
    postgres_url: str, upstreams: Upstreams, report_dir: Path
) -> None:
    settings = gateway_settings(
        postgres_url, report_dir, aw_service_url=upstreams.aw_url, wwi_service_url=closed_port_url()
    )
    with run_gateway(settings) as gateway:
        response = httpx.get(f"{gateway.url}/api/ready", timeout=10)
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["aw-service"] == "ok" and checks["postgres"] == "ok"
    assert checks["wwi-service"].startswith("unavailable")


def test_cors_allows_only_configured_origins(
    postgres_url: str, upstreams: Upstreams, report_dir: Path
) -> None:
    settings = gateway_settings(
        postgres_url,
        report_dir,
        aw_service_url=upstreams.aw_url,
        wwi_service_url=upstreams.wwi_url,
        cors_allowed_origins="http://localhost:5173",
    )
    preflight = {"Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "authorization,traceparent"}  # fmt: skip
    with run_gateway(settings) as gateway:
        allowed = httpx.options(
            f"{gateway.url}/api/aw/sales/kpis",
            headers={"Origin": "http://localhost:5173", **preflight},
        )
        refused = httpx.options(
            f"{gateway.url}/api/aw/sales/kpis",
            headers={"Origin": "http://evil.example", **preflight},
        )
        simple = httpx.get(f"{gateway.url}/api/health", headers={"Origin": "http://localhost:5173"})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert "traceparent" in allowed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-origin" not in refused.headers
    assert simple.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert "access-control-allow-credentials" not in simple.headers
