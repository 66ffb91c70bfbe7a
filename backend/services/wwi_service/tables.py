"""The three WideWorldImporters views as export tables: the JSON endpoint's rows, column for column.

Columns are the JSON fields (the CSV header), shown under their human labels in XLSX and PDF
(`shared.core.labels`); supplier scores carry a bar chart for the PDF.
"""

from __future__ import annotations

from services.wwi_service.models import (
    BusinessEventModel,
    StockRecommendationsResponse,
    SupplierScoresResponse,
)
from shared.core.export import ChartSpec, ExportTable, records_table

RECOMMENDATION_COLUMNS = (
    "stock_item_key", "wwi_stock_item_id", "stock_item", "supplier_key", "supplier",
    "quantity_on_hand", "reorder_level", "target_level", "daily_velocity", "lead_time_days",
    "days_of_cover", "quantity_per_outer", "outers_to_order", "quantity_to_order", "urgency",
    "unit_cost", "estimated_cost",
)  # fmt: skip
SUPPLIER_COLUMNS = (
    "rank", "wwi_supplier_id", "supplier_key", "supplier", "purchase_lines", "ordered_outers",
    "received_outers", "finalized_lines", "fill_rate", "finalized_share", "received_lines",
    "lead_time_mean_days", "lead_time_stddev_days", "lead_time_score", "score",
)  # fmt: skip
EVENT_COLUMNS = (
    "id", "detected_at", "run_id", "event_type", "condition_key", "stock_item_key", "stock_item",
    "severity", "message", "cleared_at",
)  # fmt: skip


def recommendations_table(view: StockRecommendationsResponse) -> ExportTable:
    title = f"WWI reorder recommendations (sales up to {view.anchor_date})"
    return records_table(title, RECOMMENDATION_COLUMNS, view.items)


def supplier_scores_table(view: SupplierScoresResponse) -> ExportTable:
    title = f"WWI supplier scores (purchases up to {view.anchor_date})"
    chart = ChartSpec(x="supplier", y=("score",), kind="bar")
    return records_table(title, SUPPLIER_COLUMNS, view.items, chart)


def events_table(events: list[BusinessEventModel]) -> ExportTable:
    return records_table("WWI business events", EVENT_COLUMNS, events)
