"""An analytics service stopped under a running gateway: a quick 502 naming it, never a hang,
and a report requested meanwhile leaves no file behind."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.support.stack_fixtures import Stack, spawn_analytics, spawn_gateway


def test_stopped_service_is_502_within_the_timeout_and_report_writes_nothing(
    live_stack: Stack, tmp_path: Path
) -> None:
    report_dir = tmp_path / "reports"
    aw = spawn_analytics(live_stack, "aw-service")
    gateway = spawn_gateway(live_stack, AW_SERVICE_URL=aw.url, REPORT_OUTPUT_DIR=str(report_dir))
    try:
        assert httpx.get(f"{gateway.url}/api/aw/sales/kpis", timeout=30).status_code == 200
        aw.stop()

        started = time.monotonic()
        response = httpx.get(f"{gateway.url}/api/aw/sales/kpis", timeout=30)
        elapsed = time.monotonic() - started
        assert response.status_code == 502
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["service"] == "aw-service"
        connect_timeout = float(live_stack.env["UPSTREAM_CONNECT_TIMEOUT_SECONDS"])
        assert elapsed < connect_timeout + 1

        report = httpx.post(f"{gateway.url}/api/reports/generate", timeout=60)
        assert report.status_code == 502
        assert "aw-service" in report.json()["detail"]
        assert not report_dir.exists() or list(report_dir.iterdir()) == []

        other = httpx.get(f"{gateway.url}/api/wwi/sales/kpis", timeout=30)
        assert other.status_code == 200  # the other service is unaffected
    finally:
        gateway.stop()
        aw.stop()
