"""Sales KPIs and sales history: per-channel sums in SQL, ratios and calendars in Python.

Formulas (also in docs/aw-service.md):
- revenue = SUM(SalesAmount); orders = COUNT(DISTINCT SalesOrderNumber); units = SUM(OrderQuantity)
- average order value = revenue / orders; gross margin = SUM(SalesAmount - TotalProductCost)
- margin % = 100 * gross margin / revenue; growth % = 100 * (this year / previous year - 1)
- total = internet + reseller (the two channels draw order numbers from one sequence, so their
  distinct order counts add up; the data-quality job checks it).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Row, Select, func, select, union_all

from services.aw_service.analytics_common import (
    CHANNELS,
    FACTS,
    Anchor,
    Warehouse,
    channel_label,
    date_key,
    day_positions,
    money_sum,
    read_anchor,
    safe_ratio,
    to_float,
    window_days,
)
from services.aw_service.models import (
    ChannelKpis,
    KpiGrowth,
    PeriodKpis,
    SalesHistory,
    SalesKpis,
)
from shared.core.errors import invalid_field
from shared.core.warehouse import STATEMENT_CACHE, Fetch, records, unpacked
from shared.db.warehouse import aw_tables as aw

_Totals = dict[str, float]  # revenue, orders, units, cost


@functools.cache
def kpi_statement() -> Select[Any]:
    """Revenue, orders, units and product cost per channel and calendar year (via DimDate)."""
    year = aw.DimDate.c.CalendarYear
    parts = []
    for channel, fact in FACTS.items():
        parts.append(
            select(
                channel_label(channel),
                year.label("year"),
                money_sum(fact.c.SalesAmount).label("revenue"),
                func.count(fact.c.SalesOrderNumber.distinct()).label("orders"),
                func.sum(fact.c.OrderQuantity).label("units"),
                money_sum(fact.c.TotalProductCost).label("cost"),
            )
            .select_from(fact.join(aw.DimDate, aw.DimDate.c.DateKey == fact.c.OrderDateKey))
            .group_by(year)
        )
    return select(union_all(*parts).subquery("sales_by_year"))


def _channel_kpis(channel: str, totals: _Totals) -> ChannelKpis:
    revenue, cost, orders = totals["revenue"], totals["cost"], int(totals["orders"])
    margin = revenue - cost
    aov = safe_ratio(revenue, orders)
    margin_ratio = safe_ratio(margin, revenue)
    return ChannelKpis(
        channel=channel,
        revenue=round(revenue, 4),
        orders=orders,
        units=int(totals["units"]),
        average_order_value=None if aov is None else round(aov, 4),
        gross_margin=round(margin, 4),
        margin_pct=None if margin_ratio is None else round(100 * margin_ratio, 4),
    )


def _growth(current: float, previous: float) -> float | None:
    ratio = safe_ratio(current, previous)
    return None if ratio is None else round(100 * (ratio - 1), 4)


def _period(label: str, start: dt.date, end: dt.date, by_channel: dict[str, _Totals]) -> PeriodKpis:
    total: _Totals = defaultdict(float)
    channels = []
    for channel in CHANNELS:
        sums = by_channel.get(channel, defaultdict(float))
        for name in ("revenue", "orders", "units", "cost"):
            total[name] += sums[name]
        channels.append(_channel_kpis(channel, sums))
    channels.append(_channel_kpis("total", total))
    return PeriodKpis(label=label, start=start, end=end, channels=channels)


def _channel_sums() -> dict[str, _Totals]:
    return defaultdict(lambda: defaultdict(float))


def build_kpis(rows: Sequence[Mapping[str, Any]], anchor: Anchor, year: int | None) -> SalesKpis:
    """KPIs from the rows of `kpi_statement`; `year` defaults to the latest complete year."""
    target = anchor.latest_complete_year if year is None else year
    per_year: dict[int, dict[str, _Totals]] = defaultdict(_channel_sums)
    whole = _channel_sums()
    for row in rows:
        for bucket in (per_year[int(row["year"])][row["channel"]], whole[row["channel"]]):
            bucket["revenue"] += to_float(row["revenue"])
            bucket["orders"] += int(row["orders"] or 0)
            bucket["units"] += int(row["units"] or 0)
            bucket["cost"] += to_float(row["cost"])

    def year_period(y: int) -> PeriodKpis:
        end = min(dt.date(y, 12, 31), anchor.latest)
        return _period(str(y), dt.date(y, 1, 1), end, per_year.get(y, {}))

    current, previous = year_period(target), year_period(target - 1)
    growth = [
        KpiGrowth(
            channel=now.channel,
            revenue_growth_pct=_growth(now.revenue, before.revenue),
            orders_growth_pct=_growth(now.orders, before.orders),
            units_growth_pct=_growth(now.units, before.units),
            gross_margin_growth_pct=_growth(now.gross_margin, before.gross_margin),
        )
        for now, before in zip(current.channels, previous.channels, strict=True)
    ]
    return SalesKpis(
        anchor_date=anchor.latest,
        first_order_date=anchor.first,
        year=target,
        previous_year=target - 1,
        whole_warehouse=_period("all", anchor.first, anchor.latest, whole),
        current=current,
        previous=previous,
        growth=growth,
    )


def check_year(anchor: Anchor, year: int | None) -> None:
    """A `year=` outside the warehouse's years is a 422 naming the field and the range."""
    if year is not None and not anchor.first.year <= year <= anchor.latest.year:
        raise invalid_field(
            "year",
            f"must be between {anchor.first.year} and {anchor.latest.year} (years with orders)",
        )


