"""The product docs' verification checklist, steps 1-8, against the real running stack, and
`make verify` (the same checklist as users run it) against it, whole and with a service stopped.

aw-service, wwi-service and the gateway run as uvicorn processes on 127.0.0.1 with the demo
warehouses, PostgreSQL, the local OpenID provider (auth on) and an OTLP receiver standing in for
Grafana Alloy/Tempo (tests/support/stack_fixtures.py).
"""

from __future__ import annotations

import io
import re
import subprocess
import urllib.request
from pathlib import Path

import httpx
import openpyxl
import pytest
from pypdf import PdfReader

from devtools.idp import (
    API_SCOPE,
    FRONTEND_CLIENT_ID,
    get_client_credentials_token,
    get_user_token,
)
from devtools.trace_chain import chain_problems, fetch_trace
from shared.core.config import build_settings
from shared.core.internal_tokens import mint_internal_token
from tests.support.live_server import REPO, poll_until
from tests.support.stack_fixtures import Stack, auth_env, spawn_analytics, spawn_gateway

TIMEOUT = httpx.Timeout(60.0, connect=5.0)


@pytest.fixture(scope="module")
def user_token(live_stack: Stack) -> str:
    """The demo user's access token, from signing in through the provider's login page."""
    assert live_stack.issuer is not None
    return get_user_token(live_stack.issuer)


@pytest.fixture(scope="module")
def api(live_stack: Stack, user_token: str) -> httpx.Client:
    headers = {"Authorization": f"Bearer {user_token}"}
    return httpx.Client(base_url=live_stack.gateway, headers=headers, timeout=TIMEOUT)


def test_verification_checklist_steps_1_to_7(live_stack: Stack, api: httpx.Client) -> None:
    anonymous = httpx.Client(base_url=live_stack.gateway, timeout=TIMEOUT)

    # 1. GET /api/config returns the OIDC settings without authentication.
    config = anonymous.get("/api/config")
    assert config.status_code == 200
    assert config.json() == {
        "oidc_enabled": True,
        "oidc_authority": live_stack.issuer,
        "frontend_oidc_client_id": FRONTEND_CLIENT_ID,
        "frontend_oidc_scope": f"openid profile email {API_SCOPE}",
    }

    # 2. GET /api/health returns {"status": "ok"}.
    assert anonymous.get("/api/health").json() == {"status": "ok"}

    # 3. After login, GET /api/aw/sales/kpis returns data (and not before).
    assert anonymous.get("/api/aw/sales/kpis").status_code == 401
    kpis = api.get("/api/aw/sales/kpis")
    assert kpis.status_code == 200, kpis.text
    total = next(c for c in kpis.json()["whole_warehouse"]["channels"] if c["channel"] == "total")
    assert total["revenue"] > 0 and total["orders"] > 0
    trace_id = kpis.headers["x-trace-id"]

    # 4. GET /api/audit shows a row for the KPI call, by the signed-in user.
    rows = api.get("/api/audit", params={"domain": "aw", "limit": 50}).json()["items"]
    kpi_rows = [
        row for row in rows if row["action"] == "sales.kpis" and row["trace_id"] == trace_id
    ]
    assert len(kpi_rows) == 1
    assert kpi_rows[0]["actor"] == "demo" and kpi_rows[0]["outcome"] == "success"

    # 5. GET /api/jobs/aw shows job runs (jobs fire right after start-up in this stack).
    def finished_jobs() -> set[str]:
        items = api.get("/api/jobs/aw", params={"limit": 50}).json()["items"]
        return {item["job_id"] for item in items if item["status"] == "succeeded"}

    done = poll_until(
        lambda: (jobs := finished_jobs()) >= {"aw.daily.forecast"} and jobs,
        timeout=120,
        interval=0.5,
        what="aw jobs to finish",
    )
    assert "aw.daily.forecast" in done

    # 6. GET /api/aw/export/sales-forecast?format=xlsx downloads an .xlsx file.
    export = api.get("/api/aw/export/sales-forecast", params={"format": "xlsx"})
    assert export.status_code == 200, export.text
    assert "attachment" in export.headers["content-disposition"]
    assert export.headers["content-disposition"].rstrip('"').endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content), read_only=True).active
    assert sheet is not None and len(list(sheet.iter_rows(values_only=True))) > 5

    # 7. POST /api/reports/generate returns paths to .xlsx and .pdf files in REPORT_OUTPUT_DIR.
    report = api.post("/api/reports/generate")
    assert report.status_code == 201, report.text
    body = report.json()
    xlsx, pdf = Path(body["xlsx"]["path"]), Path(body["pdf"]["path"])
    assert xlsx.parent == pdf.parent == live_stack.report_dir.resolve()
    assert xlsx.stat().st_size == body["xlsx"]["size_bytes"]
    workbook = openpyxl.load_workbook(xlsx, read_only=True)
    assert {"AW forecast by day", "WWI supplier scores"} <= set(workbook.sheetnames)
    assert all(view["rows"] > 0 for view in body["views"] if view["view"] != "scenarios")
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Business report" in text and "Executive summary" in text


