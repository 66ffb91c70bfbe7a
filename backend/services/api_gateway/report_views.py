"""Which views a full report gathers, and how each view's JSON becomes a report section.

Each section leads with a chart and follows with a compact table in human labels (history by
month, the forecast by week, rankings as bars, reorders by urgency); the workbook receives the
view's full tables. The services own their response shapes: a view whose JSON lacks what its
section needs becomes a section saying so, never a failed report.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any, Literal

from shared.core.export import ExportTable
from shared.core.labels import Column, as_date, column, display
from shared.core.report_charts import PALETTE, Band, Series, hbar_chart, stacked_bars, time_chart
from shared.core.reports import ReportSection

logger = logging.getLogger(__name__)

Payloads = Mapping[str, Any]
"""Each view's JSON by its key (`aw/sales-history`)."""


@dataclass(frozen=True)
class ReportView:
    """One view the report fetches (with the service's default parameters)."""

    domain: Literal["aw", "wwi"]
    view: str
    path: str
    records: str | None = None  # the list in its JSON whose length is the view's row count

    @property
    def key(self) -> str:
        return f"{self.domain}/{self.view}"

    def row_count(self, payload: Any) -> int:
        items = payload.get(self.records) if self.records and isinstance(payload, Mapping) else None
        return len(items) if isinstance(items, list) else 1


REPORT_VIEWS: tuple[ReportView, ...] = (
    ReportView("aw", "sales-kpis", "/api/aw/sales/kpis"),
    ReportView("aw", "sales-history", "/api/aw/sales/history", "daily"),
    ReportView("aw", "sales-forecast", "/api/aw/sales/forecast", "points"),
    ReportView("aw", "rep-scores", "/api/aw/reps/scores", "reps"),
    ReportView("aw", "product-demand", "/api/aw/products/demand", "products"),
    ReportView("wwi", "sales-kpis", "/api/wwi/sales/kpis"),
    ReportView("wwi", "stock-recommendations", "/api/wwi/stock/recommendations", "items"),
    ReportView("wwi", "supplier-scores", "/api/wwi/suppliers/scores", "items"),
    ReportView("wwi", "business-events", "/api/wwi/events", "items"),
    ReportView("wwi", "scenarios", "/api/wwi/scenarios", "items"),
)
URGENCY_ORDER = {"critical": 0, "high": 1, "medium": 2}
PDF_ROWS = 30
"""Longest compact table in the PDF; the workbook has every row."""
Chart = Callable[[float], Any]


def _rows(records: Sequence[Mapping[str, Any]], columns: Sequence[Column]) -> list[list[Any]]:
    return [[record.get(c.key) for c in columns] for record in records]


def _table(
    title: str, columns: Sequence[Column | str], records: Sequence[Mapping[str, Any]]
) -> ExportTable:
    specs = [c if isinstance(c, Column) else column(c) for c in columns]
    return ExportTable(title=title, columns=specs, rows=_rows(records, specs))


def _more(shown: int, total: int) -> str | None:
    return (
        f"The {shown} most relevant of {total:,} rows; the workbook lists all."
        if total > shown
        else None
    )


def _month(day: date) -> str:
    return day.strftime("%b %Y")


def history_section(payloads: Payloads) -> ReportSection:
    history = payloads["aw/sales-history"]
    daily, monthly = history["daily"], history["monthly"]
    start, end = history["start_date"], history["end_date"]
    points = [(as_date(p["period"]), p) for p in daily]
    days = [(d, p) for d, p in points if d is not None]
    window = 30
    average = [  # from the first day with a full window behind it
        (d, sum(q["revenue"] for _, q in days[i - window + 1 : i + 1]) / window)
        for i, (d, _) in enumerate(days)
        if i >= window - 1
    ]
    series = [
        Series("Internet, daily", [(d, p["internet_revenue"]) for d, p in days], PALETTE[1], 0.6),
        Series("All channels, 30-day average", average, PALETTE[0], 1.8),
    ]
    months = [as_date(p["period"]) or date.min for p in monthly]
    charts: list[Chart] = [
        partial(
            stacked_bars,
            "Revenue per month, by channel",
            [m.strftime("%b %y") for m in months],
            [
                ("Internet", [p["internet_revenue"] for p in monthly]),
                ("Reseller", [p["reseller_revenue"] for p in monthly]),
            ],
            height=190,
        ),
        partial(time_chart, "Daily revenue", series, height=170),
    ]
    month_columns = [
        column("period", "Month", "month"),
        column("revenue"),
        column("internet_revenue"),
        column("reseller_revenue"),
        column("orders"),
        column("units"),
    ]
    first = months[0] if months else None
    note = None
    if first and as_date(start) and first < (as_date(start) or first):
        note = f"{_month(first)} is partial: the window starts on {start}."
    return ReportSection(
        title="AdventureWorks sales history",
        intro=(
            f"Revenue of both channels over the {history['days_back']} days from {start} to "
            f"{end}. Resellers order about once a month, so the daily chart shows the internet "
            "channel and the 30-day average of all sales; the table totals each month."
        ),
        charts=charts,
        table=_table("AW sales by month", month_columns, monthly),
        table_note=note,
        sheets=[
            _table("AW sales by month", ["period", *HISTORY_FIELDS], monthly),
            _table("AW sales by day", ["period", *HISTORY_FIELDS], daily),
        ],
    )


