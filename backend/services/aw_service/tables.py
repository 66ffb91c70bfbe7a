"""The four AdventureWorks views as export tables: the JSON endpoint's rows, column for column.

Columns are the JSON fields (the CSV header), shown under their human labels in XLSX and PDF
(`shared.core.labels`); series views (history, forecast) carry a time chart for the PDF.
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
        history.daily, ChartSpec(x="period", y=("internet_revenue", "reseller_revenue")),
    )  # fmt: skip


def forecast_table(forecast: SalesForecast) -> ExportTable:
    errors = "; ".join(
        f"{b.model} model: mean error ${b.mae:,.2f} a day" for b in forecast.backtests
    )
    title = f"AW daily revenue forecast after {forecast.anchor_date}"
    note = (f"{forecast.model.capitalize()} model, {forecast.interval_level:.0%} interval "
            f"(backtests: {errors}).")  # fmt: skip
    chart = ChartSpec(x="date", y=("predicted_revenue",), band=("lower_bound", "upper_bound"))
    return records_table(title, FORECAST_COLUMNS, forecast.points, chart, note)


def rep_scores_table(scores: RepScores) -> ExportTable:
    return records_table(f"AW sales rep scores {scores.year}", REP_COLUMNS, scores.reps)


def product_demand_table(demand: ProductDemandReport) -> ExportTable:
    title = f"AW product demand {demand.period_start} to {demand.period_end}"
    return records_table(title, PRODUCT_COLUMNS, demand.products)
