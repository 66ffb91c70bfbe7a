"""Live AdventureWorks analytics: KPIs, history, forecast, rep scores, product demand.

Each call is audited once (action `sales.kpis`, ... with the effective parameters); a warehouse
without orders (or too little history to forecast) is the shared 503 naming what is missing
(`NoSalesData` and `NotEnoughHistory` are `NoWarehouseData`). Responses are
serialised straight from the computed model (it was validated when built), so the service adds
no second validation pass; `response_model` still documents every field in OpenAPI.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel

from services.aw_service import analytics
from services.aw_service.models import (
    ProductDemandReport,
    RepScores,
    SalesForecast,
    SalesHistory,
    SalesKpis,
)
from services.aw_service.params import DaysBack, HorizonDays, TopN, Year
from shared.core.deps import Ctx

router = APIRouter(tags=["aw analytics"])


def json_response(model: BaseModel) -> Response:
    return Response(model.model_dump_json(), media_type="application/json")


@router.get("/sales/kpis", response_model=SalesKpis)
async def sales_kpis(ctx: Ctx, year: Year = None) -> Response:
    """Revenue per channel and in total, orders, units, average order value, gross margin and
    margin % for the whole warehouse and for `year` against the year before, with growth."""
    result = await ctx.audited(
        "sales.kpis",
        {"year": year},
        lambda: analytics.sales_kpis(ctx.warehouse, year),
    )
    return json_response(result)


@router.get("/sales/history", response_model=SalesHistory)
async def sales_history(ctx: Ctx, days_back: DaysBack = None) -> Response:
    """Daily and monthly revenue, orders and units per channel for the last `days_back` days
    of the warehouse (zero-filled)."""
    days = days_back or ctx.settings.default_history_days
    result = await ctx.audited(
        "sales.history",
        {"days_back": days},
        lambda: analytics.sales_history(ctx.warehouse, days),
    )
    return json_response(result)


@router.get("/sales/forecast", response_model=SalesForecast)
async def sales_forecast(ctx: Ctx, horizon_days: HorizonDays = None) -> Response:
    """Daily revenue forecast after the latest order date: linear and seasonal regressions
    backtested on held-back days; the better one's points with 95 % prediction intervals."""
    horizon = horizon_days or ctx.settings.forecast_horizon_days
    result = await ctx.audited(
        "sales.forecast",
        {"horizon_days": horizon},
        lambda: analytics.sales_forecast(ctx.warehouse, horizon),
    )
    return json_response(result)


@router.get("/reps/scores", response_model=RepScores)
async def rep_scores(ctx: Ctx, top_n: TopN = None, year: Year = None) -> Response:
    """Sales reps ranked by score: reseller revenue, orders and quota attainment of `year`."""
    count = top_n or ctx.settings.ranking_default_top_n
    result = await ctx.audited(
        "reps.scores",
        {"top_n": count, "year": year},
        lambda: analytics.rep_scores(ctx.warehouse, count, year),
    )
    return json_response(result)


@router.get("/products/demand", response_model=ProductDemandReport)
async def product_demand(ctx: Ctx, top_n: TopN = None) -> Response:
    """Products by units over the last 12 complete months: revenue, share and monthly trend."""
    count = top_n or ctx.settings.ranking_default_top_n
    result = await ctx.audited(
        "products.demand",
        {"top_n": count},
        lambda: analytics.product_demand(ctx.warehouse, count),
    )
    return json_response(result)
