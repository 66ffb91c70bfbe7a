"""Stored results of the scheduled jobs (`aw_forecasts`, `aw_rep_scores`, `aw_product_demand`).

Pages are newest run first, then in the run's own order (forecast date or rank). `run_id`
narrows a page to one job run (the `id` of its `job_executions` row).
"""

from __future__ import annotations

from fastapi import APIRouter

from services.aw_service.models import (
    ForecastRecord,
    ProductDemandRecord,
    RecordsPage,
    RepScoreRecord,
)
from services.aw_service.persistence import (
    forecast_records_query,
    product_demand_records_query,
    rep_score_records_query,
)
from shared.core.deps import Ctx, Offset, OptionalLimit, RunId

router = APIRouter(prefix="/records", tags=["aw records"])


@router.get("/forecasts", response_model=RecordsPage[ForecastRecord])
async def forecast_records(
    ctx: Ctx, limit: OptionalLimit = None, offset: Offset = 0, run_id: RunId = None
) -> RecordsPage[ForecastRecord]:
    """Forecast points stored by `aw.daily.forecast`, newest run first, by forecast date."""
    size, rows = await ctx.records_page(
        "records.forecasts", forecast_records_query, run_id, limit, offset
    )
    items = [ForecastRecord.model_validate(row) for row in rows]
    return RecordsPage[ForecastRecord](limit=size, offset=offset, items=items)


@router.get("/rep-scores", response_model=RecordsPage[RepScoreRecord])
async def rep_score_records(
    ctx: Ctx, limit: OptionalLimit = None, offset: Offset = 0, run_id: RunId = None
) -> RecordsPage[RepScoreRecord]:
    """Rep score snapshots stored by `aw.daily.scores`, newest run first, by rank."""
    size, rows = await ctx.records_page(
        "records.rep_scores", rep_score_records_query, run_id, limit, offset
    )
    items = [RepScoreRecord.model_validate(row) for row in rows]
    return RecordsPage[RepScoreRecord](limit=size, offset=offset, items=items)


@router.get("/product-demand", response_model=RecordsPage[ProductDemandRecord])
async def product_demand_records(
    ctx: Ctx, limit: OptionalLimit = None, offset: Offset = 0, run_id: RunId = None
) -> RecordsPage[ProductDemandRecord]:
    """Product demand snapshots stored by `aw.daily.scores`, newest run first, by rank."""
    size, rows = await ctx.records_page(
        "records.product_demand", product_demand_records_query, run_id, limit, offset
    )
    items = [ProductDemandRecord.model_validate(row) for row in rows]
    return RecordsPage[ProductDemandRecord](limit=size, offset=offset, items=items)
