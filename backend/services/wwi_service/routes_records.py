"""Stored results: business events and the job-persisted recommendation and score snapshots."""

from __future__ import annotations

from fastapi import APIRouter

from services.wwi_service.models import (
    BusinessEventModel,
    BusinessEventsResponse,
    ReorderRecord,
    ReorderRecordsResponse,
    SupplierScoreRecord,
    SupplierScoreRecordsResponse,
)
from services.wwi_service.params import EventTypeFilter, OpenOnly
from services.wwi_service.persistence import (
    events_query,
    reorder_records_query,
    supplier_score_records_query,
)
from shared.core.deps import Ctx, Offset, OptionalLimit, RunId

router = APIRouter(tags=["wwi records"])


@router.get("/events", response_model=BusinessEventsResponse)
async def business_events(
    ctx: Ctx,
    limit: OptionalLimit = None,
    offset: Offset = 0,
    event_type: EventTypeFilter = None,
    open_only: OpenOnly = False,
) -> BusinessEventsResponse:
    """Stock-level business events found by the events job, newest first."""
    page_size, rows = await ctx.audited_page(
        "events.list",
        events_query(event_type=event_type, open_only=open_only),
        limit=limit,
        offset=offset,
        filters={"event_type": event_type, "open_only": open_only},
    )
    return BusinessEventsResponse(
        limit=page_size, offset=offset, items=[BusinessEventModel(**row) for row in rows]
    )


@router.get("/records/reorder-recommendations", response_model=ReorderRecordsResponse)
async def reorder_records(
    ctx: Ctx, limit: OptionalLimit = None, offset: Offset = 0, run_id: RunId = None
) -> ReorderRecordsResponse:
    """Reorder recommendations stored by `wwi.hourly.reorder`, newest run first."""
    page_size, rows = await ctx.records_page(
        "records.reorder_recommendations", reorder_records_query, run_id, limit, offset
    )
    return ReorderRecordsResponse(
        limit=page_size, offset=offset, items=[ReorderRecord(**row) for row in rows]
    )


@router.get("/records/supplier-scores", response_model=SupplierScoreRecordsResponse)
async def supplier_score_records(
    ctx: Ctx, limit: OptionalLimit = None, offset: Offset = 0, run_id: RunId = None
) -> SupplierScoreRecordsResponse:
    """Supplier scores stored by `wwi.daily.supplier_scores`, newest run first."""
    page_size, rows = await ctx.records_page(
        "records.supplier_scores", supplier_score_records_query, run_id, limit, offset
    )
    return SupplierScoreRecordsResponse(
        limit=page_size, offset=offset, items=[SupplierScoreRecord(**row) for row in rows]
    )
