"""The four AdventureWorks views as export tables: the JSON endpoint's rows, column for column.

The column names are the JSON field names, so a download and the JSON answer can be compared
row by row; series views (history, forecast) carry a line chart for the PDF.
"""

from __future__ import annotations

from services.aw_service.models import ProductDemandReport, RepScores, SalesForecast, SalesHistory
from shared.core.export import ChartSpec, ExportTable, records_table

HISTORY_COLUMNS = (
    "period", "revenue", "internet_revenue", "reseller_revenue", "orders", "internet_orders",
    "reseller_orders", "units", "internet_units", "reseller_units",
)  # fmt: skip
FORECAST_COLUMNS = ("date", "predicted_revenue", "lower_bound", "upper_bound")
REP_COLUMNS = (
    "rank", "employee_key", "rep_name", "territory", "revenue", "orders", "quota",
    "attainment_pct", "score",
)  # fmt: skip
PRODUCT_COLUMNS = (
    "rank", "product_key", "product_name", "category", "units", "revenue", "revenue_share_pct",
    "trend_units_per_month",
)  # fmt: skip


def history_table(history: SalesHistory) -> ExportTable:
    return records_table(
        f"AW daily sales {history.start_date} to {history.end_date}", HISTORY_COLUMNS,
        history.daily, ChartSpec(x="period", y=("revenue", "internet_revenue", "reseller_revenue")),
    )  # fmt: skip


def forecast_table(forecast: SalesForecast) -> ExportTable:
    errors = "; ".join(f"{b.model} MAE {b.mae:,.2f}" for b in forecast.backtests)
    title = f"AW revenue forecast after {forecast.anchor_date} ({forecast.model} model; {errors})"
    chart = ChartSpec(x="date", y=("predicted_revenue", "lower_bound", "upper_bound"))
    return records_table(title, FORECAST_COLUMNS, forecast.points, chart)


def rep_scores_table(scores: RepScores) -> ExportTable:
    return records_table(f"AW sales rep scores {scores.year}", REP_COLUMNS, scores.reps)


def product_demand_table(demand: ProductDemandReport) -> ExportTable:
    title = f"AW product demand {demand.period_start} to {demand.period_end}"
    return records_table(title, PRODUCT_COLUMNS, demand.products)
