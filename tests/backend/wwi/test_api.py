"""wwi-service over real HTTP: every /api/wwi view answers what the analytics compute, writes
exactly one audit row per call, refuses bad input with a 422 naming the field, and requires a
valid, unexpired internal token for wwi-service. Exports: `test_exports.py`."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jwt
import pytest

from demo import wwi_planted
from services.wwi_service.analytics import all_supplier_scores, recommendations, stock_snapshot
from shared.core.config import Settings
from shared.core.warehouse import WarehouseClient
from tests.backend.wwi.conftest import SECRET, LiveService, auth, sql

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
    "/api/wwi/export/supplier-scores?format=pdf",
    "/api/wwi/export/business-events?format=csv",
]


def expired(settings: Settings) -> dict[str, str]:
    """A token valid in every way but its expiry: minted for wwi-service, then backdated."""
    minted = auth(settings)["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(minted, options={"verify_signature": False})
    claims.update(iat=claims["iat"] - 600, nbf=claims["nbf"] - 600, exp=claims["iat"] - 300)
    return {"Authorization": "Bearer " + jwt.encode(claims, SECRET, algorithm="HS256")}


@pytest.mark.parametrize("path", VIEWS)
def test_every_view_requires_an_internal_token_for_this_service(
    wwi_service: LiveService, path: str
) -> None:
    audited = sql(wwi_service.postgres_url, "SELECT count(*) AS n FROM audit_log")[0]["n"]
    missing = httpx.get(wwi_service.url + path)
    assert missing.status_code == 401
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.headers["www-authenticate"].startswith("Bearer")
    for name, headers in {
        "wrong aud": auth(wwi_service.settings, audience="aw-service"),
        "forged": {"Authorization": "Bearer abc.def.ghi"},
        "expired": expired(wwi_service.settings),
    }.items():
        refused = httpx.get(wwi_service.url + path, headers=headers)
        assert refused.status_code == 401, (name, refused.text)
        assert refused.json()["status"] == 401, name
    assert httpx.get(wwi_service.url + path, headers=auth(wwi_service.settings)).status_code < 300
    # The four refusals wrote nothing; the accepted call its one row.
    after = sql(wwi_service.postgres_url, "SELECT count(*) AS n FROM audit_log")[0]["n"]
    assert after == audited + 1


def test_health_and_ready_are_open(wwi_service: LiveService) -> None:
    assert httpx.get(wwi_service.url + "/health").json() == {"status": "ok"}
    ready = httpx.get(wwi_service.url + "/ready").json()
    assert ready == {"status": "ready", "checks": {"warehouse": "ok", "postgres": "ok"}}


CALLS = [
    # (method, path, JSON body, audit action, parameters the row must carry)
    ("GET", "/api/wwi/sales/kpis?days=90", None, "sales.kpis", {"days": 90}),
    ("GET", "/api/wwi/stock/recommendations?urgency=high", None, "stock.recommendations",
     {"urgency": "high", "limit": 100}),
    ("GET", "/api/wwi/suppliers/scores?top_n=3", None, "suppliers.scores", {"top_n": 3}),
    ("GET", "/api/wwi/events?event_type=stock_out&offset=2", None, "events.list",
     {"event_type": "stock_out", "offset": 2, "open_only": False}),
    ("GET", "/api/wwi/scenarios?limit=5", None, "scenarios.list", {"limit": 5, "offset": 0}),
    ("POST", "/api/wwi/scenarios", {"demand_change_pct": 10, "horizon_days": 7},
     "scenarios.create", {"demand_change_pct": 10.0, "horizon_days": 7}),
    ("GET", "/api/wwi/records/reorder-recommendations?run_id=7", None,
     "records.reorder_recommendations", {"run_id": "7"}),
    ("GET", "/api/wwi/records/supplier-scores?limit=2", None, "records.supplier_scores",
     {"limit": 2}),
    ("GET", "/api/wwi/jobs?job_id=wwi.hourly.events", None, "jobs.history",
     {"job_id": "wwi.hourly.events"}),
    ("GET", "/api/wwi/export/stock-recommendations?format=csv&urgency=critical", None,
     "export.stock-recommendations", {"format": "csv", "urgency": "critical"}),
    ("GET", "/api/wwi/export/supplier-scores?format=xlsx&top_n=4", None,
     "export.supplier-scores", {"format": "xlsx", "top_n": 4}),
    ("GET", "/api/wwi/export/business-events?format=pdf&open_only=true", None,
     "export.business-events", {"format": "pdf", "open_only": True}),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body", "action", "parameters"), CALLS,
                         ids=[c[3] for c in CALLS])  # fmt: skip
def test_each_call_writes_exactly_one_audit_row(
    wwi_service: LiveService,
    method: str,
    path: str,
    body: Any,
    action: str,
    parameters: dict[str, Any],
) -> None:
    def count(table: str) -> int:
        return int(sql(wwi_service.postgres_url, f"SELECT count(*) AS n FROM {table}")[0]["n"])

    audited, exported = count("audit_log"), count("export_records")
    response = wwi_service.post(path, body) if method == "POST" else wwi_service.get(path)
    assert response.status_code in (200, 201), response.text
    assert count("audit_log") == audited + 1
    assert count("export_records") == exported + (1 if action.startswith("export.") else 0)
    (row,) = sql(
        wwi_service.postgres_url,
        "SELECT domain, action, actor, outcome, status_code, parameters, trace_id "
        "FROM audit_log ORDER BY id DESC LIMIT 1",
    )
    assert (row["domain"], row["action"], row["actor"], row["outcome"], row["status_code"]) == (
        "wwi", action, "alice", "success", 200,
    )  # fmt: skip
    stored = json.loads(row["parameters"])
    assert {key: stored.get(key) for key in parameters} == parameters
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
    want = (await all_supplier_scores(demo_wh, days=365)).suppliers
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


def test_openapi_documents_every_spec_path(wwi_service: LiveService) -> None:
    paths = set(httpx.get(wwi_service.url + "/openapi.json").json()["paths"])
    assert {
        "/api/wwi/sales/kpis", "/api/wwi/stock/recommendations", "/api/wwi/suppliers/scores",
        "/api/wwi/events", "/api/wwi/scenarios", "/api/wwi/records/reorder-recommendations",
        "/api/wwi/records/supplier-scores", "/api/wwi/export/stock-recommendations",
        "/api/wwi/export/supplier-scores", "/api/wwi/export/business-events", "/api/wwi/jobs",
        "/health", "/ready",
    } <= paths  # fmt: skip
