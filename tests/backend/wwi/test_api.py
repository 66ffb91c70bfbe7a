"""wwi-service over real HTTP: every /api/wwi view answers what the analytics compute, is
audited once, refuses bad input with a 422 naming the field, and requires an internal token."""

from __future__ import annotations

import io

import httpx
import openpyxl
import pypdf
import pytest

from demo import wwi_planted
from services.wwi_service.analytics import recommendations, stock_snapshot, supplier_scores
from shared.core.warehouse import WarehouseClient
from tests.backend.wwi.conftest import LiveService, auth, sql

VIEWS = [
    "/api/wwi/sales/kpis",
    "/api/wwi/stock/recommendations",
    "/api/wwi/suppliers/scores",
    "/api/wwi/events",
    "/api/wwi/scenarios",
    "/api/wwi/records/reorder-recommendations",
    "/api/wwi/records/supplier-scores",
    "/api/wwi/jobs",
    "/api/wwi/export/stock-recommendations?format=xlsx",
]


@pytest.mark.parametrize("path", VIEWS)
def test_every_view_requires_an_internal_token_for_this_service(
    wwi_service: LiveService, path: str
) -> None:
    missing = httpx.get(wwi_service.url + path)
    assert missing.status_code == 401
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.headers["www-authenticate"].startswith("Bearer")
    other = httpx.get(
        wwi_service.url + path, headers=auth(wwi_service.settings, audience="aw-service")
    )
    assert other.status_code == 401
    forged = httpx.get(wwi_service.url + path, headers={"Authorization": "Bearer abc.def.ghi"})
    assert forged.status_code == 401


def test_health_and_ready_are_open(wwi_service: LiveService) -> None:
    assert httpx.get(wwi_service.url + "/health").json() == {"status": "ok"}
    ready = httpx.get(wwi_service.url + "/ready").json()
    assert ready == {"status": "ready", "checks": {"warehouse": "ok", "postgres": "ok"}}


def test_kpis_answer_and_write_one_audit_row(wwi_service: LiveService) -> None:
    before = sql(wwi_service.postgres_url, "SELECT count(*) AS n FROM audit_log")[0]["n"]
    response = wwi_service.get("/api/wwi/sales/kpis", params={"days": 90})
    assert response.status_code == 200
    body = response.json()
    assert body["days"] == 90 and body["period"]["end"] == body["anchor_date"]
    assert body["current"]["revenue"] > 0 and 0 < body["current"]["margin"] < 1
    rows = sql(
        wwi_service.postgres_url,
        "SELECT domain, action, actor, outcome, parameters, trace_id FROM audit_log "
        "WHERE id > (SELECT coalesce(max(id), 0) - 1 FROM audit_log)",
    )
    after = sql(wwi_service.postgres_url, "SELECT count(*) AS n FROM audit_log")[0]["n"]
    assert after == before + 1
    (row,) = rows
    assert (row["domain"], row["action"], row["actor"], row["outcome"]) == (
        "wwi",
        "sales.kpis",
        "alice",
        "success",
    )
    assert '"days": 90' in row["parameters"]
    assert row["trace_id"] == response.headers["x-trace-id"]


async def test_recommendations_endpoint_serves_the_analytics(
    wwi_service: LiveService, demo_wh: WarehouseClient
) -> None:
    response = wwi_service.get("/api/wwi/stock/recommendations")
    assert response.status_code == 200
    body = response.json()
    want = recommendations((await stock_snapshot(demo_wh)).positions)
    assert [i["stock_item_key"] for i in body["items"]] == [r.stock_item_key for r in want]
    assert body["count"] == len(want)
    planted = {c.stock_item_key for c in wwi_planted.BELOW_REORDER}
    assert planted <= {i["stock_item_key"] for i in body["items"]}
    critical = wwi_service.get("/api/wwi/stock/recommendations", params={"urgency": "critical"})
    assert {i["urgency"] for i in critical.json()["items"]} == {"critical"}
    assert 77 in {i["stock_item_key"] for i in critical.json()["items"]}


