"""The WWI service's scheduled jobs (UTC), run through the shared claiming runner.

  wwi.hourly.reorder         :00 every hour  reorder recommendations -> wwi_reorder_recommendations
  wwi.hourly.events          :30 every hour  stock-level events      -> wwi_business_events
  wwi.daily.supplier_scores  03:30 daily     supplier scores         -> wwi_supplier_scores
  wwi.daily.data_quality     04:00 daily     data-quality checks     -> job_executions.result
Each body is a plain async function of a `JobContext`; the runner claims the tick once across
replicas, opens the root span and records status, duration, error and the returned summary.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from typing import Any

from services.wwi_service.analytics import (
    all_supplier_scores,
    detect_events,
    recommendations,
    run_checks,
    stock_snapshot,
)
from services.wwi_service.persistence import (
    record_events,
    save_recommendations,
    save_supplier_scores,
)
from shared.core.jobs import JobContext, JobSpec

logger = logging.getLogger(__name__)


async def refresh_reorder(ctx: JobContext) -> Mapping[str, Any]:
    snapshot = await stock_snapshot(ctx.warehouse)
    found = recommendations(snapshot.positions)
    async with ctx.sessions.begin() as session:
        stored = await save_recommendations(session, run_id=ctx.run_id, items=found)
    return {
        "anchor_date": snapshot.anchor_date.isoformat() if snapshot.anchor_date else None,
        "items_checked": len(snapshot.positions),
        "recommendations": stored,
        "by_urgency": dict(sorted(Counter(r.urgency for r in found).items())),
        "total_estimated_cost": round(sum(r.estimated_cost for r in found), 2),
    }


async def scan_events(ctx: JobContext) -> Mapping[str, Any]:
    snapshot = await stock_snapshot(ctx.warehouse)
    detected = detect_events(snapshot.positions)
    async with ctx.sessions.begin() as session:
        summary = await record_events(session, run_id=ctx.run_id, detected=detected)
    return {
        "anchor_date": snapshot.anchor_date.isoformat() if snapshot.anchor_date else None,
        **summary.as_dict(),
    }


async def recompute_supplier_scores(ctx: JobContext) -> Mapping[str, Any]:
    scores = await all_supplier_scores(ctx.warehouse, days=ctx.settings.default_history_days)
    async with ctx.sessions.begin() as session:
        stored = await save_supplier_scores(session, run_id=ctx.run_id, scores=scores.suppliers)
    ranked = scores.suppliers
    return {
        "anchor_date": scores.anchor_date.isoformat() if scores.anchor_date else None,
        "suppliers": stored,
        "best": ranked[0].supplier if ranked else None,
        "worst": ranked[-1].supplier if ranked else None,
    }


async def check_data_quality(ctx: JobContext) -> Mapping[str, Any]:
    """Every named check against its threshold; the report (each check's result) is the run's
    result, shown in the job history."""
    report = await run_checks(ctx.warehouse, ctx.scheduled_for.date())
    if report.failed:
        failed = [c.name for c in report.checks if c.status == "fail"]
        logger.warning("wwi data quality: %s checks failed: %s", report.failed, ", ".join(failed))
    return report.model_dump(mode="json")


JOBS: tuple[JobSpec, ...] = (
    JobSpec("wwi.hourly.reorder", {"minute": "0"}, refresh_reorder,
            "Refresh reorder recommendations"),
    JobSpec("wwi.hourly.events", {"minute": "30"}, scan_events,
            "Scan for stock level events"),
    JobSpec("wwi.daily.supplier_scores", {"hour": "3", "minute": "30"},
            recompute_supplier_scores, "Recompute supplier reliability scores"),
    JobSpec("wwi.daily.data_quality", {"hour": "4", "minute": "0"}, check_data_quality,
            "Data quality checks on WWI DW"),
)  # fmt: skip
