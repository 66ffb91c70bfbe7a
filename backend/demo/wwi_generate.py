"""Build the WideWorldImportersDW demo warehouse from the seeded generator.

About 200,000 Fact.Sale lines at scale 1.0 over 2013-2016 (four calendar years), the orders and
stock movements behind them, weekly purchase orders to six goods suppliers, a stock holding per
item, and the cases of ``demo.wwi_planted``.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from demo import wwi_dims, wwi_facts, wwi_planted, wwi_supply
from demo.calendar import date_range, wwi_dim_date
from demo.duck import Progress, insert_frame
from shared.db.warehouse import wwi_tables as wwi

FIRST_DAY = dt.date(2013, 1, 1)
LAST_DAY = dt.date(2016, 12, 31)
SALE_LINES = 200_000


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, 1000 + stream])


def sales_parties(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Cities, customers and employees (generated in both the generated and the real-file mode)."""
    cities = wwi_dims.cities()
    customers = wwi_dims.customers(rng, cities.loc[cities["City Key"] > 0, "City Key"].to_numpy())
    return cities, customers, wwi_dims.employees()


def load_frames(
    con: duckdb.DuckDBPyConnection,
    frames: list[tuple[object, pd.DataFrame]],
    progress: Progress | None,
) -> None:
    """Insert each frame, restricted to its table's columns."""
    for table, frame in frames:
        names = [c.name for c in table.columns]  # type: ignore[attr-defined]
        insert_frame(con, table, wwi_dims.table_columns(frame, names), progress)  # type: ignore[arg-type]


def generate_wwi(
    con: duckdb.DuckDBPyConnection, seed: int, scale: float, progress: Progress | None = None
) -> None:
    """Fill the (already created, empty) WideWorldImportersDW tables of ``con``."""
    days = date_range(FIRST_DAY, LAST_DAY)
    cities, customers, employees = sales_parties(_rng(seed, 1))
    items = wwi_dims.stock_items()
    model = items[items["Stock Item Key"] > 0].copy()
    model["weight"] = _rng(seed, 2).uniform(0.5, 1.5, len(model))
    # The spike item sells steadily, so its trailing average is a stable baseline.
    spike = model["Stock Item Key"] == wwi_planted.SPIKE_STOCK_ITEM_KEY
    model.loc[spike, "weight"] = 2.0
    buyers = customers[customers["Customer Key"] > 0]
    salespeople = employees.loc[employees["Is Salesperson"], "Employee Key"].to_numpy()
    pickers = employees.loc[
        ~employees["Is Salesperson"] & (employees["Employee Key"] > 0), "Employee Key"
    ].to_numpy()
    lines = wwi_facts.sales(
        _rng(seed, 3), model, buyers, salespeople, days, max(2_000, round(SALE_LINES * scale))
    )
    lines = wwi_supply.plant_spike(_rng(seed, 4), lines, buyers)
    sale = wwi_facts.finish_sales(lines, days[-1])
    order = wwi_facts.orders(_rng(seed, 5), sale, pickers)
    purchase = wwi_supply.purchases(_rng(seed, 6), model, sale, days)
    holding = wwi_supply.stock_holdings(_rng(seed, 7), model, sale, len(days))
    movement = wwi_facts.movements(sale, purchase)
    load_frames(
        con,
        [
            (wwi.Date, wwi_dim_date(FIRST_DAY, LAST_DAY)),
            (wwi.City, cities),
            (wwi.Customer, customers),
            (wwi.Employee, employees),
            (wwi.StockItem, items),
            (wwi.Supplier, wwi_dims.suppliers()),
            (wwi.TransactionType, wwi_dims.transaction_types()),
            (wwi.Sale, sale),
            (wwi.Order, order),
            (wwi.Purchase, purchase),
            (wwi.StockHolding, holding),
            (wwi.Movement, movement),
        ],
        progress,
    )
