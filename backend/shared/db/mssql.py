"""Read-only warehouse engines: SQL Server in production, the embedded DuckDB demo locally.

With `AW_MSSQL_SERVER` / `WWI_MSSQL_SERVER` set, the engine is `mssql+pyodbc` over ODBC Driver 18
with `ApplicationIntent=ReadOnly`; otherwise it opens the demo warehouse file `read_only`, so a
write fails in the database driver as well as in our guard. Every statement sent through either
engine passes the query guard first (an engine event, so no code path can bypass it).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from duckdb_engine import Dialect as DuckDBDialect
from sqlalchemy import URL, Engine, Row, create_engine, event
from sqlalchemy.dialects import mssql, registry
from sqlalchemy.sql import ClauseElement, Executable

from shared.db.guard import assert_read_only

logger = logging.getLogger(__name__)

ODBC_DRIVER = "ODBC Driver 18 for SQL Server"


class WarehouseMissing(RuntimeError):
    """The demo warehouse file does not exist yet."""


def mssql_url(
    *, server: str, database: str, username: str | None, password: str | None, trust_cert: bool
) -> URL:
    """ODBC URL with credentials escaped by SQLAlchemy and the read-only intent always set."""
    return URL.create(
        "mssql+pyodbc",
        username=username,
        password=password,
        host=server,
        database=database,
        query={
            "driver": ODBC_DRIVER,
            "ApplicationIntent": "ReadOnly",
            "Encrypt": "yes",
            "TrustServerCertificate": "yes" if trust_cert else "no",
        },
    )


def _install_guard(engine: Engine) -> Engine:
    dialect = engine.dialect.name

    @event.listens_for(engine, "before_cursor_execute")
    def _guard(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        assert_read_only(statement, dialect)

    return engine


class ReadOnlyDuckDBDialect(DuckDBDialect):
    """duckdb-engine's dialect for the read-only demo warehouse: compiled statements cached,
    no transaction around the reads (docs/benchmarks.md has what each saves).

    duckdb-engine leaves `supports_statement_cache` False (third-party dialects opt in), though
    its compiler, SQLAlchemy's PostgreSQL one, is cache-safe. BEGIN and ROLLBACK are skipped
    because a read-only file needs neither: each query runs in DuckDB's own autocommit
    transaction, and the guard refuses transaction statements, so none is ever open.
    """

    supports_statement_cache = True

    def do_begin(self, dbapi_connection: Any) -> None:
        pass

    def do_rollback(self, dbapi_connection: Any) -> None:
        pass


registry.register("duckdb.readonly", __name__, "ReadOnlyDuckDBDialect")


def _demo_engine(path: Path) -> Engine:
    if not path.exists():
        raise WarehouseMissing(
            f"demo warehouse {path} does not exist; build it with `make demo-data` "
            "or point the *_MSSQL_SERVER settings at SQL Server"
        )
    return create_engine(
        f"duckdb+readonly:///{path}",
        connect_args={"read_only": True},
        pool_pre_ping=False,
    )


def create_warehouse_engine(
    *,
    server: str | None,
    database: str,
    username: str | None,
    password: str | None,
    trust_cert: bool,
    demo_path: Path,
) -> Engine:
    """SQL Server when `server` is set, else the demo warehouse file; the query guard on both."""
    if server:
        engine = create_engine(
            mssql_url(
                server=server,
                database=database,
                username=username,
                password=password,
                trust_cert=trust_cert,
            ),
            pool_pre_ping=True,
            pool_size=5,
        )
    else:
        engine = _demo_engine(demo_path)
    return _install_guard(engine)


def fetch_all(engine: Engine, statement: Executable) -> Sequence[Row[Any]]:
    """Run one read-only query and return its rows (blocking: call it from a worker thread)."""
    with engine.connect() as connection:
        return connection.execute(statement).all()


def compile_for_mssql(statement: ClauseElement) -> str:
    """The T-SQL text SQL Server would receive for `statement` (values inlined for parsing)."""
    dialect = mssql.dialect()  # type: ignore[no-untyped-call]
    compiled = statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    return str(compiled)
