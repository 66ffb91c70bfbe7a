"""aw analytics on Microsoft's real AdventureWorksDW equal figures computed from the files.

The expected values are computed here straight from the pipe-delimited files with the csv module
and exact `Decimal` sums (no DuckDB, no SQL), so the loader, the queries and the formulas are all
checked end to end. Skips when `../shared/data/adventureworks-dw` is absent.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from services.aw_service import analytics
from shared.core.warehouse import WarehouseClient

AW_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "adventureworks-dw"

pytestmark = pytest.mark.timeout(180)


@dataclass(frozen=True)
class Line:
    channel: str
    product: int
    day: dt.date
    order: str
    quantity: int
    cost: Decimal
    amount: Decimal
    employee: int | None


def _rows(name: str) -> list[list[str]]:
    with (AW_DATA / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter="|", quoting=csv.QUOTE_NONE))


def _day(key: str) -> dt.date:
    return dt.date(int(key[:4]), int(key[4:6]), int(key[6:8]))


@pytest.fixture(scope="module")
def lines(aw_real_dir: Path) -> list[Line]:
    # (product, date key, order number, quantity, cost, amount, employee) column positions
    layouts = {
        "internet": ("FactInternetSales", 0, 1, 8, 11, 17, 18, None),
        "reseller": ("FactResellerSales", 0, 1, 9, 12, 18, 19, 5),
    }
    out = []
    for channel, (name, p, d, o, q, c, a, e) in layouts.items():
        for r in _rows(name):
            out.append(
                Line(channel, int(r[p]), _day(r[d]), r[o], int(r[q]), Decimal(r[c]),
                     Decimal(r[a]), int(r[e]) if e is not None else None)
            )  # fmt: skip
    return out


def near(actual: float | None, expected: Decimal | float, tol: float = 0.006) -> bool:
    return actual is not None and abs(actual - float(expected)) <= tol


async def test_kpis_equal_the_files(aw_real_warehouse: WarehouseClient, lines: list[Line]) -> None:
    kpis = await analytics.sales_kpis(aw_real_warehouse)
    assert kpis.anchor_date == max(line.day for line in lines) == dt.date(2014, 1, 28)
    assert (kpis.year, kpis.previous_year) == (2013, 2012)
    for period, keep in (
        (kpis.whole_warehouse, lambda d: True),
        (kpis.current, lambda d: d.year == 2013),
        (kpis.previous, lambda d: d.year == 2012),
    ):
        for item in period.channels:
            picked = [x for x in lines if keep(x.day) and item.channel in ("total", x.channel)]
            revenue = sum((x.amount for x in picked), Decimal(0))
            margin = revenue - sum((x.cost for x in picked), Decimal(0))
            orders = len({x.order for x in picked})
            assert near(item.revenue, revenue), (period.label, item.channel)
            assert item.orders == orders
            assert item.units == sum(x.quantity for x in picked)
            assert near(item.gross_margin, margin)
            assert near(item.margin_pct, 100 * margin / revenue, 1e-3)
            assert near(item.average_order_value, revenue / orders, 1e-3)


async def test_top_products_equal_the_files(
    aw_real_warehouse: WarehouseClient, lines: list[Line]
) -> None:
    demand = await analytics.product_demand(aw_real_warehouse, top_n=10)
    # The data ends 2014-01-28, so the last complete month is December 2013.
    assert (demand.period_start, demand.period_end) == (dt.date(2013, 1, 1), dt.date(2013, 12, 31))
    units: dict[int, np.ndarray] = defaultdict(lambda: np.zeros(12))
    revenue: dict[int, Decimal] = defaultdict(Decimal)
    for x in lines:
        if x.day.year == 2013:
            units[x.product][x.day.month - 1] += x.quantity
            revenue[x.product] += x.amount
    total = sum(revenue.values(), Decimal(0))
    ranking = sorted(units, key=lambda k: (-units[k].sum(), -revenue[k], k))
    assert [p.product_key for p in demand.products] == ranking[:10]
    names = {int(r[0]): r[5] for r in _rows("DimProduct")}
    for product in demand.products:
        assert product.product_name == names[product.product_key]
        assert product.units == units[product.product_key].sum()
        assert near(product.revenue, revenue[product.product_key])
        assert near(product.revenue_share_pct, 100 * revenue[product.product_key] / total, 1e-3)
        slope = np.polyfit(np.arange(12), units[product.product_key], 1)[0]
        assert near(product.trend_units_per_month, slope, 1e-3)


async def test_top_reps_equal_the_files(
    aw_real_warehouse: WarehouseClient, lines: list[Line]
) -> None:
    scores = await analytics.rep_scores(aw_real_warehouse, top_n=10)
    assert scores.year == 2013
    revenue: dict[int, Decimal] = defaultdict(Decimal)
    orders: dict[int, set[str]] = defaultdict(set)
    by_quarter: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for x in lines:
        if x.channel == "reseller" and x.day.year == 2013 and x.employee is not None:
            revenue[x.employee] += x.amount
            orders[x.employee].add(x.order)
            by_quarter[(x.employee, (x.day.month - 1) // 3 + 1)] += x.amount
    quota: dict[int, Decimal] = defaultdict(Decimal)
    achieved: dict[int, Decimal] = defaultdict(Decimal)
    quarters: dict[int, set[int]] = defaultdict(set)
    for r in _rows("FactSalesQuota"):
        if int(r[3]) == 2013:
            quota[int(r[1])] += Decimal(r[5])
            quarters[int(r[1])].add(int(r[4]))
    for key, seen in quarters.items():
        achieved[key] = sum((by_quarter[(key, q)] for q in seen), Decimal(0))
    keys = set(revenue) | set(quota)
    top_revenue = max(revenue.values())
    top_orders = max(len(v) for v in orders.values())
    expected = {}
    for key in keys:
        volume = 0.3 * float(revenue[key] / top_revenue) + 0.2 * len(orders[key]) / top_orders
        if key in quota:
            attainment = min(float(achieved[key] / quota[key]), 1.5) / 1.5
            expected[key] = 100 * (0.5 * attainment + volume)
        else:
            expected[key] = 100 * volume / 0.5
    ranking = sorted(keys, key=lambda k: (-round(expected[k], 4), -revenue[k], k))
    assert [rep.employee_key for rep in scores.reps] == ranking[:10]
    names = {int(r[0]): f"{r[5]} {r[6]}" for r in _rows("DimEmployee")}
    for rep in scores.reps:
        assert rep.rep_name == names[rep.employee_key]
        assert near(rep.revenue, revenue[rep.employee_key])
        assert rep.orders == len(orders[rep.employee_key])
        assert near(rep.score, expected[rep.employee_key], 1e-3)
        if rep.quota is not None:
            assert near(rep.quota, quota[rep.employee_key])
            assert near(
                rep.attainment_pct, 100 * achieved[rep.employee_key] / quota[rep.employee_key], 1e-3
            )


async def test_history_and_forecast_run_on_the_real_warehouse(
    aw_real_warehouse: WarehouseClient, lines: list[Line]
) -> None:
    history = await analytics.sales_history(aw_real_warehouse, 31)
    january = [x for x in lines if x.day >= dt.date(2013, 12, 29)]
    assert near(
        sum(p.revenue for p in history.daily), sum((x.amount for x in january), Decimal(0)), 0.05
    )
    forecast = await analytics.sales_forecast(aw_real_warehouse, 14)
    assert forecast.points[0].date == dt.date(2014, 1, 29) and len(forecast.points) == 14
