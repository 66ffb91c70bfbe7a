"""Create a warehouse's schemas and tables in DuckDB from its SQLAlchemy metadata, load frames.

The DDL is compiled from the very ``Table`` objects the services query, so names and types
cannot drift apart. Rows go in as whole pandas frames (DuckDB scans the frame column-wise), never
row by row.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import duckdb
import pandas as pd
from duckdb_engine import Dialect
from sqlalchemy import MetaData, Table
from sqlalchemy.schema import CreateTable

Progress = Callable[[str, int, float], None]
"""Called once per loaded table with its qualified name, row count and seconds taken."""

_DIALECT = Dialect()


def quote(name: str) -> str:
    """A DuckDB identifier in double quotes (names here contain spaces)."""
    return '"' + name.replace('"', '""') + '"'


def qualified(table: Table) -> str:
    """``"schema"."name"`` of a table."""
    return f"{quote(table.schema or 'main')}.{quote(table.name)}"


def create_schema(con: duckdb.DuckDBPyConnection, metadata: MetaData) -> None:
    """Create every schema and table of ``metadata`` (empty)."""
    for schema in sorted({t.schema for t in metadata.sorted_tables if t.schema}):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}").fetchall()
    for table in metadata.sorted_tables:
        con.execute(str(CreateTable(table).compile(dialect=_DIALECT))).fetchall()


def insert_frame(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    frame: pd.DataFrame,
    progress: Progress | None = None,
) -> int:
    """Append ``frame`` to ``table`` in one statement; return the number of rows.

    The frame may leave out NULL-able columns (they are loaded as NULL) but must not carry a
    column the table lacks: that is a generator bug, not something to drop silently.
    """
    started = time.perf_counter()
    names = [c.name for c in table.columns]
    extra = set(frame.columns) - set(names)
    if extra:
        raise ValueError(f"{table.name}: columns not in the table definition: {sorted(extra)}")
    missing = [c.name for c in table.columns if c.name not in frame.columns and not c.nullable]
    if missing:
        raise ValueError(f"{table.name}: NOT NULL columns missing from the frame: {missing}")
    select = ", ".join(quote(n) if n in frame.columns else "NULL" for n in names)
    con.register("_demo_frame", frame)
    try:
        con.execute(f"INSERT INTO {qualified(table)} SELECT {select} FROM _demo_frame").fetchall()
    finally:
        con.unregister("_demo_frame")
    if progress is not None:
        progress(f"{table.schema}.{table.name}", len(frame), time.perf_counter() - started)
    return len(frame)


def insert_select(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    select_sql: str,
    progress: Progress | None = None,
) -> int:
    """Append the rows of a DuckDB ``SELECT`` (columns in table order); return the row count."""
    started = time.perf_counter()
    result = con.execute(f"INSERT INTO {qualified(table)} {select_sql}").fetchall()
    rows = int(result[0][0])
    if progress is not None:
        progress(f"{table.schema}.{table.name}", rows, time.perf_counter() - started)
    return rows
