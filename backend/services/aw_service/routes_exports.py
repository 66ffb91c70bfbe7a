"""Per-view downloads (XLSX, PDF, CSV) of the four AdventureWorks views.

Each export computes the same view as its JSON endpoint, with the same parameters and defaults,
and hands the rows to the shared export writer, which neutralises formula-like cells, records
`export_records` and one `audit_log` row (`export.<view>`), and names the file. A view that
cannot be computed (warehouse down, no data) is audited as one failed `export.<view>` row.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar, cast

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
from shared.core.errors import ProblemError
from shared.core.export import MEDIA_TYPES, ExportFormat

router = APIRouter(prefix="/export", tags=["aw exports"])
T = TypeVar("T")

Format = Annotated[ExportFormat, Query(description="File format: xlsx, pdf or csv")]


async def _view(
    ctx: Ctx, view: str, parameters: dict[str, Any], work: Callable[[], Awaitable[T]]
) -> T:
    """Compute the view; a failure is audited as `export.<view>` (the writer audits success)."""
    failure: ProblemError | None = None
    try:
        return cast(T, await computed(work))
    except ProblemError as problem:
        failure = problem

    async def replay() -> T:
        assert failure is not None
        raise failure

    return await ctx.audited(f"export.{view}", parameters, replay)


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
    history = await _view(ctx, "sales-history", {"days_back": days, "format": format},
                          lambda: analytics.sales_history(ctx.warehouse, days))  # fmt: skip
    return await ctx.export(view="sales-history", fmt=format, table=history_table(history),
                            parameters={"days_back": days})  # fmt: skip


@router.get("/sales-forecast", response_class=Response, responses=DOWNLOAD)
async def export_sales_forecast(
    ctx: Ctx, format: Format, horizon_days: HorizonDays = None
) -> Response:
    """The forecast points (same rows as /sales/forecast `points`), with a chart."""
    horizon = horizon_days or ctx.settings.forecast_horizon_days
    forecast = await _view(ctx, "sales-forecast", {"horizon_days": horizon, "format": format},
                           lambda: analytics.sales_forecast(ctx.warehouse, horizon))  # fmt: skip
    return await ctx.export(view="sales-forecast", fmt=format, table=forecast_table(forecast),
                            parameters={"horizon_days": horizon})  # fmt: skip


@router.get("/rep-scores", response_class=Response, responses=DOWNLOAD)
async def export_rep_scores(ctx: Ctx, format: Format, top_n: TopN = None) -> Response:
    """The rep ranking (same rows as /reps/scores `reps`)."""
    count = top_n or ctx.settings.ranking_default_top_n
    scores = await _view(ctx, "rep-scores", {"top_n": count, "format": format},
                         lambda: analytics.rep_scores(ctx.warehouse, count))  # fmt: skip
    return await ctx.export(view="rep-scores", fmt=format, table=rep_scores_table(scores),
                            parameters={"top_n": count})  # fmt: skip


@router.get("/product-demand", response_class=Response, responses=DOWNLOAD)
async def export_product_demand(ctx: Ctx, format: Format, top_n: TopN = None) -> Response:
    """The product ranking (same rows as /products/demand `products`)."""
    count = top_n or ctx.settings.ranking_default_top_n
    demand = await _view(ctx, "product-demand", {"top_n": count, "format": format},
                         lambda: analytics.product_demand(ctx.warehouse, count))  # fmt: skip
    return await ctx.export(view="product-demand", fmt=format,
                            table=product_demand_table(demand),
                            parameters={"top_n": count})  # fmt: skip
