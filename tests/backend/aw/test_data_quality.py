"""Data-quality checks: clean demo data passes, each planted defect is counted exactly.

A copy of the demo warehouse gets a handful of bad rows (an orphan product, a negative amount, a
future-dated order, an order whose lines disagree, an order number used by both channels); the
report must name each check with the exact count, and the clean warehouse must pass them all.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from services.aw_service import analytics
from services.aw_service.models import DataQualityCheck, DataQualityReport
from shared.core.config import build_settings
from shared.core.engines import create_aw_engine
from shared.core.warehouse import WarehouseClient

TODAY = dt.date(2026, 11, 23)


def by_name(report: DataQualityReport) -> dict[str, DataQualityCheck]:
    return {check.name: check for check in report.checks}


async def test_clean_demo_warehouse_passes_every_error_check(aw_warehouse: WarehouseClient) -> None:
    report = await analytics.run_checks(aw_warehouse, TODAY)
    checks = by_name(report)
    assert report.failed == 0, [c for c in report.checks if c.status == "fail"]
    assert len(checks) == len(report.checks) >= 25
    freshness = checks["freshness.latest_order_date"]
    assert freshness.status == "warn" and freshness.severity == "warning"
    assert report.anchor_date is not None
    assert freshness.observed == (TODAY - report.anchor_date).days
    assert checks["row_count.FactInternetSales"].observed >= 1000
    assert report.passed + report.warned == len(report.checks)


@pytest.fixture
def corrupted(aw_demo_path: Path, tmp_path: Path) -> Iterator[tuple[WarehouseClient, int]]:
    shutil.copyfile(aw_demo_path, tmp_path / "aw.duckdb")
    con = duckdb.connect(str(tmp_path / "aw.duckdb"))
    internet, reseller = "dbo.FactInternetSales", "dbo.FactResellerSales"
    first = "(SELECT * FROM {t} ORDER BY SalesOrderNumber, SalesOrderLineNumber LIMIT 1)"
    con.execute(f"""INSERT INTO {internet} SELECT * REPLACE ('SOX1' AS SalesOrderNumber,
                    999999 AS ProductKey) FROM {first.format(t=internet)}""")
    con.execute(f"""INSERT INTO {reseller} SELECT * REPLACE ('SOX2' AS SalesOrderNumber,
                    -5 AS SalesAmount) FROM {first.format(t=reseller)}""")
    con.execute(f"""INSERT INTO {internet} SELECT * REPLACE ('SOX3' AS SalesOrderNumber,
                    20991231 AS OrderDateKey) FROM {first.format(t=internet)}""")
    other = con.execute(
        f"SELECT CustomerKey FROM dbo.DimCustomer WHERE CustomerKey <> "
        f"(SELECT CustomerKey FROM {first.format(t=internet)}) LIMIT 1"
    ).fetchall()[0][0]
    con.execute(f"""INSERT INTO {internet} SELECT * REPLACE (99 AS SalesOrderLineNumber,
                    {other} AS CustomerKey) FROM {first.format(t=internet)}""")
    shared = con.execute(
        f"SELECT max(SalesOrderNumber) FROM {internet} WHERE SalesOrderNumber NOT LIKE 'SOX%'"
    ).fetchall()[0][0]
    con.execute(f"""INSERT INTO {reseller} SELECT * REPLACE ('{shared}' AS SalesOrderNumber)
                    FROM {first.format(t=reseller)}""")
    shared_lines = con.execute(
        f"SELECT count(*) FROM {internet} WHERE SalesOrderNumber = ?", [shared]
    ).fetchall()[0][0]
    con.close()
    settings = build_settings(_env_file=None, demo_warehouse_dir=tmp_path)
    client = WarehouseClient(create_aw_engine(settings), name="aw")
    yield client, shared_lines
    client.dispose()


async def test_each_planted_defect_is_counted_by_its_named_check(
    corrupted: tuple[WarehouseClient, int],
) -> None:
    client, shared_lines = corrupted
    report = await analytics.run_checks(client, TODAY)
    checks = by_name(report)
    expected = {
        "orphan_product.FactInternetSales": 1,
        "orphan_order_date.FactInternetSales": 1,
        "future_orders.FactInternetSales": 1,
        "date_key_mismatch.FactInternetSales": 1,
        "order_header_conflicts.FactInternetSales": 1,
        "negative_amounts.FactResellerSales": 1,
        "line_totals_disagree.FactResellerSales": 1,
        "order_numbers_shared_by_channels": shared_lines,
    }
    for name, count in expected.items():
        assert checks[name].observed == count, name
        assert checks[name].status == "fail", name
    failed = {c.name for c in report.checks if c.status == "fail"}
    assert failed == set(expected)
    assert report.failed == len(expected)
    # The future-dated line moved the anchor: freshness is now negative (in the future).
    assert report.anchor_date == dt.date(2099, 12, 31)
