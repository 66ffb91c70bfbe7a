"""Per-view downloads (XLSX, PDF, CSV) of the four AdventureWorks views.

Each export computes the same view as its JSON endpoint, with the same parameters and defaults,
and hands the rows to the shared export writer, which neutralises formula-like cells, records
`export_records` and one `audit_log` row (`export.<view>`), and names the file.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from services.aw_service import analytics
from services.aw_service.routes_analytics import DaysBack, HorizonDays, TopN, computed
from services.aw_service.views import (
    forecast_table,
    history_table,
    product_demand_table,
    rep_scores_table,
)
from shared.core.deps import Ctx
from shared.core.export import MEDIA_TYPES, ExportFormat

router = APIRouter(prefix="/export", tags=["aw exports"])

Format = Annotated[ExportFormat, Query(description="File format: xlsx, pdf or csv")]
DOWNLOAD: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The view as a file (Content-Disposition: attachment; filename=...)",
        "content": {media: {} for media in MEDIA_TYPES.values()},
    }
}


@router.get("/sales-history", response_class=Response, responses=DOWNLOAD)
async def export_sales_history(ctx: Ctx, format: Format, days_back: DaysBack = None) -> Response:
    """The daily sales history (same rows as /sales/history `daily`), with a revenue chart."""
    days = days_back or ctx.settings.default_history_days
    history = await computed(lambda: analytics.sales_history(ctx.warehouse, days))
    return await ctx.export(view="sales-history", fmt=format, table=history_table(history),
                            parameters={"days_back": days})  # fmt: skip


@router.get("/sales-forecast", response_class=Response, responses=DOWNLOAD)
async def export_sales_forecast(
    ctx: Ctx, format: Format, horizon_days: HorizonDays = None
) -> Response:
    """The forecast points (same rows as /sales/forecast `points`), with a chart."""
    horizon = horizon_days or ctx.settings.forecast_horizon_days
    forecast = await computed(lambda: analytics.sales_forecast(ctx.warehouse, horizon))
    return await ctx.export(view="sales-forecast", fmt=format, table=forecast_table(forecast),
                            parameters={"horizon_days": horizon})  # fmt: skip


@router.get("/rep-scores", response_class=Response, responses=DOWNLOAD)
async def export_rep_scores(ctx: Ctx, format: Format, top_n: TopN = None) -> Response:
    """The rep ranking (same rows as /reps/scores `reps`)."""
    count = top_n or ctx.settings.ranking_default_top_n
    scores = await computed(lambda: analytics.rep_scores(ctx.warehouse, count))
    return await ctx.export(view="rep-scores", fmt=format, table=rep_scores_table(scores),
                            parameters={"top_n": count})  # fmt: skip


@router.get("/product-demand", response_class=Response, responses=DOWNLOAD)
async def export_product_demand(ctx: Ctx, format: Format, top_n: TopN = None) -> Response:
    """The product ranking (same rows as /products/demand `products`)."""
    count = top_n or ctx.settings.ranking_default_top_n
    demand = await computed(lambda: analytics.product_demand(ctx.warehouse, count))
    return await ctx.export(view="product-demand", fmt=format,
                            table=product_demand_table(demand),
                            parameters={"top_n": count})  # fmt: skip
