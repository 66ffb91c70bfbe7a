"""aw-service over real HTTP: every analytics endpoint, its audit row, bad input and OpenAPI.

The JSON each endpoint returns must equal the analytic computed directly on the same warehouse
(whose figures the analytics tests check against independent SQL), and each call must leave
exactly one `audit_log` row naming the action, the caller, the effective parameters and the
trace id the response carried.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from pydantic import BaseModel

from services.aw_service import analytics
from shared.core.warehouse import WarehouseClient
from tests.backend.aw.support import LiveService

pytestmark = pytest.mark.timeout(180)

ENDPOINTS = [
    ("/api/aw/sales/kpis", {}, "sales.kpis", {"year": None}),
    ("/api/aw/sales/history", {"days_back": 90}, "sales.history", {"days_back": 90}),
    ("/api/aw/sales/history", {}, "sales.history", {"days_back": 365}),
    ("/api/aw/sales/forecast", {"horizon_days": 14}, "sales.forecast", {"horizon_days": 14}),
    ("/api/aw/sales/forecast", {}, "sales.forecast", {"horizon_days": 30}),
    ("/api/aw/reps/scores", {"top_n": 3}, "reps.scores", {"top_n": 3, "year": None}),
    ("/api/aw/products/demand", {}, "products.demand", {"top_n": 10}),
]


def audit_rows(service: LiveService) -> list[Any]:
    return service.sql("SELECT * FROM audit_log ORDER BY id")


@pytest.mark.parametrize(("path", "params", "action", "recorded"), ENDPOINTS)
async def test_endpoint_equals_the_analytic_and_writes_one_audit_row(
    aw_service: LiveService,
    aw_warehouse: WarehouseClient,
    path: str,
    params: dict[str, Any],
    action: str,
    recorded: dict[str, Any],
) -> None:
    before = len(audit_rows(aw_service))
    response = aw_service.get(path, **params)
    assert response.status_code == 200, response.text
    direct: Callable[[], Awaitable[BaseModel]] = {
        "sales.kpis": lambda: analytics.sales_kpis(aw_warehouse),
        "sales.history": lambda: analytics.sales_history(aw_warehouse, recorded["days_back"]),
        "sales.forecast": lambda: analytics.sales_forecast(aw_warehouse, recorded["horizon_days"]),
        "reps.scores": lambda: analytics.rep_scores(aw_warehouse, recorded["top_n"]),
        "products.demand": lambda: analytics.product_demand(aw_warehouse, recorded["top_n"]),
    }[action]
    assert response.json() == (await direct()).model_dump(mode="json")
    rows = audit_rows(aw_service)
    assert len(rows) == before + 1
    row = rows[-1]
    assert (row["domain"], row["action"], row["actor"], row["outcome"]) == (
        "aw",
        action,
        "alice",
        "success",
    )
    assert json.loads(row["parameters"]) == recorded
    assert row["trace_id"] == response.headers["x-trace-id"]
    assert row["duration_ms"] > 0


def test_forecast_returns_horizon_points_with_intervals_and_both_backtests(
    aw_service: LiveService,
) -> None:
    body = aw_service.get("/api/aw/sales/forecast", horizon_days=45).json()
    assert body["horizon_days"] == 45 and len(body["points"]) == 45
    assert {b["model"] for b in body["backtests"]} == {"linear", "seasonal"}
    assert all(b["mae"] > 0 and b["mape_pct"] is not None for b in body["backtests"])
    assert body["model"] in body["selection"]
    assert all(
        p["lower_bound"] <= p["predicted_revenue"] <= p["upper_bound"] for p in body["points"]
    )


@pytest.mark.parametrize(
    ("path", "field", "value", "bound"),
    [
        ("/api/aw/sales/history", "days_back", 0, "1"),
        ("/api/aw/sales/history", "days_back", 3661, "3660"),
        ("/api/aw/sales/forecast", "horizon_days", 0, "1"),
        ("/api/aw/sales/forecast", "horizon_days", 366, "365"),
        ("/api/aw/reps/scores", "top_n", 0, "1"),
        ("/api/aw/products/demand", "top_n", 1001, "1000"),
        ("/api/aw/records/forecasts", "limit", 0, "1"),
        ("/api/aw/records/rep-scores", "limit", 1001, "1000"),
        ("/api/aw/records/product-demand", "offset", -1, "0"),
        ("/api/aw/sales/history", "days_back", "ten", None),
    ],
)
def test_out_of_range_parameter_is_422_naming_field_and_range(
    aw_service: LiveService, path: str, field: str, value: object, bound: str | None
) -> None:
    before = len(audit_rows(aw_service))
    response = aw_service.get(path, **{field: value})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert [e["field"] for e in body["errors"]] == [field]
    if bound is not None:
        assert bound in body["detail"]
    assert len(audit_rows(aw_service)) == before  # rejected before any work


def test_year_outside_the_warehouse_is_422_naming_the_years(aw_service: LiveService) -> None:
    response = aw_service.get("/api/aw/sales/kpis", year=1999)
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["field"] == "year"
    assert "2010" in body["detail"] and "2013" in body["detail"]
    assert audit_rows(aw_service)[-1]["outcome"] == "rejected"


def test_kpis_for_a_given_year(aw_service: LiveService) -> None:
    body = aw_service.get("/api/aw/sales/kpis", year=2012).json()
    assert (body["year"], body["previous_year"]) == (2012, 2011)
    assert body["current"]["start"] == "2012-01-01" and body["current"]["end"] == "2012-12-31"


def test_openapi_documents_every_parameter_and_response(aw_service: LiveService) -> None:
    spec = aw_service.get("/openapi.json", headers={}).json()
    paths = spec["paths"]
    expected = {
        "/api/aw/sales/kpis": {"year"},
        "/api/aw/sales/history": {"days_back"},
        "/api/aw/sales/forecast": {"horizon_days"},
        "/api/aw/reps/scores": {"top_n", "year"},
        "/api/aw/products/demand": {"top_n"},
        "/api/aw/records/forecasts": {"limit", "offset", "run_id"},
        "/api/aw/records/rep-scores": {"limit", "offset", "run_id"},
        "/api/aw/records/product-demand": {"limit", "offset", "run_id"},
        "/api/aw/export/sales-history": {"format", "days_back"},
        "/api/aw/export/sales-forecast": {"format", "horizon_days"},
        "/api/aw/export/rep-scores": {"format", "top_n", "year"},
        "/api/aw/export/product-demand": {"format", "top_n"},
        "/api/aw/jobs": {"limit", "offset", "job_id"},
    }
    for path, names in expected.items():
        operation = paths[path]["get"]
        params = {p["name"]: p for p in operation["parameters"]}
        assert names == set(params), path
        assert all(p.get("description") for p in params.values()), path
        assert {"200", "401", "422"} <= set(operation["responses"]), path
        assert operation.get("description") or operation.get("summary"), path
    kpis = paths["/api/aw/sales/kpis"]["get"]["responses"]["200"]["content"]["application/json"]
    assert kpis["schema"]["$ref"].endswith("/SalesKpis")
    fields = spec["components"]["schemas"]["ChannelKpis"]["properties"]
    assert "SalesAmount" in fields["revenue"]["description"]
