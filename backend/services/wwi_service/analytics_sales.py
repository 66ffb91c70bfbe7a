"""WWI sales KPIs from `Fact.Sale`: one period against the same period a year earlier.

Formulas (period = the `days` days ending at the last invoice date):
  revenue   = SUM("Total Excluding Tax")         (revenue is always reported without tax)
  profit    = SUM("Profit")
  margin    = profit / revenue                   (None when revenue is 0)
  orders    = COUNT(DISTINCT "WWI Invoice ID")
  units     = SUM("Quantity")
  customers = COUNT(DISTINCT "Customer Key")
  growth    = (value - value a year earlier) / value a year earlier, for revenue, profit,
              orders and units (None when the earlier value is 0)
Both periods are read in one statement with conditional aggregates.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Select, case, cast, func, literal, select

from services.wwi_service.analytics_common import (
    Warehouse,
    Window,
    as_period,
    integer,
    latest_sale_date_query,
    mapping,
    number,
    ratio,
    read_anchor,
    tracer,
    trailing,
    year_before,
)
from services.wwi_service.models import KpiFigures, KpiGrowth, SalesKpisResponse
from shared.core.warehouse import STATEMENT_CACHE, Fetch
from shared.db.warehouse import wwi_tables as wwi

S = wwi.Sale.c


@dataclass(frozen=True)
class _Sums:
    """One period's sums as read, before rounding (margin and growth use these)."""

    revenue: float
    profit: float
    orders: int
    units: int
    customers: int

    def figures(self) -> KpiFigures:
        return KpiFigures(
            revenue=round(self.revenue, 2),
            profit=round(self.profit, 2),
            margin=ratio(self.profit, self.revenue),
            orders=self.orders,
            units=self.units,
            customers=self.customers,
        )


def _growth(current: _Sums, previous: _Sums) -> KpiGrowth:
    def change(name: str) -> float | None:
        now, before = getattr(current, name), getattr(previous, name)
        return ratio(float(now - before), float(before))

    return KpiGrowth(
        revenue=change("revenue"),
        profit=change("profit"),
        orders=change("orders"),
        units=change("units"),
    )


def _period_columns(window: Window, prefix: str) -> list[Any]:
    inside = window.contains(S["Invoice Date Key"])
    return [
        func.sum(case((inside, S["Total Excluding Tax"]), else_=0)).label(f"{prefix}_revenue"),
        func.sum(case((inside, S["Profit"]), else_=0)).label(f"{prefix}_profit"),
        func.count(func.distinct(case((inside, S["WWI Invoice ID"]), else_=None))).label(
            f"{prefix}_orders"
        ),
        func.sum(case((inside, cast(S["Quantity"], BigInteger)), else_=literal(0))).label(
            f"{prefix}_units"
        ),
        func.count(func.distinct(case((inside, S["Customer Key"]), else_=None))).label(
            f"{prefix}_customers"
        ),
    ]


@functools.lru_cache(maxsize=STATEMENT_CACHE)
def kpi_query(period: Window, previous: Window) -> Select[Any]:
    """Both periods' figures in one row (`cur_*`, `prev_*`)."""
    return select(*_period_columns(period, "cur"), *_period_columns(previous, "prev")).where(
        S["Invoice Date Key"].between(min(period.start, previous.start), period.end)
    )


def _sums(row: Any, prefix: str) -> _Sums:
    values = mapping(row)
    return _Sums(
        revenue=number(values[f"{prefix}_revenue"]),
        profit=number(values[f"{prefix}_profit"]),
        orders=integer(values[f"{prefix}_orders"]),
        units=integer(values[f"{prefix}_units"]),
        customers=integer(values[f"{prefix}_customers"]),
    )


async def sales_kpis(warehouse: Warehouse, *, days: int) -> SalesKpisResponse:
    """KPIs for the `days` days ending at the last invoice date, with year-over-year growth;
    `NoWarehouseData` when `Fact.Sale` is empty."""

    def read(fetch: Fetch) -> tuple[dt.date, Window, Window, Sequence[Any]]:
        anchor = read_anchor(fetch, latest_sale_date_query(), "Fact.Sale")
        period = trailing(anchor, days)
        previous = year_before(period)
        return anchor, period, previous, fetch(kpi_query(period, previous))

    with tracer.start_as_current_span("wwi.analytics.sales_kpis") as span:
        anchor, period, previous, rows = await warehouse.run(read)
        span.set_attribute("wwi.anchor_date", anchor.isoformat())
        current, before = _sums(rows[0], "cur"), _sums(rows[0], "prev")
        return SalesKpisResponse(
            anchor_date=anchor,
            days=days,
            period=as_period(period),
            previous_period=as_period(previous),
            current=current.figures(),
            previous=before.figures(),
            growth=_growth(current, before),
        )
