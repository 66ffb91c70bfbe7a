"""Live analytics endpoints: sales KPIs, reorder recommendations, supplier scores."""

from __future__ import annotations

from fastapi import APIRouter

from services.wwi_service import analytics
from services.wwi_service.models import (
    SalesKpisResponse,
    StockRecommendationsResponse,
    SupplierScoresResponse,
)
from services.wwi_service.params import Days, TopN, UrgencyFilter
from shared.core.deps import Ctx, OptionalLimit

router = APIRouter(tags=["wwi analytics"])


@router.get("/sales/kpis", response_model=SalesKpisResponse)
async def sales_kpis(ctx: Ctx, days: Days = None) -> SalesKpisResponse:
    """Revenue (excl. tax), profit, margin, orders, units and customers of the latest `days`
    days of Fact.Sale, with year-over-year growth."""
    window = days or ctx.settings.default_history_days

    async def work() -> SalesKpisResponse:
        return await analytics.sales_kpis(ctx.warehouse, days=window)

    return await ctx.audited("sales.kpis", {"days": window}, work)


@router.get("/stock/recommendations", response_model=StockRecommendationsResponse)
async def stock_recommendations(
    ctx: Ctx,
    urgency: UrgencyFilter = None,
    limit: OptionalLimit = None,
) -> StockRecommendationsResponse:
    """Stock items to reorder now, most urgent first: whole outers up to the target level plus
    the demand expected during the lead time."""
    page_size = ctx.limit(limit)

    async def work() -> StockRecommendationsResponse:
        return await analytics.stock_recommendations(
            ctx.warehouse, urgency=urgency, limit=page_size
        )

    return await ctx.audited(
        "stock.recommendations", {"urgency": urgency, "limit": page_size}, work
    )


@router.get("/suppliers/scores", response_model=SupplierScoresResponse)
async def supplier_scores(
    ctx: Ctx, top_n: TopN = None, days: Days = None
) -> SupplierScoresResponse:
    """Supplier reliability (fill rate, finalised share, lead time) combined into one score,
    best first."""
    count = top_n or ctx.settings.ranking_default_top_n
    window = days or ctx.settings.default_history_days

    async def work() -> SupplierScoresResponse:
        return await analytics.supplier_scores(ctx.warehouse, days=window, top_n=count)

    return await ctx.audited("suppliers.scores", {"top_n": count, "days": window}, work)
