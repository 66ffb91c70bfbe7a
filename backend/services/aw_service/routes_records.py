"""Stored results of the scheduled jobs (`aw_forecasts`, `aw_rep_scores`, `aw_product_demand`).

Pages are newest run first, then in the run's own order (forecast date or rank). `run_id`
narrows a page to one job run (the `id` of its `job_executions` row).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import Select, select

from services.aw_service.models import (
    ForecastRecord,
    ProductDemandRecord,
    RecordsPage,
    RepScoreRecord,
)
from shared.core.deps import Ctx, Offset, OptionalLimit, RunId
from shared.db.results import AwForecast, AwProductDemand, AwRepScore

router = APIRouter(prefix="/records", tags=["aw records"])


async def _page(
    ctx: Ctx,
    action: str,
    statement: Select[Any],
    run_id: str | None,
    limit: int | None,
    offset: int,
) -> tuple[int, list[dict[str, Any]]]:
    if run_id is not None:
        statement = statement.where(statement.selected_columns.run_id == run_id)
    return await ctx.audited_page(
        action, statement, limit=limit, offset=offset, filters={"run_id": run_id}
    )


@router.get("/forecasts", response_model=RecordsPage[ForecastRecord])
async def forecast_records(
    ctx: Ctx, limit: OptionalLimit = None, offset: Offset = 0, run_id: RunId = None
) -> RecordsPage[ForecastRecord]:
    """Forecast points stored by `aw.daily.forecast`, newest run first, by forecast date."""
    table = AwForecast.__table__
    statement = select(table).order_by(
        table.c.snapshot_at.desc(), table.c.run_id.desc(), table.c.forecast_date, table.c.id
    )
    size, rows = await _page(ctx, "records.forecasts", statement, run_id, limit, offset)
    items = [ForecastRecord.model_validate(row) for row in rows]
    return RecordsPage[ForecastRecord](limit=size, offset=offset, items=items)


@router.get("/rep-scores", response_model=RecordsPage[RepScoreRecord])
async def rep_score_records(
    ctx: Ctx, limit: OptionalLimit = None, offset: Offset = 0, run_id: RunId = None
) -> RecordsPage[RepScoreRecord]:
    """Rep score snapshots stored by `aw.daily.scores`, newest run first, by rank."""
    table = AwRepScore.__table__
    statement = select(table).order_by(
        table.c.snapshot_at.desc(), table.c.run_id.desc(), table.c.rank, table.c.id
    )
    size, rows = await _page(ctx, "records.rep_scores", statement, run_id, limit, offset)
    items = [RepScoreRecord.model_validate(row) for row in rows]
    return RecordsPage[RepScoreRecord](limit=size, offset=offset, items=items)


@router.get("/product-demand", response_model=RecordsPage[ProductDemandRecord])
async def product_demand_records(
    ctx: Ctx, limit: OptionalLimit = None, offset: Offset = 0, run_id: RunId = None
) -> RecordsPage[ProductDemandRecord]:
    """Product demand snapshots stored by `aw.daily.scores`, newest run first, by rank."""
    table = AwProductDemand.__table__
    statement = select(table).order_by(
        table.c.snapshot_at.desc(), table.c.run_id.desc(), table.c.rank, table.c.id
    )
    size, rows = await _page(ctx, "records.product_demand", statement, run_id, limit, offset)
    items = [ProductDemandRecord.model_validate(row) for row in rows]
    return RecordsPage[ProductDemandRecord](limit=size, offset=offset, items=items)
