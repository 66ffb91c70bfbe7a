"""Per-view downloads (XLSX, PDF or CSV) of the WWI views, rendered by the shared exporter,
which also records the export and its audit row."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from services.wwi_service.events import events_query
from services.wwi_service.models import Urgency
from services.wwi_service.routes_analytics import Days, TopN
from services.wwi_service.views import recommendations_view, supplier_scores_view
from shared.core.deps import Ctx, OptionalLimit
from shared.core.export import ChartSpec, ExportFormat, ExportTable

router = APIRouter(tags=["wwi exports"])

Format = Annotated[ExportFormat, Query(description="File format of the download")]
DOWNLOAD: dict[int | str, dict[str, Any]] = {
    200: {"description": "The view as a file (Content-Disposition: attachment)"}
}
EXPORT_ROWS = 1000


@router.get("/export/stock-recommendations", responses=DOWNLOAD)
async def export_stock_recommendations(
    ctx: Ctx,
    format: Format,
    urgency: Annotated[Urgency | None, Query(description="Only this urgency")] = None,
) -> Response:
    """Download the reorder recommendations."""
    view = await recommendations_view(ctx.warehouse, urgency=urgency, limit=EXPORT_ROWS)
    columns = ["Stock Item Key", "Stock Item", "Supplier", "On Hand", "Reorder Level",
               "Target Level", "Daily Velocity", "Lead Time Days", "Days of Cover",
               "Qty per Outer", "Outers", "Quantity", "Urgency", "Unit Cost",
               "Estimated Cost"]  # fmt: skip
    rows = [
        [r.stock_item_key, r.stock_item, r.supplier, r.quantity_on_hand, r.reorder_level,
         r.target_level, round(r.daily_velocity, 3), r.lead_time_days,
         None if r.days_of_cover is None else round(r.days_of_cover, 1), r.quantity_per_outer,
         r.outers_to_order, r.quantity_to_order, r.urgency, r.unit_cost, r.estimated_cost]
        for r in view.items
    ]  # fmt: skip
    table = ExportTable("WWI reorder recommendations", columns, rows)
    parameters = {"urgency": urgency, "anchor_date": view.anchor_date}
    return await ctx.export(view="stock-recommendations", fmt=format, table=table,
                            parameters=parameters)  # fmt: skip


@router.get("/export/supplier-scores", responses=DOWNLOAD)
async def export_supplier_scores(
    ctx: Ctx, format: Format, top_n: TopN = None, days: Days = None
) -> Response:
    """Download the supplier reliability scores (with a bar chart in the PDF)."""
    count = top_n or ctx.settings.ranking_default_top_n
    window = days or ctx.settings.default_history_days
    view = await supplier_scores_view(ctx.warehouse, days=window, top_n=count)
    columns = ["Rank", "Supplier", "Purchase Lines", "Fill Rate", "Finalised Share",
               "Lead Time Mean (days)", "Lead Time Std Dev (days)", "Lead Time Score",
               "Score"]  # fmt: skip
    rows = [
        [s.rank, s.supplier, s.purchase_lines, s.fill_rate, s.finalized_share,
         s.lead_time_mean_days, s.lead_time_stddev_days, s.lead_time_score, s.score]
        for s in view.items
    ]  # fmt: skip
    table = ExportTable("WWI supplier scores", columns, rows,
                        chart=ChartSpec(x="Supplier", y=["Score"], kind="bar"))  # fmt: skip
    parameters = {"top_n": count, "days": window, "anchor_date": view.anchor_date}
    return await ctx.export(view="supplier-scores", fmt=format, table=table,
                            parameters=parameters)  # fmt: skip


@router.get("/export/business-events", responses=DOWNLOAD)
async def export_business_events(ctx: Ctx, format: Format, limit: OptionalLimit = None) -> Response:
    """Download the newest business events."""
    page_size = ctx.limit(limit)
    records = await ctx.page(events_query(), limit=page_size, offset=0)
    columns = ["Detected At", "Event Type", "Severity", "Stock Item Key", "Stock Item",
               "Message", "Cleared At"]  # fmt: skip
    rows = [
        [e["detected_at"], e["event_type"], e["severity"], e["stock_item_key"], e["stock_item"],
         e["message"], e["cleared_at"]]
        for e in records
    ]  # fmt: skip
    table = ExportTable("WWI business events", columns, rows)
    return await ctx.export(view="business-events", fmt=format, table=table,
                            parameters={"limit": page_size})  # fmt: skip
