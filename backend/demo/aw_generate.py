"""Build the AdventureWorksDW demo warehouse from the seeded generator.

About 60,000 internet and 60,000 reseller order lines at scale 1.0 over four calendar years
(``FIRST_YEAR`` to ``FIRST_YEAR + 3``), 17 sales representatives with a quota per quarter, and
the dimensions they reference. ``DimDate`` spans one year either side so due and ship dates join.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from demo import aw_dims, aw_facts
from demo.calendar import aw_dim_date, date_range
from demo.duck import Progress, insert_frame
from shared.db.warehouse import aw_tables as aw

FIRST_YEAR = 2010
YEARS = 4
LINES_PER_FACT = 60_000


def _rng(seed: int, stream: int) -> np.random.Generator:
    """An independent random stream per table, so changing one table leaves the others alone."""
    return np.random.default_rng([seed, stream])


def generate_aw(
    con: duckdb.DuckDBPyConnection, seed: int, scale: float, progress: Progress | None = None
) -> None:
    """Fill the (already created, empty) AdventureWorksDW tables of ``con``."""
    start, end = dt.date(FIRST_YEAR, 1, 1), dt.date(FIRST_YEAR + YEARS - 1, 12, 31)
    days = date_range(start, end)
    lines = max(500, round(LINES_PER_FACT * scale))
    products = aw_dims.products(_rng(seed, 1))
    geography = aw_dims.geography()
    employees = aw_dims.employees(_rng(seed, 2))
    customers = aw_dims.customers(_rng(seed, 3), max(300, round(18_000 * scale)))
    resellers = aw_dims.resellers(_rng(seed, 4), max(60, round(700 * scale)))
    internet = aw_facts.internet_sales(_rng(seed, 5), days, products, customers, geography, lines)
    reseller = aw_facts.reseller_sales(
        _rng(seed, 6), days, products, resellers, geography, employees, lines
    )
    quotas = aw_facts.sales_quotas(_rng(seed, 7), reseller, employees, FIRST_YEAR, YEARS)
    first_purchase = pd.DatetimeIndex(internet["OrderDate"]).date
    first = pd.Series(first_purchase).groupby(internet["CustomerKey"].to_numpy()).min()
    customers["DateFirstPurchase"] = customers["CustomerKey"].map(first)

    frames: list[tuple[object, pd.DataFrame]] = [
        (
            aw.DimDate,
            aw_dim_date(dt.date(FIRST_YEAR - 1, 1, 1), dt.date(FIRST_YEAR + YEARS, 12, 31)),
        ),
        (aw.DimProductCategory, aw_dims.categories()),
        (aw.DimProductSubcategory, aw_dims.subcategories()),
        (aw.DimProduct, products),
        (aw.DimSalesTerritory, aw_dims.territories()),
        (aw.DimGeography, geography),
        (aw.DimCurrency, aw_dims.currencies()),
        (aw.DimPromotion, aw_dims.promotions(start, end)),
        (aw.DimEmployee, employees),
        (aw.DimCustomer, customers),
        (aw.DimReseller, resellers),
        (aw.FactInternetSales, internet),
        (aw.FactResellerSales, reseller),
        (aw.FactSalesQuota, quotas),
    ]
    for table, frame in frames:
        insert_frame(con, table, frame, progress)  # type: ignore[arg-type]