def test_step_8_one_trace_from_gateway_to_databases_under_the_x_trace_id(
    live_stack: Stack, api: httpx.Client
) -> None:
    # No traceparent sent: the gateway starts the trace, and x-trace-id is how a user finds it.
    # Plain urllib: httpx may be instrumented in this test process and would add a traceparent.
    request = urllib.request.Request(
        f"{live_stack.gateway}/api/aw/sales/kpis",
        headers={"Authorization": api.headers["authorization"]},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
        trace_id = response.headers["x-trace-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", trace_id)

    # Read back through the Tempo query API the receiver also answers, as make verify does.
    # Each process exports in its own batches and a parent ends after its children: wait until
    # the whole chain has arrived.
    problems = poll_until(
        lambda: not chain_problems(fetch_trace(live_stack.otlp.endpoint, trace_id)),
        timeout=30,
        interval=0.3,
        what=f"the whole chain in trace {trace_id}",
    )
    assert problems
    spans = {span.span_id: span for span in fetch_trace(live_stack.otlp.endpoint, trace_id)}
    roots = [span for span in spans.values() if span.parent_span_id not in spans]
    assert [(root.service, root.kind) for root in roots] == [("api-gateway", "server")]
    aw_server = next(s for s in spans.values() if s.service == "aw-service" and s.kind == "server")
    client = spans[aw_server.parent_span_id]
    assert (client.service, client.kind) == ("api-gateway", "client")
    below = [s for s in spans.values() if s.service == "aw-service" and s is not aw_server]
    assert {"duckdb", "postgresql"} <= {s.db_system for s in below}

    # Scheduled jobs are root spans of traces of their own, never part of a request's trace.
    jobs = live_stack.otlp.wait_for(
        lambda received: any(span.name.startswith("job aw.") for span in received)
    )
    job_spans = [span for span in jobs if span.name.startswith("job ")]
    assert job_spans and all(span.parent_span_id == "" for span in job_spans)
    assert trace_id not in {span.trace_id for span in job_spans}
    assert not any(span.name.startswith("job ") for span in live_stack.otlp.trace(trace_id))


def _make_verify(stack: Stack, gateway: str, token: str) -> subprocess.CompletedProcess[str]:
    """`make verify` as a user runs it, against `gateway`, with step 8 through the receiver."""
    arguments = {
        "BASE_URL": gateway,
        "TOKEN": token,
        "TEMPO_URL": stack.otlp.endpoint,
        "REPORT_DIR": str(stack.report_dir),
    }
    return subprocess.run(
        ["make", "-s", "verify", *(f"{name}={value}" for name, value in arguments.items())],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def _statuses(output: str) -> dict[int, str]:
    return {int(n): status for n, status in re.findall(r"^step (\d) (\w+):", output, re.M)}


def test_make_verify_passes_against_the_local_stack(live_stack: Stack, user_token: str) -> None:
    result = _make_verify(live_stack, live_stack.gateway, user_token)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _statuses(result.stdout) == dict.fromkeys(range(1, 9), "passed"), result.stdout


def test_make_verify_reports_the_step_a_stopped_service_breaks(
    live_stack: Stack, user_token: str
) -> None:
    """wwi-service stopped: only the report, which needs both services, fails."""
    wwi = spawn_analytics(live_stack, "wwi-service")
    wwi.stop()
    assert live_stack.issuer is not None
    gateway = spawn_gateway(live_stack, **auth_env(live_stack.issuer), WWI_SERVICE_URL=wwi.url)
    try:
        result = _make_verify(live_stack, gateway.url, user_token)
    finally:
        gateway.stop()
    assert result.returncode != 0, result.stdout + result.stderr  # make: 2, the script: 1
    expected = {**dict.fromkeys(range(1, 9), "passed"), 7: "failed"}
    assert _statuses(result.stdout) == expected, result.stdout
    assert "wwi-service" in result.stdout  # the failure names the service that is down


def test_tokens_from_the_local_provider(live_stack: Stack) -> None:
    assert live_stack.issuer is not None
    # The SPA's flow: a public client, Authorization Code + PKCE through the login page.
    spa = get_user_token(
        live_stack.issuer,
        client_id=FRONTEND_CLIENT_ID,
        client_secret=None,
        redirect_uri="http://localhost:5173/callback",
        resource="urn:otel-bi:api",
    )
    ok = httpx.get(
        f"{live_stack.gateway}/api/wwi/sales/kpis",
        headers={"Authorization": f"Bearer {spa}"},
        timeout=TIMEOUT,
    )
    assert ok.status_code == 200, ok.text
    # A token the same provider issued for another API is refused.
    other = get_client_credentials_token(
        live_stack.issuer, scope="telemetry.write", resource="urn:otel-bi:telemetry"
    )
    refused = httpx.get(
        f"{live_stack.gateway}/api/wwi/sales/kpis",
        headers={"Authorization": f"Bearer {other}"},
        timeout=TIMEOUT,
    )
    assert refused.status_code == 401
    assert refused.json()["detail"] == "token audience is not accepted"


def test_services_refuse_calls_without_their_own_internal_token(live_stack: Stack) -> None:
    settings = build_settings(
        _env_file=None,
        internal_service_shared_secret=live_stack.env["INTERNAL_SERVICE_SHARED_SECRET"],
    )
    direct = httpx.get(f"{live_stack.aw}/api/aw/sales/kpis", timeout=TIMEOUT)
    assert direct.status_code == 401
    wrong = mint_internal_token(settings, audience="wwi-service", subject="x", scopes=[API_SCOPE])
    refused = httpx.get(
        f"{live_stack.aw}/api/aw/sales/kpis",
        headers={"Authorization": f"Bearer {wrong}"},
        timeout=TIMEOUT,
    )
    assert refused.status_code == 401
    right = mint_internal_token(settings, audience="aw-service", subject="x", scopes=[API_SCOPE])
    accepted = httpx.get(
        f"{live_stack.aw}/api/aw/sales/kpis",
        headers={"Authorization": f"Bearer {right}"},
        timeout=TIMEOUT,
    )
    assert accepted.status_code == 200
