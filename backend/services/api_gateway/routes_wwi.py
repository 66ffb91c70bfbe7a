"""WideWorldImporters views, scenarios, stored records and exports, relayed to wwi-service.

Path, query string and scenario body go on exactly as received and wwi-service validates them
(its 422 naming the field comes back as is); the parameters, body and response schemas in the
gateway's OpenAPI are wwi-service's own (`openapi.py`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from services.api_gateway.auth import PROXY_RESPONSES, Principal, upstream

router = APIRouter(prefix="/api/wwi", tags=["wwi"], responses=PROXY_RESPONSES)


async def _relay(request: Request, principal: Principal) -> Response:
    return await upstream(request, "wwi").forward(request, principal, request.url.path)


@router.get("/sales/kpis")
async def wwi_sales_kpis(request: Request, principal: Principal) -> Response:
    """WWI sales KPIs."""
    return await _relay(request, principal)


@router.get("/stock/recommendations")
async def wwi_stock_recommendations(request: Request, principal: Principal) -> Response:
    """WWI reorder recommendations."""
    return await _relay(request, principal)


@router.get("/suppliers/scores")
async def wwi_supplier_scores(request: Request, principal: Principal) -> Response:
    """WWI supplier scores (`?top_n=`)."""
    return await _relay(request, principal)


@router.get("/events")
async def wwi_events(request: Request, principal: Principal) -> Response:
    """WWI business events (`?limit=`)."""
    return await _relay(request, principal)


@router.get("/scenarios")
async def wwi_list_scenarios(request: Request, principal: Principal) -> Response:
    """List what-if scenarios."""
    return await _relay(request, principal)


@router.post("/scenarios", status_code=201)
async def wwi_create_scenario(request: Request, principal: Principal) -> Response:
    """Create what-if scenario (JSON body, at most 256 KiB)."""
    return await _relay(request, principal)


@router.get("/records/reorder-recommendations")
async def wwi_records_reorder(request: Request, principal: Principal) -> Response:
    """Stored WWI reorder records."""
    return await _relay(request, principal)


@router.get("/records/supplier-scores")
async def wwi_records_supplier_scores(request: Request, principal: Principal) -> Response:
    """Stored WWI supplier scores."""
    return await _relay(request, principal)


@router.get("/export/stock-recommendations")
async def wwi_export_stock_recommendations(request: Request, principal: Principal) -> Response:
    """Download the WWI reorder recommendations (`?format=xlsx|pdf`), streamed."""
    return await _relay(request, principal)


@router.get("/export/supplier-scores")
async def wwi_export_supplier_scores(request: Request, principal: Principal) -> Response:
    """Download the WWI supplier scores (`?format=xlsx|pdf`), streamed."""
    return await _relay(request, principal)


@router.get("/export/business-events")
async def wwi_export_business_events(request: Request, principal: Principal) -> Response:
    """Download the WWI business events (`?format=xlsx|pdf`), streamed."""
    return await _relay(request, principal)
