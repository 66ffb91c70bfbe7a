"""What aw-service writes to PostgreSQL, and the queries that read it back.

Forecasts, rep scores and product demand are appended as snapshots stamped with the job's run id.
Readers get the newest run first and, within a run, the analytics' own order (date or rank).
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Select, Table
from sqlalchemy.ext.asyncio import AsyncSession

from services.aw_service.models import ProductDemandReport, RepScores, SalesForecast
from shared.db.results import AwForecast, AwProductDemand, AwRepScore
from shared.db.snapshots import append_snapshot, snapshot_query

FORECASTS = cast(Table, AwForecast.__table__)
REP_SCORES = cast(Table, AwRepScore.__table__)
PRODUCT_DEMAND = cast(Table, AwProductDemand.__table__)


async def save_forecast(session: AsyncSession, *, run_id: str, forecast: SalesForecast) -> int:
    """The chosen model's points, each with that model's backtest errors."""
    chosen = next(b for b in forecast.backtests if b.model == forecast.model)
    rows = [
        {
            "run_id": run_id,
            "forecast_date": point.date,
            "model": forecast.model,
            "predicted_revenue": point.predicted_revenue,
            "lower_bound": point.lower_bound,
            "upper_bound": point.upper_bound,
            "backtest_mape": chosen.mape_pct,
            "backtest_mae": chosen.mae,
            "anchor_date": forecast.anchor_date,
        }
        for point in forecast.points
    ]
    return await append_snapshot(session, FORECASTS, rows)


async def save_rep_scores(session: AsyncSession, *, run_id: str, scores: RepScores) -> int:
    rows = [
        {
            "run_id": run_id,
            "employee_key": rep.employee_key,
            "rep_name": rep.rep_name,
            "territory": rep.territory,
            "revenue": rep.revenue,
            "orders": rep.orders,
            "quota": rep.quota,
            "attainment": rep.attainment_pct,
            "score": rep.score,
            "rank": rep.rank,
            "period_start": scores.period_start,
            "period_end": scores.period_end,
        }
        for rep in scores.reps
    ]
    return await append_snapshot(session, REP_SCORES, rows)


async def save_product_demand(
    session: AsyncSession, *, run_id: str, demand: ProductDemandReport
) -> int:
    rows = [
        {
            "run_id": run_id,
            "product_key": item.product_key,
            "product_name": item.product_name,
            "category": item.category,
            "units": item.units,
            "revenue": item.revenue,
            "revenue_share": item.revenue_share_pct,
            "trend_slope": item.trend_units_per_month,
            "rank": item.rank,
        }
        for item in demand.products
    ]
    return await append_snapshot(session, PRODUCT_DEMAND, rows)


def forecast_records_query(run_id: str | None = None) -> Select[Any]:
    """Stored forecast points: newest run first, by forecast date within it."""
    table = FORECASTS
    return snapshot_query(table, run_id, table.c.run_id.desc(), table.c.forecast_date, table.c.id)


def rep_score_records_query(run_id: str | None = None) -> Select[Any]:
    """Stored rep scores: newest run first, rank order within it."""
    table = REP_SCORES
    return snapshot_query(table, run_id, table.c.run_id.desc(), table.c.rank, table.c.id)


def product_demand_records_query(run_id: str | None = None) -> Select[Any]:
    """Stored product demand: newest run first, rank order within it."""
    table = PRODUCT_DEMAND
    return snapshot_query(table, run_id, table.c.run_id.desc(), table.c.rank, table.c.id)
