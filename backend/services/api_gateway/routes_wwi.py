"""WideWorldImporters views, scenarios, stored records and exports, relayed to wwi-service.

The query parameters are declared here for validation and the OpenAPI document; the query string
and the scenario body are passed on as received, so wwi-service sees exactly what the caller sent.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from services.api_gateway.auth import PROXY_RESPONSES, Principal, upstream
from services.api_gateway.params import Format, Limit, Offset, TopN

router = APIRouter(prefix="/api/wwi", tags=["wwi"], responses=PROXY_RESPONSES)

EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The view as a file (Content-Disposition: attachment)"}
}
SCENARIO_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The what-if scenario; validated by wwi-service (see its OpenAPI)",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


async def _relay(request: Request, principal: Principal) -> Response:
    return await upstream(request, "wwi").forward(request, principal, request.url.path)


@router.get("/sales/kpis")
async def wwi_sales_kpis(request: Request, principal: Principal) -> Response:
    """WWI sales KPIs over the latest period."""
    return await _relay(request, principal)


@router.get("/stock/recommendations")
async def wwi_stock_recommendations(request: Request, principal: Principal) -> Response:
    """WWI reorder recommendations for stock items running low."""
    return await _relay(request, principal)


@router.get("/suppliers/scores")
async def wwi_supplier_scores(
    request: Request, principal: Principal, top_n: TopN = None
) -> Response:
    """WWI supplier reliability scores, best `top_n` first."""
    return await _relay(request, principal)


@router.get("/events")
async def wwi_events(request: Request, principal: Principal, limit: Limit = None) -> Response:
    """WWI stock-level business events, newest first."""
    return await _relay(request, principal)


@router.get("/scenarios")
async def wwi_list_scenarios(request: Request, principal: Principal) -> Response:
    """Stored WWI what-if scenarios."""
    return await _relay(request, principal)


@router.post("/scenarios", openapi_extra=SCENARIO_BODY, status_code=201)
async def wwi_create_scenario(request: Request, principal: Principal) -> Response:
    """Run and store a WWI what-if scenario (JSON body, validated by wwi-service)."""
    return await _relay(request, principal)


@router.get("/records/reorder-recommendations")
async def wwi_records_reorder(
    request: Request, principal: Principal, limit: Limit = None, offset: Offset = 0
) -> Response:
    """Stored WWI reorder recommendations, newest first."""
    return await _relay(request, principal)


@router.get("/records/supplier-scores")
async def wwi_records_supplier_scores(
    request: Request, principal: Principal, limit: Limit = None, offset: Offset = 0
) -> Response:
    """Stored WWI supplier score snapshots, newest first."""
    return await _relay(request, principal)


@router.get("/export/stock-recommendations", responses=EXPORT_RESPONSES)
async def wwi_export_stock_recommendations(
    request: Request, principal: Principal, format: Format
) -> Response:
    """Download the WWI reorder recommendations as XLSX or PDF."""
    return await _relay(request, principal)


@router.get("/export/supplier-scores", responses=EXPORT_RESPONSES)
async def wwi_export_supplier_scores(
    request: Request, principal: Principal, format: Format, top_n: TopN = None
) -> Response:
    """Download the WWI supplier scores as XLSX or PDF."""
    return await _relay(request, principal)


@router.get("/export/business-events", responses=EXPORT_RESPONSES)
async def wwi_export_business_events(
    request: Request, principal: Principal, format: Format, limit: Limit = None
) -> Response:
    """Download the WWI business events as XLSX or PDF."""
    return await _relay(request, principal)
