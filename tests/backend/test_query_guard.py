"""The read-only guard and warehouse engines: one SELECT/WITH only; writes refused twice over."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, Table, Unicode, func, select, text

from shared.core.config import Settings, build_settings
from shared.core.engines import create_aw_engine, create_wwi_engine
from shared.db.guard import ReadOnlyViolation, assert_read_only
from shared.db.mssql import compile_for_mssql, fetch_all, mssql_url

WRITES = [
    "INSERT INTO dbo.FactInternetSales (ProductKey) VALUES (1)",
    "UPDATE dbo.DimProduct SET ListPrice = 0",
    "DELETE FROM dbo.DimProduct",
    "MERGE dbo.DimProduct AS t USING dbo.Src AS s ON t.ProductKey = s.ProductKey "
    "WHEN MATCHED THEN DELETE;",
    "DROP TABLE dbo.DimProduct",
    "TRUNCATE TABLE dbo.FactInternetSales",
    "EXEC sp_configure 'show advanced options', 1",
    "EXECUTE ('DROP TABLE dbo.DimProduct')",
    "SELECT * INTO dbo.Copy FROM dbo.DimProduct",
    "SELECT 1; DELETE FROM dbo.DimProduct",
    "SELECT 1 -- harmless?\n; DROP TABLE dbo.DimProduct",
    "SELECT 1 /* ; */ ; UPDATE dbo.DimProduct SET ListPrice = 0",
    "WITH gone AS (SELECT 1 AS x) DELETE FROM dbo.DimProduct",
    "WITH d AS (DELETE FROM dbo.DimProduct OUTPUT deleted.* ) SELECT * FROM d",
    "CREATE TABLE dbo.X (a int)",
    "ALTER TABLE dbo.DimProduct ADD x int",
    "GRANT SELECT ON dbo.DimProduct TO public",
    "DECLARE @x int",
    "",
    # T-SQL runs these as two statements; sqlglot alone reads the keyword as a column alias.
    "SELECT 1 DELETE FROM dbo.t",
    "SELECT 1 TRUNCATE FROM t",
    "SELECT 1 delete from dbo.DimProduct",
    "SELECT 1 UPDATE dbo.DimProduct SET ListPrice = 0",
    "SELECT 1 INSERT dbo.t VALUES (1)",
    "SELECT 1 DROP TABLE dbo.DimProduct",
    "SELECT 1 EXEC sp_who",
    "SELECT 1 GRANT SELECT ON dbo.t TO public",
    "SELECT 1 DENY SELECT ON dbo.t TO public",
    "SELECT 1 REVOKE SELECT ON dbo.t FROM public",
    "SELECT 1 BULK INSERT dbo.t FROM 'x.csv'",
    # Pass-through functions send their text to another server, where no guard looks at it.
    "SELECT * FROM OPENQUERY(srv, 'DELETE FROM dbo.t')",
    "SELECT * FROM OPENROWSET('SQLNCLI', 'Server=x;', 'SELECT 1')",
    "SELECT * FROM OPENDATASOURCE('SQLNCLI', 'Data Source=x').db.dbo.t",
]

READS = [
    "SELECT 1",
    "SELECT TOP 10 [ProductKey], SUM([SalesAmount]) AS revenue FROM dbo.FactInternetSales "
    "GROUP BY [ProductKey] ORDER BY revenue DESC",
    "WITH daily AS (SELECT OrderDate, SUM(SalesAmount) AS r FROM dbo.FactInternetSales "
    "GROUP BY OrderDate) SELECT * FROM daily",
    "SELECT [Stock Item Key] FROM [Fact].[Stock Holding] WHERE [Quantity On Hand] < 10",
    "SELECT 1 UNION ALL SELECT 2",
    "-- a comment first\nSELECT 1",
    # The words are only refused as keywords: quoted names, string data and variables pass.
    "SELECT [Delete], [Update] AS [Insert] FROM dbo.t WHERE [Drop] = 'DELETE FROM dbo.t'",
    "SELECT \"exec\" FROM dbo.t WHERE note = N'truncate'",
    "SELECT @update AS x",
    "SELECT 1 -- DELETE FROM dbo.t",
]


@pytest.mark.parametrize("sql", WRITES)
def test_guard_rejects_anything_but_one_read(sql: str) -> None:
    with pytest.raises(ReadOnlyViolation):
        assert_read_only(sql, "tsql")


@pytest.mark.parametrize("sql", READS)
def test_guard_accepts_plain_select_and_with(sql: str) -> None:
    assert_read_only(sql, "tsql")


def test_mssql_url_is_read_only_and_escapes_credentials() -> None:
    url = mssql_url(server="db.example.com", database="AdventureWorksDW2022",
                    username="bi@corp", password="p@ss;word=1", trust_cert=True)  # fmt: skip
    rendered = url.render_as_string(hide_password=False)
    assert url.query["ApplicationIntent"] == "ReadOnly"
    assert url.query["driver"] == "ODBC Driver 18 for SQL Server"
    assert url.query["TrustServerCertificate"] == "yes"
    assert "p%40ss%3Bword%3D1" in rendered and "bi%40corp" in rendered


def test_mssql_engine_settings_come_from_the_documented_variables() -> None:
    settings = build_settings(
        _env_file=None,
        aw_mssql_server="sql1",
        aw_mssql_username="r",
        aw_mssql_password="s",
        mssql_trust_server_certificate=False,
    )
    engine = create_aw_engine(settings)
    assert engine.dialect.name == "mssql"
    assert engine.url.database == "AdventureWorksDW2022"
    assert engine.url.query["TrustServerCertificate"] == "no"


@pytest.mark.parametrize(
    ("prefix", "create", "database"),
    [("aw", create_aw_engine, "AdventureWorksDW2022"),
     ("wwi", create_wwi_engine, "WideWorldImportersDW")],
)  # fmt: skip
def test_odbc_connection_string_pyodbc_receives(
    prefix: str, create: Callable[[Settings], Engine], database: str
) -> None:
    # What pyodbc.connect() is handed, without connecting: the production path end to end.
    settings = build_settings(
        _env_file=None,
        **{f"{prefix}_mssql_server": "sql1.corp", f"{prefix}_mssql_username": "bi@corp",
           f"{prefix}_mssql_password": "p@ss;word}=1"},
    )  # fmt: skip
    engine = create(settings)
    args, _ = engine.dialect.create_connect_args(engine.url)
    fields = dict(part.split("=", 1) for part in args[0].split(";") if "=" in part)
    assert fields["DRIVER"] == "{ODBC Driver 18 for SQL Server}"
    assert fields["Server"] == "sql1.corp" and fields["Database"] == database
    assert fields["UID"] == "bi@corp"
    assert "PWD={p@ss;word}}=1}" in args[0]  # braced, `}` doubled: `;` cannot end the value
    assert fields["ApplicationIntent"] == "ReadOnly"
    assert fields["TrustServerCertificate"] == "no"


@pytest.fixture
def tiny_warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "aw.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("CREATE SCHEMA dbo")
        connection.execute('CREATE TABLE dbo.t ("Product Key" INTEGER, name VARCHAR)')
        connection.execute("INSERT INTO dbo.t VALUES (1, 'a'), (2, 'b')")
    return tmp_path


def test_demo_engine_reads_and_refuses_writes_in_guard_and_driver(tiny_warehouse: Path) -> None:
    engine = create_aw_engine(build_settings(_env_file=None, demo_warehouse_dir=tiny_warehouse))
    table = Table("t", MetaData(), Column("Product Key", Integer), Column("name", Unicode(10)),
                  schema="dbo")  # fmt: skip
    rows = fetch_all(engine, select(func.count(), func.sum(table.c["Product Key"])))
    assert tuple(rows[0]) == (2, 3)
    with pytest.raises(ReadOnlyViolation):
        fetch_all(engine, text("DELETE FROM dbo.t"))
    raw = engine.raw_connection()  # below SQLAlchemy's events: only the driver stands guard
    try:
        with pytest.raises(duckdb.Error, match="read-only"):
            raw.cursor().execute("DELETE FROM dbo.t")
    finally:
        raw.close()
    engine.dispose()


def test_missing_demo_warehouse_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="make demo-data"):
        create_aw_engine(build_settings(_env_file=None, demo_warehouse_dir=tmp_path))


def test_core_query_compiles_to_tsql_the_guard_accepts() -> None:
    table = Table("Stock Holding", MetaData(), Column("Stock Item Key", Integer), schema="Fact")
    sql = compile_for_mssql(select(table.c["Stock Item Key"]).limit(5))
    assert "[Stock Item Key]" in sql and "TOP 5" in sql
    assert_read_only(sql, "tsql")
