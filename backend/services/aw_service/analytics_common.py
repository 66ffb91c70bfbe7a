"""What every AdventureWorks analytic shares: the warehouse port, the anchor date, date keys.

The sample warehouse ends years ago, so no window is ever measured from today's date: every one is
anchored at the latest order date in the warehouse (`Anchor`). Dates are read through the
warehouse's own integer keys (`OrderDateKey` = YYYYMMDD, NOT NULL in both fact tables), which
keeps every statement free of date literals and identical on SQL Server and DuckDB.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, Protocol, TypeVar

from sqlalchemy import Double, Row, Select, Table, cast, func, literal_column, select
from sqlalchemy.sql import Executable

from shared.core.warehouse import STATEMENT_CACHE, Fetch, NoWarehouseData
from shared.db.warehouse import aw_tables as aw

T = TypeVar("T")
Channel = Literal["internet", "reseller"]
CHANNELS: tuple[Channel, ...] = ("internet", "reseller")
FACTS: dict[Channel, Table] = {
    "internet": aw.FactInternetSales,
    "reseller": aw.FactResellerSales,
}


class Warehouse(Protocol):
    """The read side the analytics need: one statement in, its rows out.

    `shared.core.warehouse.WarehouseClient` implements it (guarded, off the event loop, 503 when
    the warehouse is down); tests may pass any object with the same method.
    """

    async def fetch(self, statement: Executable) -> Sequence[Row[Any]]: ...

    async def run(self, plan: Callable[[Fetch], T]) -> T:
        """`plan(fetch)` on one connection in one worker thread: an analytic's statements."""
        ...


class NoSalesData(NoWarehouseData):
    """The warehouse has no order lines at all, so there is nothing to anchor a window at."""


def date_key(day: dt.date) -> int:
    """The YYYYMMDD integer key of `day` (`DimDate.DateKey`, `OrderDateKey`)."""
    return day.year * 10000 + day.month * 100 + day.day


@functools.lru_cache(maxsize=STATEMENT_CACHE)
def window_days(start: dt.date, count: int) -> tuple[dt.date, ...]:
    """The `count` days from `start` (memoised like the statements: a window's calendar is the
    same on every call)."""
    return tuple(start + dt.timedelta(days=i) for i in range(count))


@functools.lru_cache(maxsize=STATEMENT_CACHE)
def day_positions(start: dt.date, count: int) -> dict[int, int]:
    """Each date key's position among `window_days(start, count)`; shared, so read only."""
    return {date_key(day): i for i, day in enumerate(window_days(start, count))}


def key_date(key: int) -> dt.date:
    """The date of a YYYYMMDD key."""
    return dt.date(key // 10000, key // 100 % 100, key % 100)


def to_float(value: Decimal | float | int | None) -> float:
    """Warehouse money (Decimal) or NULL as a float; NULL counts as 0 in sums."""
    return 0.0 if value is None else float(value)


def money_sum(column: Any) -> Any:
    """SUM of a money column as a float in SQL: the warehouse sums exactly (decimal), and the
    driver hands back one double instead of a Decimal object per row."""
    return cast(func.sum(column), Double)


def channel_label(channel: Channel) -> Any:
    """The channel name as an inlined SQL literal (never a bound parameter in a SELECT list)."""
    return literal_column(f"'{channel}'").label("channel")


@dataclass(frozen=True)
class Anchor:
    """The warehouse's date range: every window is measured back from `latest`."""

    first: dt.date
    latest: dt.date

    @property
    def latest_complete_year(self) -> int:
        """The latest calendar year whose last day is on or before the anchor."""
        return (
            self.latest.year
            if (self.latest.month, self.latest.day) == (12, 31)
            else (self.latest.year - 1)
        )

    def last_complete_month(self) -> tuple[int, int]:
        """(year, month) of the latest calendar month that ends on or before the anchor."""
        next_day = self.latest + dt.timedelta(days=1)
        if next_day.day == 1:
            return self.latest.year, self.latest.month
        first_of_month = self.latest.replace(day=1)
        previous = first_of_month - dt.timedelta(days=1)
        return previous.year, previous.month


@functools.cache
def anchor_statement() -> Select[Any]:
    """First and latest `OrderDateKey` over both fact tables, in one round trip."""
    internet, reseller = aw.FactInternetSales.c, aw.FactResellerSales.c
    return select(
        select(func.min(internet.OrderDateKey)).scalar_subquery().label("internet_first"),
        select(func.max(internet.OrderDateKey)).scalar_subquery().label("internet_latest"),
        select(func.min(reseller.OrderDateKey)).scalar_subquery().label("reseller_first"),
        select(func.max(reseller.OrderDateKey)).scalar_subquery().label("reseller_latest"),
    )


async def load_anchor(warehouse: Warehouse) -> Anchor:
    """The warehouse's first and latest order date (both channels); `NoSalesData` when empty."""
    return anchor_from(await warehouse.fetch(anchor_statement()))


def read_anchor(fetch: Fetch) -> Anchor:
    """`load_anchor` inside a read plan (`Warehouse.run`)."""
    return anchor_from(fetch(anchor_statement()))


def anchor_from(rows: Sequence[Row[Any]]) -> Anchor:
    """The `Anchor` of `anchor_statement`'s rows; `NoSalesData` when the warehouse is empty."""
    row = rows[0]
    firsts = [k for k in (row.internet_first, row.reseller_first) if k is not None]
    latests = [k for k in (row.internet_latest, row.reseller_latest) if k is not None]
    if not latests:
        raise NoSalesData("no order lines in FactInternetSales or FactResellerSales")
    return Anchor(first=key_date(int(min(firsts))), latest=key_date(int(max(latests))))


def last_months(end_year: int, end_month: int, count: int) -> list[tuple[int, int]]:
    """`count` calendar months as (year, month), oldest first, ending with the given month."""
    index = end_year * 12 + (end_month - 1)
    return [(i // 12, i % 12 + 1) for i in range(index - count + 1, index + 1)]


def safe_ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when the denominator is 0 (no basis to compare)."""
    return None if denominator == 0 else numerator / denominator