async def test_supplier_scores_top_n(wwi_service: LiveService, demo_wh: WarehouseClient) -> None:
    want = (await supplier_scores(demo_wh, days=365)).suppliers
    top = wwi_service.get("/api/wwi/suppliers/scores", params={"top_n": 2}).json()
    assert [s["supplier"] for s in top["items"]] == [s.supplier for s in want[:2]]
    assert [s["rank"] for s in top["items"]] == [1, 2]
    everyone = wwi_service.get("/api/wwi/suppliers/scores", params={"top_n": 1000}).json()
    assert everyone["items"][-1]["supplier"] == wwi_planted.UNRELIABLE_SUPPLIER
    assert everyone["items"][-1]["fill_rate"] == pytest.approx(want[-1].fill_rate, abs=1e-6)
    assert everyone["weights"] == {"fill_rate": 0.4, "finalized_share": 0.3, "lead_time": 0.3}


@pytest.mark.parametrize(
    ("path", "field", "hint"),
    [
        ("/api/wwi/sales/kpis?days=0", "days", "1"),
        ("/api/wwi/sales/kpis?days=abc", "days", "integer"),
        ("/api/wwi/suppliers/scores?top_n=5000", "top_n", "1000"),
        ("/api/wwi/stock/recommendations?urgency=panic", "urgency", "critical"),
        ("/api/wwi/events?limit=0", "limit", "1"),
        ("/api/wwi/events?event_type=flood", "event_type", "demand_spike"),
        ("/api/wwi/events?offset=-1", "offset", "0"),
        ("/api/wwi/records/reorder-recommendations?run_id=" + "x" * 65, "run_id", "64"),
        ("/api/wwi/records/supplier-scores?run_id=1%00", "run_id", "pattern"),
        ("/api/wwi/export/supplier-scores?format=docx", "format", "xlsx"),
        ("/api/wwi/export/business-events", "format", "required"),
    ],
)
def test_bad_query_is_422_naming_the_field(
    wwi_service: LiveService, path: str, field: str, hint: str
) -> None:
    response = wwi_service.get(path)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert [e["field"] for e in body["errors"]] == [field]
    assert hint in response.text
    assert "Traceback" not in response.text


def test_stock_recommendations_export_xlsx_is_recorded(wwi_service: LiveService) -> None:
    response = wwi_service.get("/api/wwi/export/stock-recommendations", params={"format": "xlsx"})
    assert response.status_code == 200
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="wwi-stock-recommendations-')
    assert disposition.endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values = [row for row in sheet.iter_rows(values_only=True) if row and row[0] is not None]
    header = next(i for i, row in enumerate(values) if row[0] == "Stock Item Key")
    keys = {row[0] for row in values[header + 1 :]}
    assert {c.stock_item_key for c in wwi_planted.BELOW_REORDER} <= keys
    exports = sql(
        wwi_service.postgres_url,
        "SELECT view, format, actor, row_count FROM export_records ORDER BY id DESC LIMIT 1",
    )
    assert tuple(exports[0]) == ("stock-recommendations", "xlsx", "alice", len(keys))
    audit = sql(wwi_service.postgres_url, "SELECT action FROM audit_log ORDER BY id DESC LIMIT 1")
    assert audit[0]["action"] == "export.stock-recommendations"


def test_supplier_scores_export_pdf_has_the_suppliers(wwi_service: LiveService) -> None:
    response = wwi_service.get(
        "/api/wwi/export/supplier-scores", params={"format": "pdf", "top_n": 50}
    )
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response.headers["content-type"] == "application/pdf"
    text = "".join(
        page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages
    )
    assert "WWI supplier scores" in text
    assert wwi_planted.UNRELIABLE_SUPPLIER in text


def test_openapi_documents_every_spec_path(wwi_service: LiveService) -> None:
    paths = set(httpx.get(wwi_service.url + "/openapi.json").json()["paths"])
    assert {
        "/api/wwi/sales/kpis", "/api/wwi/stock/recommendations", "/api/wwi/suppliers/scores",
        "/api/wwi/events", "/api/wwi/scenarios", "/api/wwi/records/reorder-recommendations",
        "/api/wwi/records/supplier-scores", "/api/wwi/export/stock-recommendations",
        "/api/wwi/export/supplier-scores", "/api/wwi/export/business-events", "/api/wwi/jobs",
        "/health", "/ready",
    } <= paths  # fmt: skip
