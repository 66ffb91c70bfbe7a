"""Per-view downloads (XLSX, PDF, CSV) of the four AdventureWorks views.

Each export computes the same view as its JSON endpoint, with the same parameters and defaults,
and hands it to the shared export path (`AnalyticsContext.export`), which neutralises
formula-like cells, records `export_records` and one `audit_log` row (`export.<view>`), names
the file, and audits a view that cannot be computed (warehouse down, no data) as one failed
`export.<view>` row.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from services.aw_service import analytics
from services.aw_service.params import DaysBack, HorizonDays, TopN, Year
from services.aw_service.tables import (
    forecast_table,
    history_table,
    product_demand_table,
    rep_scores_table,
)
from shared.core.deps import DOWNLOAD, Ctx, Format

router = APIRouter(prefix="/export", tags=["aw exports"])


@router.get("/sales-history", response_class=Response, responses=DOWNLOAD)
async def export_sales_history(ctx: Ctx, format: Format, days_back: DaysBack = None) -> Response:
    """The daily sales history (same rows as /sales/history `daily`), with a revenue chart."""
    days = days_back or ctx.settings.default_history_days
    return await ctx.export(view="sales-history", fmt=format, parameters={"days_back": days},
                            compute=lambda: analytics.sales_history(ctx.warehouse, days),
                            table=history_table)  # fmt: skip


@router.get("/sales-forecast", response_class=Response, responses=DOWNLOAD)
async def export_sales_forecast(
    ctx: Ctx, format: Format, horizon_days: HorizonDays = None
) -> Response:
    """The forecast points (same rows as /sales/forecast `points`), with a chart."""
    horizon = horizon_days or ctx.settings.forecast_horizon_days
    return await ctx.export(view="sales-forecast", fmt=format,
                            parameters={"horizon_days": horizon},
                            compute=lambda: analytics.sales_forecast(ctx.warehouse, horizon),
                            table=forecast_table)  # fmt: skip


@router.get("/rep-scores", response_class=Response, responses=DOWNLOAD)
async def export_rep_scores(
    ctx: Ctx, format: Format, top_n: TopN = None, year: Year = None
) -> Response:
    """The rep ranking (same rows as /reps/scores `reps`, with the same `top_n` and `year`)."""
    count = top_n or ctx.settings.ranking_default_top_n
    return await ctx.export(view="rep-scores", fmt=format,
                            parameters={"top_n": count, "year": year},
                            compute=lambda: analytics.rep_scores(ctx.warehouse, count, year),
                            table=rep_scores_table)  # fmt: skip


@router.get("/product-demand", response_class=Response, responses=DOWNLOAD)
async def export_product_demand(ctx: Ctx, format: Format, top_n: TopN = None) -> Response:
    """The product ranking (same rows as /products/demand `products`)."""
    count = top_n or ctx.settings.ranking_default_top_n
    return await ctx.export(view="product-demand", fmt=format, parameters={"top_n": count},
                            compute=lambda: analytics.product_demand(ctx.warehouse, count),
                            table=product_demand_table)  # fmt: skip
