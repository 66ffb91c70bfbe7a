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
from shared.core.warehouse import STATEMENT_CACHE, Fetch
from shared.db.warehouse import wwi_tables as wwi

S = wwi.Sale.c


@dataclass(frozen=True)
class PeriodFigures:
    revenue: float
    profit: float
    orders: int
    units: int
    customers: int

    @property
    def margin(self) -> float | None:
        return ratio(self.profit, self.revenue)


@dataclass(frozen=True)
class SalesKpis:
    anchor_date: dt.date
    period: Window
    previous_period: Window
    current: PeriodFigures
    previous: PeriodFigures

    def growth(self, name: str) -> float | None:
        now, before = getattr(self.current, name), getattr(self.previous, name)
        return ratio(float(now - before), float(before))


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


def _figures(row: Any, prefix: str) -> PeriodFigures:
    values = mapping(row)
    return PeriodFigures(
        revenue=number(values[f"{prefix}_revenue"]),
        profit=number(values[f"{prefix}_profit"]),
        orders=integer(values[f"{prefix}_orders"]),
        units=integer(values[f"{prefix}_units"]),
        customers=integer(values[f"{prefix}_customers"]),
    )


async def sales_kpis(warehouse: Warehouse, *, days: int) -> SalesKpis:
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
        return SalesKpis(
            anchor, period, previous, _figures(rows[0], "cur"), _figures(rows[0], "prev")
        )
