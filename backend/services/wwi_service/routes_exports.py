"""Per-view downloads (XLSX, PDF or CSV) of the three WWI views.

Each export takes its JSON endpoint's parameters and computes the same view with the same
code, so its rows are that endpoint's records, column for column (the JSON fields, shown under
their human labels in XLSX and PDF; the CSV header keeps the field names).
The shared export path (`AnalyticsContext.export`) renders the file, neutralises
formula-like cells, records `export_records` and one `audit_log` row (`export.<view>`), and
audits a view that cannot be computed (warehouse or store down, no data) as one failed row.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from services.wwi_service import analytics
from services.wwi_service.models import BusinessEventModel
from services.wwi_service.params import Days, EventTypeFilter, OpenOnly, TopN, UrgencyFilter
from services.wwi_service.persistence import events_query
from services.wwi_service.tables import events_table, recommendations_table, supplier_scores_table
from shared.core.deps import DOWNLOAD, Ctx, Format, Offset, OptionalLimit

router = APIRouter(prefix="/export", tags=["wwi exports"])
EXPORT_ROWS = 1000
"""Default `limit` of the recommendations download: the whole list (the JSON's largest page),
where the JSON endpoint pages at STORAGE_DEFAULT_LIMIT."""


@router.get("/stock-recommendations", response_class=Response, responses=DOWNLOAD)
async def export_stock_recommendations(
    ctx: Ctx,
    format: Format,
    urgency: UrgencyFilter = None,
    limit: Annotated[
        int, Query(ge=1, le=EXPORT_ROWS, description="Rows (default: all, up to 1000)")
    ] = EXPORT_ROWS,
) -> Response:
    """The reorder recommendations (same rows as /stock/recommendations `items` with the same
    `urgency` and `limit`; the download defaults to the whole list)."""
    return await ctx.export(view="stock-recommendations", fmt=format,
                            parameters={"urgency": urgency, "limit": limit},
                            compute=lambda: analytics.stock_recommendations(
                                ctx.warehouse, urgency=urgency, limit=limit),
                            table=recommendations_table)  # fmt: skip


@router.get("/supplier-scores", response_class=Response, responses=DOWNLOAD)
async def export_supplier_scores(
    ctx: Ctx, format: Format, top_n: TopN = None, days: Days = None
) -> Response:
    """The supplier ranking (same rows as /suppliers/scores `items`), with a bar chart of the
    scores in the PDF."""
    count = top_n or ctx.settings.ranking_default_top_n
    window = days or ctx.settings.default_history_days
    return await ctx.export(view="supplier-scores", fmt=format,
                            parameters={"top_n": count, "days": window},
                            compute=lambda: analytics.supplier_scores(
                                ctx.warehouse, days=window, top_n=count),
                            table=supplier_scores_table)  # fmt: skip


@router.get("/business-events", response_class=Response, responses=DOWNLOAD)
async def export_business_events(
    ctx: Ctx,
    format: Format,
    limit: OptionalLimit = None,
    offset: Offset = 0,
    event_type: EventTypeFilter = None,
    open_only: OpenOnly = False,
) -> Response:
    """The stored business events, newest first (same rows as /events `items` with the same
    `limit`, `offset`, `event_type` and `open_only`)."""
    page_size = ctx.limit(limit)

    async def compute() -> list[BusinessEventModel]:
        statement = events_query(event_type=event_type, open_only=open_only)
        rows = await ctx.page(statement, limit=page_size, offset=offset)
        return [BusinessEventModel(**row) for row in rows]

    parameters = {"limit": page_size, "offset": offset, "event_type": event_type,
                  "open_only": open_only}  # fmt: skip
    return await ctx.export(view="business-events", fmt=format, parameters=parameters,
                            compute=compute, table=events_table)  # fmt: skip