HISTORY_FIELDS = (
    "revenue",
    "internet_revenue",
    "reseller_revenue",
    "orders",
    "internet_orders",
    "reseller_orders",
    "units",
    "internet_units",
    "reseller_units",
)


def forecast_section(payloads: Payloads) -> ReportSection:
    forecast, history = payloads["aw/sales-forecast"], payloads["aw/sales-history"]
    points = [(as_date(p["date"]), p) for p in forecast["points"]]
    future = [(d, p) for d, p in points if d is not None]
    recent = [(as_date(p["period"]), p["revenue"]) for p in history["daily"][-90:]]
    level = forecast["interval_level"]
    series = [
        Series("Actual (last 90 days)", [(d, v) for d, v in recent if d], PALETTE[2], 0.6),
        Series("Predicted", [(d, p["predicted_revenue"]) for d, p in future], PALETTE[0], 1.8),
    ]
    band = Band(
        f"{level:.0%} interval", [(d, p["lower_bound"], p["upper_bound"]) for d, p in future]
    )
    weeks: dict[date, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for day, point in future:
        week = day - timedelta(days=day.weekday())
        for index, name in enumerate(("predicted_revenue", "lower_bound", "upper_bound")):
            weeks[week][index] += point[name]
    week_columns = [
        column("date", "Week of", "date"),
        column("predicted_revenue"),
        column("lower_bound"),
        column("upper_bound"),
    ]
    weekly = ExportTable(
        title="AW forecast by week",
        columns=week_columns,
        rows=[[w.isoformat(), *values] for w, values in sorted(weeks.items())],
    )
    backtests = "; ".join(
        f"{b['model']} model off by {display(b['mae'], 'money')} a day on average"
        for b in forecast.get("backtests", [])
    )
    return ReportSection(
        title="AdventureWorks revenue forecast",
        intro=(
            f"Daily revenue predicted for the {forecast['horizon_days']} days after "
            f"{forecast['anchor_date']} by the {forecast['model']} model, trained on "
            f"{forecast['training_start']} to {forecast['training_end']}; the shaded band is "
            f"the {level:.0%} prediction interval. Backtest on held-back days: {backtests}."
        ),
        charts=[
            partial(
                time_chart,
                "Daily revenue: recent actuals, then the forecast",
                series,
                band=band,
                height=200,
            )
        ],
        table=weekly,
        table_note=(
            "Weeks start on Monday (the first and last may be partial); low and high add "
            "up the daily interval bounds, so the true weekly range is narrower."
        ),
        sheets=[
            _table(
                "AW forecast by day",
                ["date", "predicted_revenue", "lower_bound", "upper_bound"],
                forecast["points"],
            )
        ],
    )


def reps_section(payloads: Payloads) -> ReportSection:
    scores = payloads["aw/rep-scores"]
    reps = scores["reps"]
    labels = [
        f"{r['rep_name']} ({r['territory']})" if r.get("territory") else r["rep_name"] for r in reps
    ]
    columns = ["rank", "rep_name", "territory", "revenue", "quota", "attainment_pct", "score"]
    return ReportSection(
        title="Top sales reps",
        intro=(
            f"The {len(reps)} best of {scores['total_reps']} sales reps in {scores['year']} "
            f"({scores['period_start']} to {scores['period_end']}), ranked by a score that "
            "weighs quota attainment (50 %), reseller revenue (30 %) and orders (20 %)."
        ),
        charts=[
            partial(
                hbar_chart,
                f"Reseller revenue {scores['year']}",
                labels,
                [r["revenue"] for r in reps],
            )
        ],
        table=_table("AW top sales reps", columns, reps),
        sheets=[
            _table(
                "AW sales reps",
                [
                    "rank",
                    "employee_key",
                    "rep_name",
                    "territory",
                    "revenue",
                    "orders",
                    "quota",
                    "attainment_pct",
                    "score",
                ],
                reps,
            )
        ],
    )


def products_section(payloads: Payloads) -> ReportSection:
    demand = payloads["aw/product-demand"]
    products = demand["products"]
    columns = [
        "rank",
        "product_name",
        "category",
        "units",
        "revenue",
        "revenue_share_pct",
        "trend_units_per_month",
    ]
    return ReportSection(
        title="Top products",
        intro=(
            f"The {len(products)} best-selling of {demand['total_products']} products by units "
            f"sold from {demand['period_start']} to {demand['period_end']} "
            f"({demand['months']} months); the trend is the change in units sold per month."
        ),
        charts=[
            partial(
                hbar_chart,
                "Units sold by product",
                [p["product_name"] for p in products],
                [p["units"] for p in products],
                money=False,
                color=PALETTE[2],
            )
        ],
        table=_table("AW top products", columns, products),
        sheets=[_table("AW products", ["rank", "product_key", *columns[1:]], products)],
    )


def reorder_key(item: Mapping[str, Any]) -> tuple[int, float]:
    """Most urgent first: by urgency, then by days of cover (none means no sales: last)."""
    cover = item.get("days_of_cover")
    return URGENCY_ORDER.get(item.get("urgency", ""), 9), cover if cover is not None else 1e9


def reorder_section(payloads: Payloads) -> ReportSection:
    view = payloads["wwi/stock-recommendations"]
    items = sorted(view["items"], key=reorder_key)
    shown = [{**i, "urgency": str(i["urgency"]).capitalize()} for i in items[:PDF_ROWS]]
    columns = [
        "urgency",
        "stock_item",
        "supplier",
        "quantity_on_hand",
        "reorder_level",
        "days_of_cover",
        "lead_time_days",
        "quantity_to_order",
        "estimated_cost",
    ]
    top = items[:15]
    return ReportSection(
        title="Reorder recommendations",
        intro=(
            f"{view['count']:,} stock items should be reordered now, for about "
            f"{display(view['total_estimated_cost'], 'money')} in all (sales up to "
            f"{view['anchor_date']}). Most urgent first: critical items have less cover than "
            "their supplier's lead time."
        ),
        charts=[
            partial(
                hbar_chart,
                "Days of cover left, most urgent items",
                [f"{i['stock_item']} ({i['urgency']})" for i in top],
                [i.get("days_of_cover") or 0.0 for i in top],
                money=False,
                color=PALETTE[1],
            )
        ],
        table=_table("WWI reorder recommendations", columns, shown),
        table_note=_more(len(shown), len(items)),
        sheets=[_table("WWI reorder recommendations", list(RECOMMENDATION_FIELDS), items)],
    )


RECOMMENDATION_FIELDS = (
    "urgency",
    "stock_item_key",
    "stock_item",
    "supplier",
    "quantity_on_hand",
    "reorder_level",
    "target_level",
    "daily_velocity",
    "lead_time_days",
    "days_of_cover",
    "quantity_per_outer",
    "outers_to_order",
    "quantity_to_order",
    "unit_cost",
    "estimated_cost",
)


def suppliers_section(payloads: Payloads) -> ReportSection:
    view = payloads["wwi/supplier-scores"]
    items = view["items"]
    window = view.get("window") or {}
    columns = [
        "rank",
        "supplier",
        "score",
        "fill_rate",
        "finalized_share",
        "lead_time_mean_days",
        "purchase_lines",
    ]
    return ReportSection(
        title="Supplier scores",
        intro=(
            f"Suppliers ranked by reliability over purchases from {window.get('start')} to "
            f"{window.get('end')}: 40 % fill rate (outers received of those ordered), 30 % "
            "share of lines finalised, 30 % speed and consistency of lead times."
        ),
        charts=[
            partial(
                hbar_chart,
                "Score (0-100)",
                [i["supplier"] for i in items],
                [i["score"] for i in items],
                money=False,
                value_max=100,
            )
        ],
        table=_table("WWI supplier scores", columns, items),
        sheets=[
            _table(
                "WWI supplier scores",
                [
                    "rank",
                    "supplier_key",
                    *columns[1:],
                    "ordered_outers",
                    "received_outers",
                    "lead_time_stddev_days",
                ],
                items,
            )
        ],
    )


def events_section(payloads: Payloads) -> ReportSection:
    events = payloads["wwi/business-events"]["items"]
    counts = Counter(str(e["event_type"]).replace("_", " ").capitalize() for e in events)
    columns = ["detected_at", "event_type", "stock_item", "severity", "message"]
    readable = [
        {**e, "event_type": str(e["event_type"]).replace("_", " ").capitalize()} for e in events
    ]
    shown = readable[:PDF_ROWS]
    return ReportSection(
        title="Business events",
        intro=(
            "Stock conditions the hourly job detected (stock-outs, items below their reorder "
            "level, overstock, demand spikes), newest first."
        ),
        charts=[
            partial(
                hbar_chart,
                "Events by type",
                list(counts),
                list(counts.values()),
                money=False,
                color=PALETTE[3],
            )
        ]
        if counts
        else [],
        table=_table("WWI business events", columns, shown),
        table_note=_more(len(shown), len(events)),
        sheets=[
            _table(
                "WWI business events",
                [
                    "id",
                    "detected_at",
                    "event_type",
                    "stock_item_key",
                    "stock_item",
                    "severity",
                    "message",
                    "cleared_at",
                ],
                readable,
            )
        ],
    )


SCENARIO_COLUMNS = (
    column("name", "Scenario"),
    column("created_at"),
    column("actor"),
    column("demand_change_pct", "Demand change", "percent", signed=True),
    column("price_change_pct", "Price change", "percent", signed=True),
    column("lead_time_change_days", "Lead time change (days)", "int", signed=True),
    column("horizon_days", "Days simulated", "int"),
    column("profit_change", "Profit change", "money", signed=True),
    column("stockout_days_change", "Stock-out days change", "int", signed=True),
)


def scenarios_section(payloads: Payloads) -> ReportSection:
    scenarios = payloads["wwi/scenarios"]["items"]
    records = [
        {
            **s,
            **s["inputs"],
            "profit_change": s["results"]["delta"].get("profit"),
            "stockout_days_change": s["results"]["delta"].get("stockout_days"),
        }
        for s in scenarios
    ]
    return ReportSection(
        title="What-if scenarios",
        intro=(
            "Saved what-if scenarios and their effect over the simulated days, against the "
            "same days without the change."
            if records
            else "No what-if scenarios have been saved yet."
        ),
        charts=[
            partial(
                hbar_chart,
                "Profit change",
                [r["name"] or f"#{r['id']}" for r in records],
                [r["profit_change"] or 0.0 for r in records],
                color=PALETTE[1],
            )
        ]
        if records
        else [],
        table=_table("WWI what-if scenarios", SCENARIO_COLUMNS, records[:PDF_ROWS])
        if records
        else None,
        sheets=[_table("WWI what-if scenarios", SCENARIO_COLUMNS, records)],
    )


SECTIONS: tuple[tuple[str, Callable[[Payloads], ReportSection]], ...] = (
    ("AdventureWorks sales history", history_section),
    ("AdventureWorks revenue forecast", forecast_section),
    ("Top sales reps", reps_section),
    ("Top products", products_section),
    ("Reorder recommendations", reorder_section),
    ("Supplier scores", suppliers_section),
    ("Business events", events_section),
    ("What-if scenarios", scenarios_section),
)


def build_sections(payloads: Payloads) -> list[ReportSection]:
    """Every view's section; one whose JSON is not in the expected shape says so instead."""
    sections = []
    for title, build in SECTIONS:
        try:
            sections.append(build(payloads))
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as error:
            logger.warning("report section %r could not be laid out: %r", title, error)
            sections.append(
                ReportSection(
                    title=title,
                    intro="This view's data did not arrive in the expected form.",
                )
            )
    return sections
