"""The report's AdventureWorks sections: sales history, revenue forecast, top reps, top products.

History is charted by month and by day but tabulated by month; the forecast follows the recent
actuals with its interval band and is tabulated by week; rankings are horizontal bars.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from functools import partial

from services.api_gateway.report_tables import Chart, Payloads, month_name, table
from shared.core.export import ExportTable
from shared.core.labels import as_date, column, display
from shared.core.report_charts import PALETTE, Band, Series, hbar_chart, stacked_bars, time_chart
from shared.core.reports import ReportSection


def history_section(payloads: Payloads) -> ReportSection:
    history = payloads["aw/sales-history"]
    daily, monthly = history["daily"], history["monthly"]
    start, end = history["start_date"], history["end_date"]
    points = [(as_date(p["period"]), p) for p in daily]
    days = [(d, p) for d, p in points if d is not None]
    average = moving_average([(d, p["revenue"]) for d, p in days])
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
    partial_months = []
    if first and as_date(start) and first < (as_date(start) or first):
        partial_months.append(f"{month_name(first)} starts on {start}")
    last, end_day = (months[-1] if months else None), as_date(end)
    if last and end_day and (end_day + timedelta(days=1)).month == end_day.month:
        partial_months.append(f"{month_name(last)} ends on {end}")
    note = f"Partial months: {'; '.join(partial_months)}." if partial_months else None
    return ReportSection(
        title="AdventureWorks sales history",
        intro=(
            f"Revenue of both channels over the {history['days_back']} days from {start} to "
            f"{end}. Resellers order about once a month, so the daily chart shows the internet "
            "channel and the 30-day average of all sales; the table totals each month."
        ),
        charts=charts,
        table=table("AW sales by month", month_columns, monthly),
        table_note=note,
        sheets=[
            table("AW sales by month", ["period", *HISTORY_FIELDS], monthly),
            table("AW sales by day", ["period", *HISTORY_FIELDS], daily),
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


def moving_average(points: list[tuple[date, float]], window: int = 30) -> list[tuple[date, float]]:
    """Trailing mean over `window` days, from the first day with a full window behind it:
    resellers order about once a month, so single days swing by an order of magnitude."""
    return [
        (day, sum(v for _, v in points[i - window + 1 : i + 1]) / window)
        for i, (day, _) in enumerate(points)
        if i >= window - 1
    ]


def forecast_section(payloads: Payloads) -> ReportSection:
    forecast, history = payloads["aw/sales-forecast"], payloads["aw/sales-history"]
    points = [(as_date(p["date"]), p) for p in forecast["points"]]
    future = [(d, p) for d, p in points if d is not None]
    daily = [(as_date(p["period"]), p["revenue"]) for p in history["daily"][-120:]]
    recent = moving_average([(d, v) for d, v in daily if d])[-90:]
    level = forecast["interval_level"]
    series = [
        Series("Actual, 30-day average", recent, PALETTE[2], 1.2),
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
            f"the {level:.0%} prediction interval; actuals are a 30-day average. Backtest on "
            f"held-back days: {backtests}."
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
            table(
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
        table=table("AW top sales reps", columns, reps),
        sheets=[
            table(
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
        table=table("AW top products", columns, products),
        sheets=[table("AW products", ["rank", "product_key", *columns[1:]], products)],
    )
