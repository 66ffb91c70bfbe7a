"""Every aw-service warehouse statement compiles to T-SQL the guard accepts and runs on DuckDB."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Select

from services.aw_service.analytics import warehouse_queries
from shared.core.warehouse import WarehouseClient
from shared.db.guard import assert_read_only
from shared.db.mssql import compile_for_mssql

QUERIES = warehouse_queries()


def test_names_are_unique_and_cover_every_analytic() -> None:
    names = [name for name, _ in QUERIES]
    assert len(names) == len(set(names))
    assert {"anchor", "sales_kpis", "sales_by_day", "rep_sales", "rep_quotas",
            "product_units_by_month", "data_quality"} <= set(names)  # fmt: skip


@pytest.mark.parametrize(("name", "statement"), QUERIES, ids=[n for n, _ in QUERIES])
def test_statement_compiles_for_sql_server_and_passes_the_guard(
    name: str, statement: Select[Any]
) -> None:
    sql = compile_for_mssql(statement)
    assert sql.lstrip().upper().startswith("SELECT")
    assert_read_only(sql, "tsql")


@pytest.mark.parametrize(("name", "statement"), QUERIES, ids=[n for n, _ in QUERIES])
async def test_statement_runs_on_the_demo_warehouse(
    aw_warehouse: WarehouseClient, name: str, statement: Select[Any]
) -> None:
    rows = await aw_warehouse.fetch(statement)
    assert rows, f"{name} returned no rows on the demo warehouse"
