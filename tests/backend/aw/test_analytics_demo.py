"""Each aw analytic on the demo warehouse equals an independent SQL computation in the test.

The expected figures are computed here with hand-written DuckDB SQL on the same file (joins by
date strings, not by our key arithmetic), so a wrong window, join or formula in the service shows.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

from services.aw_service import analytics
from shared.core.warehouse import WarehouseClient
from tests.backend.aw.support import Query

pytestmark = pytest.mark.timeout(120)

UNION = """
    SELECT 'internet' AS channel, OrderDate, SalesOrderNumber, OrderQuantity, SalesAmount,
           TotalProductCost, ProductKey, NULL AS EmployeeKey FROM dbo.FactInternetSales
    UNION ALL
    SELECT 'reseller', OrderDate, SalesOrderNumber, OrderQuantity, SalesAmount,
           TotalProductCost, ProductKey, EmployeeKey FROM dbo.FactResellerSales
"""


def close(actual: float | None, expected: float | Decimal | None, tol: float = 0.006) -> bool:
    if actual is None or expected is None:
        return actual is None and expected is None
    return abs(actual - float(expected)) <= tol


@pytest.fixture(scope="module")
def latest(duck: Query) -> dt.date:
    value: dt.datetime = duck(f"SELECT max(OrderDate) FROM ({UNION})")[0][0]
    return value.date()


async def test_kpis_match_sql_per_channel_and_year(
    aw_warehouse: WarehouseClient, duck: Query, latest: dt.date
) -> None:
    kpis = await analytics.sales_kpis(aw_warehouse)
    assert kpis.anchor_date == latest
    year = latest.year if (latest.month, latest.day) == (12, 31) else latest.year - 1
    assert (kpis.year, kpis.previous_year) == (year, year - 1)
    rows = duck(
        f"""SELECT channel, year(OrderDate) AS y, sum(SalesAmount),
                   count(DISTINCT SalesOrderNumber), sum(OrderQuantity),
                   sum(SalesAmount - TotalProductCost)
            FROM ({UNION}) GROUP BY ALL"""
    )
    by = {(r[0], r[1]): r[2:] for r in rows}
    for period, years in ((kpis.current, [year]), (kpis.previous, [year - 1])):
        for item in period.channels:
            names = ["internet", "reseller"] if item.channel == "total" else [item.channel]
            picked = [by[(n, y)] for n in names for y in years if (n, y) in by]
            revenue = sum(p[0] for p in picked)
            orders = sum(p[1] for p in picked)
            assert close(item.revenue, revenue), (period.label, item.channel)
            assert item.orders == orders
            assert item.units == sum(p[2] for p in picked)
            assert close(item.gross_margin, sum(p[3] for p in picked))
            assert close(item.average_order_value, revenue / orders, 0.001)
            assert close(item.margin_pct, 100 * sum(p[3] for p in picked) / revenue, 1e-3)
    whole = {c.channel: c for c in kpis.whole_warehouse.channels}
    everything = duck(
        f"SELECT sum(SalesAmount), count(DISTINCT SalesOrderNumber), sum(OrderQuantity) "
        f"FROM ({UNION})"
    )[0]
    assert close(whole["total"].revenue, everything[0])
    assert whole["total"].orders == everything[1]
    assert whole["total"].units == everything[2]
    growth = {g.channel: g for g in kpis.growth}
    current = {c.channel: c for c in kpis.current.channels}
    previous = {c.channel: c for c in kpis.previous.channels}
    expected = 100 * (current["total"].revenue / previous["total"].revenue - 1)
    assert close(growth["total"].revenue_growth_pct, expected, 1e-3)


async def test_kpis_for_an_explicit_year_and_out_of_range_year(
    aw_warehouse: WarehouseClient, duck: Query
) -> None:
    first_year = duck(f"SELECT min(year(OrderDate)) FROM ({UNION})")[0][0]
    kpis = await analytics.sales_kpis(aw_warehouse, year=first_year)
    assert kpis.year == first_year
    assert all(c.revenue == 0 and c.orders == 0 for c in kpis.previous.channels)
    assert all(g.revenue_growth_pct is None for g in kpis.growth)
    with pytest.raises(Exception) as caught:
        await analytics.sales_kpis(aw_warehouse, year=first_year - 1)
    assert getattr(caught.value, "status", None) == 422
    assert "year" in str(caught.value)


@pytest.mark.parametrize("days_back", [1, 45, 365])
async def test_history_matches_daily_and_monthly_sql(
    aw_warehouse: WarehouseClient, duck: Query, latest: dt.date, days_back: int
) -> None:
    history = await analytics.sales_history(aw_warehouse, days_back)
    start = latest - dt.timedelta(days=days_back - 1)
    assert (history.start_date, history.end_date) == (start, latest)
    assert len(history.daily) == days_back
    assert [p.period for p in history.daily] == [
        start + dt.timedelta(days=i) for i in range(days_back)
    ]
    daily = duck(
        f"""SELECT CAST(OrderDate AS DATE), channel, sum(SalesAmount),
                   count(DISTINCT SalesOrderNumber), sum(OrderQuantity)
            FROM ({UNION}) WHERE CAST(OrderDate AS DATE) BETWEEN ? AND ? GROUP BY ALL""",
        start,
        latest,
    )
    expected = {(r[0], r[1]): r[2:] for r in daily}
    for point in history.daily:
        for channel in ("internet", "reseller"):
            revenue, orders, units = expected.get((point.period, channel), (0, 0, 0))
            assert close(getattr(point, f"{channel}_revenue"), revenue)
            assert getattr(point, f"{channel}_orders") == orders
            assert getattr(point, f"{channel}_units") == units
        assert close(point.revenue, point.internet_revenue + point.reseller_revenue)
    monthly = duck(
        f"""SELECT date_trunc('month', OrderDate)::DATE, sum(SalesAmount),
                   count(DISTINCT SalesOrderNumber), sum(OrderQuantity)
            FROM ({UNION}) WHERE CAST(OrderDate AS DATE) BETWEEN ? AND ? GROUP BY ALL""",
        start,
        latest,
    )
    expected_months = {r[0]: r[1:] for r in monthly}
    assert [p.period for p in history.monthly] == sorted(
        {start.replace(day=1)} | set(expected_months)
    )
    for point in history.monthly:
        revenue, orders, units = expected_months.get(point.period, (0, 0, 0))
        assert close(point.revenue, revenue, 0.02)
        assert (point.orders, point.units) == (orders, units)


async def test_rep_scores_match_sql_and_the_documented_formula(
    aw_warehouse: WarehouseClient, duck: Query, latest: dt.date
) -> None:
    year = latest.year if (latest.month, latest.day) == (12, 31) else latest.year - 1
    scores = await analytics.rep_scores(aw_warehouse, top_n=5)
    assert scores.year == year and len(scores.reps) == 5
    sales = duck(
        """SELECT EmployeeKey, quarter(OrderDate), sum(SalesAmount),
                  count(DISTINCT SalesOrderNumber)
           FROM dbo.FactResellerSales WHERE year(OrderDate) = ? GROUP BY ALL""",
        year,
    )
    quotas = duck(
        """SELECT EmployeeKey, CalendarQuarter, sum(SalesAmountQuota) FROM dbo.FactSalesQuota
           WHERE CalendarYear = ? GROUP BY ALL""",
        year,
    )
    revenue: dict[int, float] = {}
    orders: dict[int, int] = {}
    quarter_revenue: dict[tuple[int, int], float] = {}
    for key, quarter, amount, count in sales:
        revenue[key] = revenue.get(key, 0.0) + float(amount)
        orders[key] = orders.get(key, 0) + count
        quarter_revenue[(key, quarter)] = float(amount)
    quota: dict[int, float] = {}
    achieved: dict[int, float] = {}
    for key, quarter, amount in quotas:
        quota[key] = quota.get(key, 0.0) + float(amount)
        achieved[key] = achieved.get(key, 0.0) + quarter_revenue.get((key, quarter), 0.0)
    keys = set(revenue) | set(quota)
    top_revenue, top_orders = max(revenue.values()), max(orders.values())
    expected = {}
    for key in keys:
        volume = 0.3 * revenue.get(key, 0) / top_revenue + 0.2 * orders.get(key, 0) / top_orders
        if key in quota:
            expected[key] = 100 * (0.5 * min(achieved[key] / quota[key], 1.5) / 1.5 + volume)
        else:
            expected[key] = 100 * volume / 0.5
    ranking = sorted(keys, key=lambda k: (-round(expected[k], 4), -revenue.get(k, 0), k))
    assert [r.employee_key for r in scores.reps] == ranking[:5]
    assert scores.total_reps == len(keys)
    for rep in scores.reps:
        assert close(rep.revenue, revenue[rep.employee_key])
        assert rep.orders == orders[rep.employee_key]
        assert close(rep.quota, quota.get(rep.employee_key))
        assert close(
            rep.attainment_pct, 100 * achieved[rep.employee_key] / quota[rep.employee_key], 1e-3
        )
        assert close(rep.score, expected[rep.employee_key], 1e-3)
    names: dict[int, str] = dict(
        duck("SELECT EmployeeKey, FirstName || ' ' || LastName FROM dbo.DimEmployee")
    )
    assert scores.reps[0].rep_name == names[scores.reps[0].employee_key]


async def test_product_demand_matches_sql_over_last_twelve_complete_months(
    aw_warehouse: WarehouseClient, duck: Query, latest: dt.date
) -> None:
    end = (
        latest
        if (latest + dt.timedelta(days=1)).day == 1
        else latest.replace(day=1) - dt.timedelta(days=1)
    )
    start = (end.replace(day=1) - dt.timedelta(days=330)).replace(day=1)
    demand = await analytics.product_demand(aw_warehouse, top_n=7)
    assert (demand.period_start, demand.period_end, demand.months) == (start, end, 12)
    rows = duck(
        f"""SELECT ProductKey, date_trunc('month', OrderDate)::DATE AS m, sum(OrderQuantity),
                   sum(SalesAmount)
            FROM ({UNION}) WHERE CAST(OrderDate AS DATE) BETWEEN ? AND ? GROUP BY ALL""",
        start,
        end,
    )
    months = sorted({start} | {r[1] for r in rows})
    assert len(months) == 12
    units: dict[int, np.ndarray] = {}
    revenue: dict[int, float] = {}
    for key, month, qty, amount in rows:
        units.setdefault(key, np.zeros(12))[months.index(month)] += qty
        revenue[key] = revenue.get(key, 0.0) + float(amount)
    total = sum(revenue.values())
    ranking = sorted(units, key=lambda k: (-units[k].sum(), -revenue[k], k))
    assert [p.product_key for p in demand.products] == ranking[:7]
    assert demand.total_products == len(units)
    for product in demand.products:
        series = units[product.product_key]
        assert product.units == series.sum()
        assert close(product.revenue, revenue[product.product_key])
        assert close(product.revenue_share_pct, 100 * revenue[product.product_key] / total, 1e-3)
        assert close(product.trend_units_per_month, np.polyfit(np.arange(12), series, 1)[0], 1e-3)
