"""The service's views: analytics results shaped as response models (shared by the JSON
endpoints and the exports, so a download always shows what the endpoint shows)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from services.wwi_service.analytics import (
    Warehouse,
    Window,
    recommendations,
    sales_kpis,
    stock_snapshot,
    supplier_scores,
)
from services.wwi_service.analytics_suppliers import (
    WEIGHT_FILL,
    WEIGHT_FINALIZED,
    WEIGHT_LEAD_TIME,
)
from services.wwi_service.models import (
    KpiFigures,
    KpiGrowth,
    Period,
    ReorderRecommendationModel,
    SalesKpisResponse,
    StockRecommendationsResponse,
    SupplierScoreModel,
    SupplierScoresResponse,
    Urgency,
)


def period(window: Window | None) -> Period | None:
    return None if window is None else Period(start=window.start, end=window.end)


async def kpis_view(warehouse: Warehouse, *, days: int) -> SalesKpisResponse:
    kpis = await sales_kpis(warehouse, days=days)

    def figures(name: str) -> KpiFigures:
        values = getattr(kpis, name)
        return KpiFigures(
            revenue=round(values.revenue, 2),
            profit=round(values.profit, 2),
            margin=values.margin,
            orders=values.orders,
            units=values.units,
            customers=values.customers,
        )

    return SalesKpisResponse(
        anchor_date=kpis.anchor_date,
        days=days,
        period=period(kpis.period),
        previous_period=period(kpis.previous_period),
        current=figures("current"),
        previous=figures("previous"),
        growth=KpiGrowth(
            revenue=kpis.growth("revenue"),
            profit=kpis.growth("profit"),
            orders=kpis.growth("orders"),
            units=kpis.growth("units"),
        ),
    )


async def recommendations_view(
    warehouse: Warehouse, *, urgency: Urgency | None, limit: int
) -> StockRecommendationsResponse:
    snapshot = await stock_snapshot(warehouse)
    found = recommendations(snapshot.positions)
    if urgency is not None:
        found = [r for r in found if r.urgency == urgency]
    items = [ReorderRecommendationModel(**asdict(r)) for r in found[:limit]]
    return StockRecommendationsResponse(
        anchor_date=snapshot.anchor_date,
        velocity_window=period(snapshot.windows.velocity if snapshot.windows else None),
        count=len(found),
        total_estimated_cost=round(sum(r.estimated_cost for r in found), 2),
        items=items,
    )


async def supplier_scores_view(
    warehouse: Warehouse, *, days: int, top_n: int
) -> SupplierScoresResponse:
    scores = await supplier_scores(warehouse, days=days)
    return SupplierScoresResponse(
        anchor_date=scores.anchor_date,
        window=period(scores.window),
        top_n=top_n,
        weights={
            "fill_rate": WEIGHT_FILL,
            "finalized_share": WEIGHT_FINALIZED,
            "lead_time": WEIGHT_LEAD_TIME,
        },
        items=[SupplierScoreModel(**_score_fields(s)) for s in scores.suppliers[:top_n]],
    )


def _score_fields(score: Any) -> dict[str, Any]:
    fields = asdict(score)
    for name in ("fill_rate", "finalized_share", "lead_time_score"):
        fields[name] = round(fields[name], 6)
    for name in ("lead_time_mean_days", "lead_time_stddev_days"):
        if fields[name] is not None:
            fields[name] = round(fields[name], 4)
    return fields
