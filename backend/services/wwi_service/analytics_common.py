"""Building blocks every WWI analytic shares: the warehouse port, date windows, anchors.

Windows are anchored at the latest date a fact table holds, never at today's date: the sample
warehouses end years ago, and a production warehouse loaded nightly ends yesterday. Every bound
is computed here in Python and travels as a bound parameter, because date arithmetic is the one
thing T-SQL and DuckDB spell differently (`DATEADD` versus `INTERVAL`).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from opentelemetry import trace
from sqlalchemy import ColumnElement, Select, func, select

from services.wwi_service.models import Period
from shared.core.warehouse import Fetch, NoWarehouseData
from shared.db.warehouse import wwi_tables as wwi

tracer = trace.get_tracer("wwi_service.analytics")
T = TypeVar("T")


class Warehouse(Protocol):
    """The read side the analytics need: run one guarded SELECT, get its rows.

    `shared.core.deps.WarehouseClient` satisfies it in the service (worker thread, query guard,
    503 when the warehouse is down); tests may pass any object with the same method.
    """

    async def fetch(self, statement: Select[Any]) -> Sequence[Any]: ...

    async def run(self, plan: Callable[[Fetch], T]) -> T:
        """`plan(fetch)` on one connection in one worker thread: a view's statements."""
        ...


@dataclass(frozen=True)
class Window:
    """An inclusive range of calendar days `[start, end]`."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, column: ColumnElement[Any]) -> ColumnElement[bool]:
        """`column BETWEEN start AND end` with both bounds as parameters."""
        return column.between(self.start, self.end)

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def as_period(window: Window | None) -> Period | None:
    """A window as the responses show it."""
    return None if window is None else Period(start=window.start, end=window.end)


def trailing(anchor: dt.date, days: int) -> Window:
    """The `days` calendar days ending at (and including) `anchor`."""
    return Window(anchor - dt.timedelta(days=days - 1), anchor)


def shift_year(day: dt.date, years: int = -1) -> dt.date:
    """The same calendar day `years` years away; 29 February falls back to the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def year_before(window: Window) -> Window:
    """The window one calendar year earlier (the year-over-year comparison period)."""
    return Window(shift_year(window.start), shift_year(window.end))


@functools.cache
def latest_sale_date_query() -> Select[Any]:
    """Anchor of every sales window: the last invoice date in `Fact.Sale`."""
    return select(func.max(wwi.Sale.c["Invoice Date Key"]).label("anchor"))


@functools.cache
def latest_purchase_date_query() -> Select[Any]:
    """Anchor of the supplier windows: the last purchase order date in `Fact.Purchase`."""
    return select(func.max(wwi.Purchase.c["Date Key"]).label("anchor"))


async def fetch_anchor(warehouse: Warehouse, statement: Select[Any]) -> dt.date | None:
    """Run an anchor query; None when the fact table is empty."""
    return anchor_date(await warehouse.fetch(statement))


def anchor_date(rows: Sequence[Any]) -> dt.date | None:
    """The date an anchor query returned; None when the fact table is empty."""
    value = rows[0][0] if rows else None
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def read_anchor(fetch: Fetch, statement: Select[Any], table: str) -> dt.date:
    """Run an anchor query inside a read plan (`Warehouse.run`); an empty fact table is
    `NoWarehouseData` naming it (the shared 503: an analytic of no rows would be a misleading
    row of zeros)."""
    anchor = anchor_date(fetch(statement))
    if anchor is None:
        raise NoWarehouseData(f"no rows in {table}")
    return anchor


def number(value: Any) -> float:
    """A warehouse numeric (Decimal, int, None) as float; NULL aggregates count as 0."""
    if value is None:
        return 0.0
    if isinstance(value, Decimal):
        return float(value)
    return float(value)


def integer(value: Any) -> int:
    """A warehouse integer aggregate (NULL -> 0)."""
    return 0 if value is None else int(value)


def mapping(row: Any) -> Mapping[str, Any]:
    """Column-name access to a SQLAlchemy `Row` (or an already-mapped row)."""
    if isinstance(row, Mapping):
        return row
    return row._mapping  # type: ignore[no-any-return]


def ratio(numerator: float, denominator: float) -> float | None:
    """`numerator / denominator`, or None when the denominator is zero (no basis)."""
    return None if denominator == 0 else numerator / denominator