async def sales_kpis(warehouse: Warehouse, year: int | None = None) -> SalesKpis:
    """Whole-warehouse KPIs and `year` (default: latest complete year) against the year before."""
    anchor, rows = await warehouse.run(lambda fetch: (read_anchor(fetch), fetch(kpi_statement())))
    check_year(anchor, year)
    return build_kpis(records(rows), anchor, year)


def history_window(anchor: Anchor, days_back: int) -> tuple[dt.date, dt.date]:
    """The `days_back` days ending at (and including) the anchor."""
    return anchor.latest - dt.timedelta(days=days_back - 1), anchor.latest


@functools.lru_cache(maxsize=STATEMENT_CACHE)
def daily_sales_statement(start: dt.date, end: dt.date) -> Select[Any]:
    """Revenue, distinct orders and units per channel and order day, `start`..`end` inclusive."""
    parts = []
    for channel, fact in FACTS.items():
        parts.append(
            select(
                channel_label(channel),
                fact.c.OrderDateKey.label("day_key"),
                money_sum(fact.c.SalesAmount).label("revenue"),
                func.count(fact.c.SalesOrderNumber.distinct()).label("orders"),
                func.sum(fact.c.OrderQuantity).label("units"),
            )
            .where(fact.c.OrderDateKey.between(date_key(start), date_key(end)))
            .group_by(fact.c.OrderDateKey)
        )
    return select(union_all(*parts).subquery("sales_by_day"))


@functools.lru_cache(maxsize=STATEMENT_CACHE)
def daily_revenue_statement(start: dt.date, end: dt.date) -> Select[Any]:
    """Revenue of both channels together per order day, `start`..`end` inclusive: rows of
    (day_key, revenue)."""
    window = (date_key(start), date_key(end))
    lines = union_all(
        *[
            select(fact.c.OrderDateKey.label("day_key"), fact.c.SalesAmount.label("amount")).where(
                fact.c.OrderDateKey.between(*window)
            )
            for fact in FACTS.values()
        ]
    ).subquery("order_lines")
    return select(lines.c.day_key, money_sum(lines.c.amount).label("revenue")).group_by(
        lines.c.day_key
    )


_MEASURES = ("revenue", "orders", "units")


def _points(
    periods: Sequence[dt.date], series: dict[tuple[str, str], np.ndarray]
) -> list[dict[str, Any]]:
    """Point dicts (validated once, with their `SalesHistory`) from per-channel arrays."""
    columns: dict[str, list[Any]] = {}
    for measure in _MEASURES:
        parts = [series[channel, measure] for channel in CHANNELS]
        total = parts[0] + parts[1]
        if measure == "revenue":
            columns[measure] = np.round(total, 4).tolist()
            for channel, part in zip(CHANNELS, parts, strict=True):
                columns[f"{channel}_{measure}"] = np.round(part, 4).tolist()
        else:
            columns[measure] = total.astype(np.int64).tolist()
            for channel, part in zip(CHANNELS, parts, strict=True):
                columns[f"{channel}_{measure}"] = part.astype(np.int64).tolist()
    names = list(columns)
    return [
        {"period": period, **dict(zip(names, values, strict=True))}
        for period, *values in zip(periods, *columns.values(), strict=True)
    ]


def build_history(rows: Sequence[Row[Any]], anchor: Anchor, days_back: int) -> SalesHistory:
    """Zero-filled daily points and their calendar-month sums, from the rows of
    `daily_sales_statement` as the driver returns them (no per-row dict).

    Monthly orders are the sum of daily distinct orders: an order's lines share one order date
    (the data-quality check `orders_with_several_dates` watches this).
    """
    start, end = history_window(anchor, days_back)
    days = window_days(start, (end - start).days + 1)
    index = day_positions(start, len(days))
    sums: dict[tuple[str, str], list[float]] = {
        (channel, measure): [0.0] * len(days) for channel in CHANNELS for measure in _MEASURES
    }
    by_day = unpacked(rows, "channel", "day_key", "revenue", "orders", "units")
    for channel, key, revenue, orders, units in by_day:
        i = index.get(key)
        if i is not None:
            sums[channel, "revenue"][i] += to_float(revenue)
            sums[channel, "orders"][i] += orders or 0
            sums[channel, "units"][i] += units or 0
    daily = {name: np.asarray(values) for name, values in sums.items()}
    month_starts = [i for i, day in enumerate(days) if i == 0 or day.day == 1]
    monthly = {name: np.add.reduceat(values, month_starts) for name, values in daily.items()}
    return SalesHistory.model_validate(
        {
            "anchor_date": anchor.latest,
            "days_back": days_back,
            "start_date": start,
            "end_date": end,
            "daily": _points(days, daily),
            "monthly": _points([days[i].replace(day=1) for i in month_starts], monthly),
        }
    )


async def sales_history(warehouse: Warehouse, days_back: int) -> SalesHistory:
    """Daily and monthly revenue, orders and units per channel for the `days_back` days."""

    def read(fetch: Fetch) -> tuple[Anchor, Sequence[Row[Any]]]:
        anchor = read_anchor(fetch)
        return anchor, fetch(daily_sales_statement(*history_window(anchor, days_back)))

    anchor, rows = await warehouse.run(read)
    return build_history(rows, anchor, days_back)
