"""Stored results: business events and the job-persisted recommendation and score snapshots."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.wwi_service.events import events_query
from services.wwi_service.models import (
    BusinessEventModel,
    BusinessEventsResponse,
    EventType,
    ReorderRecord,
    ReorderRecordsResponse,
    SupplierScoreRecord,
    SupplierScoreRecordsResponse,
)
from services.wwi_service.persistence import reorder_records_query, supplier_score_records_query
from shared.core.deps import Ctx, Offset, OptionalLimit

router = APIRouter(tags=["wwi records"])

RunId = Annotated[
    str | None,
    Query(max_length=64, pattern=r"^[A-Za-z0-9._:-]+$", description="Only this job run's rows"),
]


@router.get("/events", response_model=BusinessEventsResponse)
async def business_events(
    ctx: Ctx,
    limit: OptionalLimit = None,
    offset: Offset = 0,
    event_type: Annotated[EventType | None, Query(description="Only this event type")] = None,
    open_only: Annotated[
        bool, Query(description="Only conditions that still persist (not cleared)")
    ] = False,
) -> BusinessEventsResponse:
    """Stock-level business events found by the events job, newest first."""
    page_size = ctx.limit(limit)
    parameters = {"limit": page_size, "offset": offset, "event_type": event_type,
                  "open_only": open_only}  # fmt: skip

    async def work() -> list[dict[str, Any]]:
        statement = events_query(event_type=event_type, open_only=open_only)
        return await ctx.page(statement, limit=page_size, offset=offset)

    rows = await ctx.audited("events.list", parameters, work)
    return BusinessEventsResponse(
        limit=page_size, offset=offset, items=[BusinessEventModel(**row) for row in rows]
    )


@router.get("/records/reorder-recommendations", response_model=ReorderRecordsResponse)
async def reorder_records(
    ctx: Ctx, limit: OptionalLimit = None, offset: Offset = 0, run_id: RunId = None
) -> ReorderRecordsResponse:
    """Reorder recommendations stored by `wwi.hourly.reorder`, newest run first."""
    page_size = ctx.limit(limit)

    async def work() -> list[dict[str, Any]]:
        return await ctx.page(reorder_records_query(run_id), limit=page_size, offset=offset)

    rows = await ctx.audited(
        "records.reorder_recommendations",
        {"limit": page_size, "offset": offset, "run_id": run_id},
        work,
    )
    return ReorderRecordsResponse(
        limit=page_size, offset=offset, items=[ReorderRecord(**row) for row in rows]
    )


@router.get("/records/supplier-scores", response_model=SupplierScoreRecordsResponse)
async def supplier_score_records(
    ctx: Ctx, limit: OptionalLimit = None, offset: Offset = 0, run_id: RunId = None
) -> SupplierScoreRecordsResponse:
    """Supplier scores stored by `wwi.daily.supplier_scores`, newest run first."""
    page_size = ctx.limit(limit)

    async def work() -> list[dict[str, Any]]:
        statement = supplier_score_records_query(run_id)
        return await ctx.page(statement, limit=page_size, offset=offset)

    rows = await ctx.audited(
        "records.supplier_scores",
        {"limit": page_size, "offset": offset, "run_id": run_id},
        work,
    )
    return SupplierScoreRecordsResponse(
        limit=page_size, offset=offset, items=[SupplierScoreRecord(**row) for row in rows]
    )
