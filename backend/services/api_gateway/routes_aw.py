"""AdventureWorks views, stored records and per-view exports, relayed to aw-service unchanged.

The query parameters are declared here for validation and the OpenAPI document; the query string
itself is passed on as received, so aw-service sees exactly what the caller sent.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from services.api_gateway.auth import PROXY_RESPONSES, Principal, upstream
from services.api_gateway.params import DaysBack, Format, HorizonDays, Limit, Offset, TopN

router = APIRouter(prefix="/api/aw", tags=["aw"], responses=PROXY_RESPONSES)


async def _relay(request: Request, principal: Principal) -> Response:
    return await upstream(request, "aw").forward(request, principal, request.url.path)


@router.get("/sales/kpis")
async def aw_sales_kpis(request: Request, principal: Principal) -> Response:
    """AW sales KPIs: revenue, orders, customers and growth over the latest period."""
    return await _relay(request, principal)


@router.get("/sales/history")
async def aw_sales_history(
    request: Request, principal: Principal, days_back: DaysBack = None
) -> Response:
    """AW daily sales history for the last `days_back` days of the warehouse."""
    return await _relay(request, principal)


@router.get("/sales/forecast")
async def aw_sales_forecast(
    request: Request, principal: Principal, horizon_days: HorizonDays = None
) -> Response:
    """AW linear-regression sales forecast `horizon_days` ahead."""
    return await _relay(request, principal)


@router.get("/reps/scores")
async def aw_rep_scores(request: Request, principal: Principal, top_n: TopN = None) -> Response:
    """AW sales rep scores, best `top_n` first."""
    return await _relay(request, principal)


@router.get("/products/demand")
async def aw_product_demand(request: Request, principal: Principal, top_n: TopN = None) -> Response:
    """AW product demand, top `top_n` products."""
    return await _relay(request, principal)


@router.get("/records/forecasts")
async def aw_records_forecasts(
    request: Request, principal: Principal, limit: Limit = None, offset: Offset = 0
) -> Response:
    """Stored AW forecast points written by the scheduled forecast job, newest first."""
    return await _relay(request, principal)


@router.get("/records/rep-scores")
async def aw_records_rep_scores(
    request: Request, principal: Principal, limit: Limit = None, offset: Offset = 0
) -> Response:
    """Stored AW rep score snapshots, newest first."""
    return await _relay(request, principal)


@router.get("/records/product-demand")
async def aw_records_product_demand(
    request: Request, principal: Principal, limit: Limit = None, offset: Offset = 0
) -> Response:
    """Stored AW product demand snapshots, newest first."""
    return await _relay(request, principal)


EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The view as a file (Content-Disposition: attachment)"}
}


@router.get("/export/sales-history", responses=EXPORT_RESPONSES)
async def aw_export_sales_history(
    request: Request, principal: Principal, format: Format, days_back: DaysBack = None
) -> Response:
    """Download the AW sales history as XLSX or PDF."""
    return await _relay(request, principal)


@router.get("/export/sales-forecast", responses=EXPORT_RESPONSES)
async def aw_export_sales_forecast(
    request: Request, principal: Principal, format: Format, horizon_days: HorizonDays = None
) -> Response:
    """Download the AW sales forecast as XLSX or PDF."""
    return await _relay(request, principal)


@router.get("/export/rep-scores", responses=EXPORT_RESPONSES)
async def aw_export_rep_scores(
    request: Request, principal: Principal, format: Format, top_n: TopN = None
) -> Response:
    """Download the AW rep scores as XLSX or PDF."""
    return await _relay(request, principal)


@router.get("/export/product-demand", responses=EXPORT_RESPONSES)
async def aw_export_product_demand(
    request: Request, principal: Principal, format: Format, top_n: TopN = None
) -> Response:
    """Download the AW product demand as XLSX or PDF."""
    return await _relay(request, principal)
