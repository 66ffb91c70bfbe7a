"""AdventureWorks views, stored records and per-view exports, relayed to aw-service unchanged.

Path and query string go on exactly as received and aw-service validates them (its 422 naming
the field comes back as is); the parameters and response schemas in the gateway's OpenAPI are
aw-service's own (`openapi.py`), so there is one source of truth for them.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from services.api_gateway.auth import PROXY_RESPONSES, Principal, upstream

router = APIRouter(prefix="/api/aw", tags=["aw"], responses=PROXY_RESPONSES)


async def _relay(request: Request, principal: Principal) -> Response:
    return await upstream(request, "aw").forward(request, principal, request.url.path)


@router.get("/sales/kpis")
async def aw_sales_kpis(request: Request, principal: Principal) -> Response:
    """AW sales KPIs."""
    return await _relay(request, principal)


@router.get("/sales/history")
async def aw_sales_history(request: Request, principal: Principal) -> Response:
    """AW sales history (`?days_back=`)."""
    return await _relay(request, principal)


@router.get("/sales/forecast")
async def aw_sales_forecast(request: Request, principal: Principal) -> Response:
    """AW sales forecast (`?horizon_days=`)."""
    return await _relay(request, principal)


@router.get("/reps/scores")
async def aw_rep_scores(request: Request, principal: Principal) -> Response:
    """AW rep scores (`?top_n=`)."""
    return await _relay(request, principal)


@router.get("/products/demand")
async def aw_product_demand(request: Request, principal: Principal) -> Response:
    """AW product demand (`?top_n=`)."""
    return await _relay(request, principal)


@router.get("/records/forecasts")
async def aw_records_forecasts(request: Request, principal: Principal) -> Response:
    """Stored AW forecasts."""
    return await _relay(request, principal)


@router.get("/records/rep-scores")
async def aw_records_rep_scores(request: Request, principal: Principal) -> Response:
    """Stored AW rep scores."""
    return await _relay(request, principal)


@router.get("/records/product-demand")
async def aw_records_product_demand(request: Request, principal: Principal) -> Response:
    """Stored AW product demand."""
    return await _relay(request, principal)


@router.get("/export/sales-history")
async def aw_export_sales_history(request: Request, principal: Principal) -> Response:
    """Download the AW sales history (`?format=xlsx|pdf`), streamed."""
    return await _relay(request, principal)


@router.get("/export/sales-forecast")
async def aw_export_sales_forecast(request: Request, principal: Principal) -> Response:
    """Download the AW sales forecast (`?format=xlsx|pdf`), streamed."""
    return await _relay(request, principal)


@router.get("/export/rep-scores")
async def aw_export_rep_scores(request: Request, principal: Principal) -> Response:
    """Download the AW rep scores (`?format=xlsx|pdf`), streamed."""
    return await _relay(request, principal)


@router.get("/export/product-demand")
async def aw_export_product_demand(request: Request, principal: Principal) -> Response:
    """Download the AW product demand (`?format=xlsx|pdf`), streamed."""
    return await _relay(request, principal)
