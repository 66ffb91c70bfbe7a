"""Load AdventureWorksDW from Microsoft's pipe-delimited install files (``<Table>.csv``).

Format (see the data folder's README, e.g. ``../shared/data/README.md`` from the repository
root): no header, column order = CREATE TABLE order, no quoting at all (a ``"`` is data),
NULL = empty field, money with four decimals, bits 0/1, binary as upper-case hex.
DuckDB reads each file with explicit all-text columns and casts in SQL.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from demo.duck import Progress, insert_select
from demo.loader_sql import cast_expr, sql_string, text_columns
from shared.db.warehouse import aw_tables as aw

LOAD_ORDER = [
    aw.DimDate, aw.DimProductCategory, aw.DimProductSubcategory, aw.DimProduct,
    aw.DimSalesTerritory, aw.DimGeography, aw.DimCurrency, aw.DimPromotion, aw.DimEmployee,
    aw.DimCustomer, aw.DimReseller, aw.FactInternetSales, aw.FactResellerSales, aw.FactSalesQuota,
]  # fmt: skip


def source_files(data_dir: Path) -> list[Path]:
    """The files the loader reads, in load order (all must exist)."""
    return [data_dir / f"{t.name}.csv" for t in LOAD_ORDER]


def load_aw(
    con: duckdb.DuckDBPyConnection, data_dir: Path, progress: Progress | None = None
) -> None:
    """Fill the empty AdventureWorksDW tables of ``con`` from the files in ``data_dir``."""
    missing = [p.name for p in source_files(data_dir) if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"{data_dir}: missing AdventureWorksDW files {missing}")
    for table, path in zip(LOAD_ORDER, source_files(data_dir), strict=True):
        reader = (
            f"read_csv({sql_string(str(path))}, delim='|', header=false, quote='', escape='', "
            f"auto_detect=false, columns={text_columns(table)}, max_line_size=4000000)"
        )
        select = ", ".join(cast_expr(c) for c in table.columns)
        insert_select(con, table, f"SELECT {select} FROM {reader}", progress)
