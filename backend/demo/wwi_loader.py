"""Build WideWorldImportersDW from the real CSV export in ``--wwi-data-dir``.

Real (Microsoft's sample, via the CSV export described in the data folder's README, e.g.
``../shared/data/README.md`` from the repository root):
``Dimension."Stock Item"``, ``Dimension.Supplier``, ``Fact.Purchase``, ``Fact."Stock Holding"``.
The export's artefacts are undone while loading: empty NOT NULL text (and Barcode) becomes
``N/A`` again, the ``.0`` pandas appended to Barcode and Postal Code is dropped, and
``datetime2(7)`` values are cut to DuckDB's microseconds. Everything else (Fact.Sale, Fact.Order,
Fact.Movement, the other dimensions) is generated to fit the real current stock items: each
item's share of sales follows how much of it WWI actually bought.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from sqlalchemy import Column, String, Table

from demo import wwi_dims, wwi_facts
from demo.calendar import date_range, wwi_dim_date
from demo.duck import Progress, insert_select, quote
from demo.loader_sql import cast_expr, sql_string, text_columns
from demo.wwi_generate import SALE_LINES, load_frames, sales_parties
from shared.db.warehouse import wwi_tables as wwi

FILES: dict[str, Table] = {
    "dimension_stock_item.csv": wwi.StockItem,
    "dimension_supplier.csv": wwi.Supplier,
    "fact_purchase.csv": wwi.Purchase,
    "fact_stock_holding.csv": wwi.StockHolding,
}
_FLOAT_TEXT = {"Barcode", "Postal Code"}


def source_files(data_dir: Path) -> list[Path]:
    """The files the loader reads (all must exist)."""
    return [data_dir / name for name in FILES]


def _expr(column: Column[object]) -> str:
    name = quote(column.name)
    if column.name in _FLOAT_TEXT:
        text = f"regexp_replace({name}, '\\.0$', '')"
        return f"coalesce(nullif({text}, ''), 'N/A')"
    if column.type.python_type is dt.datetime:
        return f"CAST(replace(substr({name}, 1, 26), 'T', ' ') AS TIMESTAMP)"
    if isinstance(column.type, String):
        return cast_expr(column, empty_text="N/A")
    return cast_expr(column)


def _load_file(
    con: duckdb.DuckDBPyConnection, path: Path, table: Table, progress: Progress | None
) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle, delimiter="|"))
    expected = [c.name for c in table.columns]
    if header != expected:
        raise ValueError(f"{path}: header {header} does not match {table.name} {expected}")
    reader = (
        f"read_csv({sql_string(str(path))}, delim='|', header=true, quote='\"', escape='\"', "
        f"auto_detect=false, columns={text_columns(table)})"
    )
    select = ", ".join(_expr(c) for c in table.columns)
    insert_select(con, table, f"SELECT {select} FROM {reader}", progress)


def _item_model(con: duckdb.DuckDBPyConnection, target_lines: int) -> pd.DataFrame:
    """Current stock items with cost, demand weight and typical line quantity from the real data."""
    items = con.execute(
        """
        SELECT i.*, coalesce(h."Last Cost Price", i."Unit Price" * 0.6) AS cost,
               coalesce(b.bought, 0) AS bought
        FROM "Dimension"."Stock Item" i
        LEFT JOIN "Fact"."Stock Holding" h USING ("Stock Item Key")
        LEFT JOIN (
            SELECT d."WWI Stock Item ID", sum(p."Ordered Quantity") AS bought
            FROM "Fact"."Purchase" p JOIN "Dimension"."Stock Item" d USING ("Stock Item Key")
            GROUP BY 1
        ) b USING ("WWI Stock Item ID")
        WHERE i."Stock Item Key" <> 0 AND year(i."Valid To") = 9999
        ORDER BY i."Stock Item Key"
        """
    ).df()
    bought = items["bought"].to_numpy(dtype=float)
    bought = np.where(bought > 0, bought, max(float(np.median(bought[bought > 0])), 1.0) / 4)
    weight = np.sqrt(bought)
    expected_lines = target_lines * weight / weight.sum()
    items["weight"] = weight
    items["typical_quantity"] = np.clip(np.round(bought / expected_lines), 1, 500)
    for column in ("Unit Price", "Tax Rate", "cost"):
        items[column] = items[column].astype(float)
    return items


def _purchases(con: duckdb.DuckDBPyConnection, rng: np.random.Generator) -> pd.DataFrame:
    """Real purchase lines with a generated receipt day (nominal lead time +-2 days)."""
    frame = con.execute(
        """
        SELECT p.*, i."Lead Time Days" AS lead
        FROM "Fact"."Purchase" p JOIN "Dimension"."Stock Item" i USING ("Stock Item Key")
        ORDER BY p."Purchase Key"
        """
    ).df()
    lead = np.maximum(1, frame["lead"].to_numpy() + rng.integers(-2, 3, len(frame)))
    frame["receipt_day"] = pd.to_datetime(frame["Date Key"]) + pd.to_timedelta(lead, unit="D")
    per_outer = frame["Ordered Quantity"] // frame["Ordered Outers"].clip(lower=1)
    frame["received_quantity"] = frame["Received Outers"] * per_outer.clip(lower=1)
    return frame


def load_wwi(
    con: duckdb.DuckDBPyConnection,
    data_dir: Path,
    seed: int,
    scale: float,
    progress: Progress | None = None,
) -> None:
    """Fill the empty WideWorldImportersDW tables of ``con``: real files plus generated facts."""
    missing = [p.name for p in source_files(data_dir) if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"{data_dir}: missing WideWorldImportersDW files {missing}")
    for name, table in FILES.items():
        _load_file(con, data_dir / name, table, progress)
    rng = np.random.default_rng([seed, 2000])
    row = con.execute('SELECT min("Date Key"), max("Date Key") FROM "Fact"."Purchase"').fetchall()
    first, last = row[0]
    days = date_range(first, last)
    target = max(2_000, round(SALE_LINES * scale))
    items = _item_model(con, target)
    cities, customers, employees = sales_parties(rng)
    buyers = customers[customers["Customer Key"] > 0]
    salespeople = employees.loc[employees["Is Salesperson"], "Employee Key"].to_numpy()
    pickers = employees.loc[
        ~employees["Is Salesperson"] & (employees["Employee Key"] > 0), "Employee Key"
    ].to_numpy()
    sale = wwi_facts.finish_sales(
        wwi_facts.sales(rng, items, buyers, salespeople, days, target), days[-1]
    )
    purchase = _purchases(con, rng)
    last_receipt = pd.Timestamp(purchase["receipt_day"].max()).date()
    load_frames(
        con,
        [
            (wwi.Date, wwi_dim_date(first, max(dt.date(last.year, 12, 31), last_receipt))),
            (wwi.City, cities),
            (wwi.Customer, customers),
            (wwi.Employee, employees),
            (wwi.TransactionType, wwi_dims.transaction_types()),
            (wwi.Sale, sale),
            (wwi.Order, wwi_facts.orders(rng, sale, pickers)),
            (wwi.Movement, wwi_facts.movements(sale, purchase)),
        ],
        progress,
    )
