"""aw-service's scheduled jobs: forecast, scores and data quality, each once per tick.

The shared runner (`shared.core.jobs`) claims the tick, opens the root span and records the run;
the bodies here compute and append their results with the run's id, all rows of a run in one
transaction, and return the summary shown in the job history.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from services.aw_service import analytics
from services.aw_service.params import MAX_TOP_N
from services.aw_service.persistence import save_forecast, save_product_demand, save_rep_scores
from shared.core.jobs import JobContext, JobSpec

logger = logging.getLogger(__name__)


async def forecast_job(ctx: JobContext) -> Mapping[str, Any]:
    """Forecast FORECAST_HORIZON_DAYS days and append the points to `aw_forecasts`."""
    forecast = await analytics.sales_forecast(ctx.warehouse, ctx.settings.forecast_horizon_days)
    async with ctx.sessions.begin() as session:
        stored = await save_forecast(session, run_id=ctx.run_id, forecast=forecast)
    return {
        "anchor_date": forecast.anchor_date.isoformat(),
        "horizon_days": forecast.horizon_days,
        "model": forecast.model,
        "selection": forecast.selection,
        "backtests": [b.model_dump() for b in forecast.backtests],
        "rows": stored,
    }


async def scores_job(ctx: JobContext) -> Mapping[str, Any]:
    """Score every rep and rank every product sold; append both snapshots in one transaction."""
    scores = await analytics.rep_scores(ctx.warehouse, MAX_TOP_N)
    demand = await analytics.product_demand(ctx.warehouse, MAX_TOP_N)
    async with ctx.sessions.begin() as session:
        reps = await save_rep_scores(session, run_id=ctx.run_id, scores=scores)
        products = await save_product_demand(session, run_id=ctx.run_id, demand=demand)
    return {
        "anchor_date": scores.anchor_date.isoformat(),
        "year": scores.year,
        "reps": reps,
        "products": products,
        "demand_period": [demand.period_start.isoformat(), demand.period_end.isoformat()],
    }


async def data_quality_job(ctx: JobContext) -> Mapping[str, Any]:
    """Run every data-quality check; the report (each check's result) is the run's result."""
    report = await analytics.run_checks(ctx.warehouse, ctx.scheduled_for.date())
    if report.failed:
        failed = [c.name for c in report.checks if c.status == "fail"]
        logger.warning("aw data quality: %s checks failed: %s", report.failed, ", ".join(failed))
    return report.model_dump(mode="json")


JOBS: tuple[JobSpec, ...] = (
    JobSpec("aw.daily.forecast", {"hour": "2", "minute": "0"}, forecast_job,
            "Recompute the sales forecast into aw_forecasts"),
    JobSpec("aw.daily.scores", {"hour": "2", "minute": "30"}, scores_job,
            "Recompute rep scores and product demand into aw_rep_scores / aw_product_demand"),
    JobSpec("aw.daily.data_quality", {"hour": "3", "minute": "0"}, data_quality_job,
            "Data-quality checks on the AdventureWorks warehouse"),
)  # fmt: skip
