"""WWI data-quality checks: the generated warehouse passes, each planted defect is counted by its
named check with its threshold, and on Microsoft's real files the counts equal the files'.

A copy of the demo warehouse gets a handful of bad rows (an orphan item, a negative sale, a
future-dated sale and purchase, a line whose totals disagree, an invoice whose lines disagree
on the customer, an orphan supplier, a negative stock holding, an orphan movement); the report
must name each check with the exact count and fail exactly those.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from services.wwi_service.analytics import run_checks
from services.wwi_service.models import DataQualityReport
from shared.core.data_quality import DataQualityCheck
from shared.core.warehouse import WarehouseClient
from tests.backend.wwi.conftest import REAL_WWI_DIR, open_warehouse, scalar

TODAY = dt.date(2026, 11, 23)


def by_name(report: DataQualityReport) -> dict[str, DataQualityCheck]:
    return {check.name: check for check in report.checks}


async def test_generated_warehouse_passes_every_check(demo_wh: WarehouseClient) -> None:
    report = await run_checks(demo_wh, TODAY)
    checks = by_name(report)
    assert len(checks) == len(report.checks) >= 25
    assert report.failed == 0, [c for c in report.checks if c.status == "fail"]
    # The sample ends years ago: freshness warns (and only freshness).
    assert [c.name for c in report.checks if c.status == "warn"] == ["freshness.latest_sale_date"]
    assert report.sale_anchor_date is not None
    fresh = checks["freshness.latest_sale_date"]
    assert fresh.observed == (TODAY - report.sale_anchor_date).days and fresh.threshold == 2
    assert checks["row_count.Sale"].comparison == ">=" and checks["row_count.Sale"].observed >= 1000
    assert (report.passed, report.warned) == (len(report.checks) - 1, 1)


FIRST_SALE = 'SELECT * FROM "Fact"."Sale" ORDER BY "Sale Key" LIMIT 1'


def _plant(con: duckdb.DuckDBPyConnection) -> None:
    """Add one defect per check (see the module docstring); every copied sale gets a new key."""
    sale_key = scalar(con, 'SELECT max("Sale Key") FROM "Fact"."Sale"')
    invoice = scalar(con, 'SELECT max("WWI Invoice ID") FROM "Fact"."Sale"')
    other_customer = scalar(
        con,
        f'SELECT min("Customer Key") FROM "Dimension"."Customer" WHERE "Customer Key" <> '
        f'(SELECT "Customer Key" FROM ({FIRST_SALE}))',
    )
    replacements = [
        '999999 AS "Stock Item Key"',
        '-"Quantity" AS "Quantity", -"Total Excluding Tax" AS "Total Excluding Tax", '
        '-"Tax Amount" AS "Tax Amount", -"Total Including Tax" AS "Total Including Tax", '
        '-"Profit" AS "Profit"',
        f'DATE \'2099-12-31\' AS "Invoice Date Key", {invoice + 1} AS "WWI Invoice ID"',
        '"Total Including Tax" + 5 AS "Total Including Tax"',
        f'{other_customer} AS "Customer Key"',
    ]
    for n, replaced in enumerate(replacements, start=1):
        con.execute(
            f'INSERT INTO "Fact"."Sale" SELECT * REPLACE ({sale_key + n} AS "Sale Key", '
            f"{replaced}) FROM ({FIRST_SALE})"
        )
    purchase_key = scalar(con, 'SELECT max("Purchase Key") FROM "Fact"."Purchase"')
    first_purchase = 'SELECT * FROM "Fact"."Purchase" ORDER BY "Purchase Key" LIMIT 1'
    for n, replaced in enumerate(
        ['999999 AS "Supplier Key"', "DATE '2099-12-31' AS \"Date Key\""], start=1
    ):
        con.execute(
            f'INSERT INTO "Fact"."Purchase" SELECT * REPLACE ({purchase_key + n} AS '
            f'"Purchase Key", {replaced}) FROM ({first_purchase})'
        )
    con.execute(
        'UPDATE "Fact"."Stock Holding" SET "Quantity On Hand" = -4 WHERE "Stock Holding Key" = '
        '(SELECT min("Stock Holding Key") FROM "Fact"."Stock Holding")'
    )
    movement_key = scalar(con, 'SELECT max("Movement Key") FROM "Fact"."Movement"')
    con.execute(
        f'INSERT INTO "Fact"."Movement" SELECT * REPLACE ({movement_key + 1} AS "Movement Key", '
        '999999 AS "Stock Item Key") FROM (SELECT * FROM "Fact"."Movement" LIMIT 1)'
    )


@pytest.fixture
def defective(wwi_demo_path: Path, tmp_path: Path) -> Iterator[WarehouseClient]:
    shutil.copyfile(wwi_demo_path, tmp_path / "wwi.duckdb")
    with duckdb.connect(str(tmp_path / "wwi.duckdb")) as con:
        _plant(con)
    client = open_warehouse(tmp_path)
    yield client
    client.dispose()


async def test_each_planted_defect_is_counted_by_its_named_check(
    defective: WarehouseClient,
) -> None:
    report = await run_checks(defective, TODAY)
    checks = by_name(report)
    expected = {
        "orphan_stock_item.Sale": 1,
        "negative_amounts.Sale": 1,
        "future_rows.Sale": 1,
        "line_totals_disagree.Sale": 1,
        "invoice_header_conflicts.Sale": 1,
        "orphan_supplier.Purchase": 1,
        "future_rows.Purchase": 1,
        "negative_amounts.StockHolding": 1,
        "orphan_stock_item.Movement": 1,
    }
    for name, count in expected.items():
        assert checks[name].observed == count, name
        assert (checks[name].threshold, checks[name].status) == (0, "fail"), name
    assert {c.name for c in report.checks if c.status == "fail"} == set(expected)
    assert report.failed == len(expected)
    # Both future-dated rows moved the anchors to 2099: fresh (in the future) and in step.
    assert report.sale_anchor_date == report.purchase_anchor_date == dt.date(2099, 12, 31)
    assert report.warned == 0


async def test_empty_warehouse_fails_the_row_counts(tmp_path: Path, wwi_demo_path: Path) -> None:
    shutil.copyfile(wwi_demo_path, tmp_path / "wwi.duckdb")
    with duckdb.connect(str(tmp_path / "wwi.duckdb")) as con:
        for table in ('"Fact"."Sale"', '"Fact"."Purchase"', '"Fact"."Stock Holding"'):
            con.execute(f"DELETE FROM {table}")
    client = open_warehouse(tmp_path)
    try:
        report = await run_checks(client, TODAY)
    finally:
        client.dispose()
    failed = {c.name for c in report.checks if c.status == "fail"}
    assert {"row_count.Sale", "row_count.Purchase", "row_count.StockHolding",
            "freshness.latest_sale_date"} <= failed  # fmt: skip
    assert by_name(report)["sales_purchases_in_step"].status == "warn"
    assert report.sale_anchor_date is None


def _current_duplicates(file: str, business_key: str) -> int:
    with (REAL_WWI_DIR / file).open(newline="", encoding="utf-8") as handle:
        current = Counter(
            row[business_key]
            for row in csv.DictReader(handle, delimiter="|")
            if row["Valid To"].startswith("9999-12-31")
        )
    return sum(1 for count in current.values() if count > 1)


async def test_real_files_checks_match_the_files(
    real_wh: WarehouseClient, real_duck: duckdb.DuckDBPyConnection
) -> None:
    report = await run_checks(real_wh, TODAY)
    checks = by_name(report)
    supplier_dupes = _current_duplicates("dimension_supplier.csv", "WWI Supplier ID")
    assert supplier_dupes >= 1  # Consolidated Messenger has two open rows in the export
    assert checks["duplicate_current.Supplier"].observed == supplier_dupes
    assert checks["duplicate_current.Supplier"].status == "warn"
    item_dupes = _current_duplicates("dimension_stock_item.csv", "WWI Stock Item ID")
    assert checks["duplicate_current.StockItem"].observed == item_dupes
    over = scalar(
        real_duck,
        'SELECT count(*) FROM "Fact"."Purchase" WHERE "Received Outers" > "Ordered Outers"',
    )
    assert checks["over_received.Purchase"].observed == over
    assert report.warned >= 1
