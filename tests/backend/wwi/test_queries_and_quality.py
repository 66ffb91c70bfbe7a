"""Every warehouse statement (data-quality checks included) compiles to T-SQL and DuckDB, passes
the read-only guard and runs on the demo warehouse."""

from __future__ import annotations

from typing import Any

import pytest
from duckdb_engine import Dialect
from sqlalchemy import Select

from services.wwi_service.analytics import warehouse_queries
from shared.core.warehouse import WarehouseClient
from shared.db.guard import assert_read_only
from shared.db.mssql import compile_for_mssql

QUERIES = warehouse_queries()


def test_query_names_are_unique_and_cover_every_analytic() -> None:
    names = [name for name, _ in QUERIES]
    assert len(names) == len(set(names))
    assert {"sales.kpis", "stock.positions", "suppliers.lines", "suppliers.lead_times"} <= set(
        names
    )
    assert sum(name.startswith("data_quality.") for name in names) >= 20
    assert "data_quality.all" in names  # the one statement a run sends


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
