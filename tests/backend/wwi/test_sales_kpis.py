"""Sales KPIs equal the test's own DuckDB SQL over Fact.Sale, windows anchored at the last
invoice date (never today's date)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pytest

from services.wwi_service.analytics import sales_kpis
from shared.core.warehouse import WarehouseClient
from tests.backend.wwi.conftest import scalar

INDEPENDENT = """
WITH bounds AS (
    SELECT max("Invoice Date Key") AS e,
           CAST(max("Invoice Date Key") - to_days(CAST($days AS INTEGER) - 1) AS DATE) AS s
    FROM "Fact"."Sale"),
periods AS (
    SELECT 'cur' AS p, s, e FROM bounds
    UNION ALL
    SELECT 'prev', CAST(s - INTERVAL 1 YEAR AS DATE), CAST(e - INTERVAL 1 YEAR AS DATE) FROM bounds)
SELECT p, min(periods.s), min(periods.e),
       coalesce(sum("Total Excluding Tax"), 0), coalesce(sum("Profit"), 0),
       count(DISTINCT "WWI Invoice ID"), coalesce(sum("Quantity"), 0),
       count(DISTINCT "Customer Key")
FROM periods LEFT JOIN "Fact"."Sale" ON "Invoice Date Key" BETWEEN periods.s AND periods.e
GROUP BY p
"""


def expected(con: duckdb.DuckDBPyConnection, days: int) -> dict[str, tuple[Any, ...]]:
    return {row[0]: row[1:] for row in con.execute(INDEPENDENT, {"days": days}).fetchall()}


@pytest.mark.parametrize("days", [365, 90, 30, 1])
async def test_kpis_equal_independent_sql(
    demo_wh: WarehouseClient, demo_duck: duckdb.DuckDBPyConnection, days: int
) -> None:
    kpis = await sales_kpis(demo_wh, days=days)
    want = expected(demo_duck, days)
    assert kpis.period is not None and kpis.previous_period is not None
    for name, figures, period in (
        ("cur", kpis.current, kpis.period),
        ("prev", kpis.previous, kpis.previous_period),
    ):
        start, end, revenue, profit, orders, units, customers = want[name]
        assert (period.start, period.end) == (start, end)
        assert figures.revenue == pytest.approx(float(revenue), abs=0.005)
        assert figures.profit == pytest.approx(float(profit), abs=0.005)
        assert (figures.orders, figures.units, figures.customers) == (orders, units, customers)
    assert kpis.current.revenue > 0
    assert kpis.current.margin == pytest.approx(float(want["cur"][3] / want["cur"][2]))
    growth = (want["cur"][2] - want["prev"][2]) / want["prev"][2]
    assert kpis.growth.revenue == pytest.approx(float(growth))


async def test_kpis_anchor_is_last_invoice_date_not_today(
    demo_wh: WarehouseClient, demo_duck: duckdb.DuckDBPyConnection
) -> None:
    kpis = await sales_kpis(demo_wh, days=365)
    last = scalar(demo_duck, 'SELECT max("Invoice Date Key") FROM "Fact"."Sale"')
    assert kpis.anchor_date == last
    assert kpis.anchor_date < dt.date.today() - dt.timedelta(days=365)
    assert kpis.period is not None
    assert (kpis.period.end - kpis.period.start).days + 1 == 365


async def test_kpis_on_a_warehouse_with_real_purchases(
    real_wh: WarehouseClient, real_duck: duckdb.DuckDBPyConnection
) -> None:
    """With WWI_DATA_DIR the sales are generated around the real items; the same formulas hold."""
    kpis = await sales_kpis(real_wh, days=365)
    start, end, revenue, *_ = expected(real_duck, 365)["cur"]
    assert kpis.period is not None and (kpis.period.start, kpis.period.end) == (start, end)
    assert kpis.current.revenue == pytest.approx(float(revenue), abs=0.005)
