"""Every warehouse statement compiles to T-SQL and DuckDB, passes the read-only guard and runs
on the demo warehouse; the data-quality checks count what the test's own SQL counts."""

from __future__ import annotations

import csv
from collections import Counter
from typing import Any

import duckdb
import pytest
from duckdb_engine import Dialect
from sqlalchemy import Select

from services.wwi_service.analytics import run_checks, warehouse_queries
from shared.core.warehouse import WarehouseClient
from shared.db.guard import assert_read_only
from shared.db.mssql import compile_for_mssql
from tests.backend.wwi.conftest import REAL_WWI_DIR, scalar

QUERIES = warehouse_queries()


def test_query_names_are_unique_and_cover_every_analytic() -> None:
    names = [name for name, _ in QUERIES]
    assert len(names) == len(set(names))
    assert {"sales.kpis", "stock.positions", "suppliers.lines", "suppliers.lead_times"} <= set(
        names
    )
    assert sum(name.startswith("data_quality.") for name in names) >= 10


@pytest.mark.parametrize(("name", "statement"), QUERIES, ids=[n for n, _ in QUERIES])
def test_statement_compiles_for_sql_server_and_duckdb_and_is_read_only(
    name: str, statement: Select[Any]
) -> None:
    tsql = compile_for_mssql(statement)
    assert_read_only(tsql, "tsql")
    assert "[Fact]." in tsql or "[Dimension]." in tsql
    duck = str(statement.compile(dialect=Dialect(), compile_kwargs={"literal_binds": True}))
    assert_read_only(duck, "duckdb")


async def test_every_statement_runs_on_the_demo_warehouse(demo_wh: WarehouseClient) -> None:
    for name, statement in QUERIES:
        rows = await demo_wh.fetch(statement)
        assert rows is not None, name


async def test_generated_warehouse_passes_every_check(demo_wh: WarehouseClient) -> None:
    summary = await run_checks(demo_wh)
    failing = [c["check"] for c in summary["checks"] if c["status"] != "pass"]
    assert failing == []
    assert summary["passed"] == len(summary["checks"]) and summary["errors"] == 0


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
    summary = await run_checks(real_wh)
    checks = {c["check"]: c for c in summary["checks"]}
    supplier_dupes = _current_duplicates("dimension_supplier.csv", "WWI Supplier ID")
    assert supplier_dupes >= 1  # Consolidated Messenger has two open rows in the export
    assert checks["supplier_duplicate_current"]["violations"] == supplier_dupes
    assert checks["supplier_duplicate_current"]["status"] == "fail"
    item_dupes = _current_duplicates("dimension_stock_item.csv", "WWI Stock Item ID")
    assert checks["stock_item_duplicate_current"]["violations"] == item_dupes
    over = scalar(
        real_duck,
        'SELECT count(*) FROM "Fact"."Purchase" WHERE "Received Outers" > "Ordered Outers"',
    )
    assert checks["purchase_over_received"]["violations"] == over
    assert summary["warnings"] >= 1
