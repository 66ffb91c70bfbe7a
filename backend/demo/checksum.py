"""Order-independent content checksums of every table in a DuckDB warehouse file.

A table's checksum covers its column names and types, its row count and the sum of DuckDB's
hash of every row, so it changes with any value but not with the physical row order. It is what
the builder's manifest records and what "same seed, same data" tests compare.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from demo.duck import quote


def table_checksums(path: Path | str) -> dict[str, str]:
    """``{"schema.table": sha256 hex}`` for every base table of the DuckDB file at ``path``."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return connection_checksums(con)
    finally:
        con.close()


def connection_checksums(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Like ``table_checksums`` for an open connection (its current database)."""
    tables = con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_type = 'BASE TABLE' AND table_catalog = current_database() "
        "ORDER BY table_schema, table_name"
    ).fetchall()
    result: dict[str, str] = {}
    for schema, name in tables:
        columns = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ? AND table_catalog = current_database() "
            "ORDER BY ordinal_position",
            [schema, name],
        ).fetchall()
        row = con.execute(
            f"SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) "
            f"FROM {quote(schema)}.{quote(name)} AS t"
        ).fetchall()[0]
        digest = hashlib.sha256(repr((columns, int(row[0]), int(row[1]))).encode())
        result[f"{schema}.{name}"] = digest.hexdigest()
    return result
