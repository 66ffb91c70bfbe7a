"""Named data-quality checks on the AdventureWorks warehouse, each with its threshold.

Every check is one number measured in SQL and compared with a threshold, through the shared
machinery (`shared.core.data_quality`: one statement per run, "fail" for a failed `error` check,
"warn" for a failed `warning` check). The warehouse has no order-header table; an order's header
fields (date, customer or reseller, territory) are repeated on every line, so "header and lines
disagree" means lines of one order that disagree on them, and line totals that disagree with
their own price x quantity - discount.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Table, exists, extract, func, or_

from services.aw_service.analytics_common import (
    FACTS,
    NoSalesData,
    Warehouse,
    date_key,
    load_anchor,
)
from services.aw_service.models import DataQualityReport
from shared.core.data_quality import (
    CheckDef,
    count_disagreeing_groups,
    count_orphans,
    count_rows,
    freshness,
    measure,
    tally,
)
from shared.db.warehouse import aw_tables as aw

MIN_FACT_ROWS = 1000
MIN_DATE_ROWS = 365
FRESHNESS_MAX_DAYS = 2
AMOUNT_TOLERANCE = 0.01
FRESHNESS = "freshness.latest_order_date"


def _fact_checks(name: str, fact: Table, party: str, today: dt.date) -> list[CheckDef]:
    c = fact.c
    key_of_date = (
        extract("year", c.OrderDate) * 10000
        + extract("month", c.OrderDate) * 100
        + extract("day", c.OrderDate)
    )
    line_amounts = or_(
        func.abs(c.ExtendedAmount - c.UnitPrice * c.OrderQuantity) > AMOUNT_TOLERANCE,
        func.abs(c.SalesAmount - (c.ExtendedAmount - c.DiscountAmount)) > AMOUNT_TOLERANCE,
    )
    dims = {"CustomerKey": aw.DimCustomer, "ResellerKey": aw.DimReseller}
    header = ("OrderDateKey", party, "SalesTerritoryKey")
    checks = [
        CheckDef(f"row_count.{name}", f"{name} has at least {MIN_FACT_ROWS} order lines",
                 count_rows(fact), MIN_FACT_ROWS, ">="),
        CheckDef(f"null_measures.{name}",
                 "lines with NULL OrderDate, OrderQuantity, SalesAmount or TotalProductCost",
                 count_rows(fact, or_(c.OrderDate.is_(None), c.OrderQuantity.is_(None),
                                  c.SalesAmount.is_(None), c.TotalProductCost.is_(None))), 0),
        CheckDef(f"orphan_product.{name}", "lines whose ProductKey is not in DimProduct",
                 count_orphans(fact, "ProductKey", aw.DimProduct, "ProductKey"), 0),
        CheckDef(f"orphan_order_date.{name}", "lines whose OrderDateKey is not in DimDate",
                 count_orphans(fact, "OrderDateKey", aw.DimDate, "DateKey"), 0),
        CheckDef(f"orphan_{party.removesuffix('Key').lower()}.{name}",
                 f"lines whose {party} is not in {dims[party].name}",
                 count_orphans(fact, party, dims[party], party), 0),
        CheckDef(f"negative_amounts.{name}",
                 "lines with SalesAmount < 0, TotalProductCost < 0 or OrderQuantity <= 0",
                 count_rows(fact, or_(c.SalesAmount < 0, c.TotalProductCost < 0,
                                  c.OrderQuantity <= 0)), 0),
        CheckDef(f"future_orders.{name}", "lines ordered after the day the check runs",
                 count_rows(fact, c.OrderDateKey > date_key(today)), 0),
        CheckDef(f"date_key_mismatch.{name}", "lines whose OrderDateKey is not their OrderDate",
                 count_rows(fact, c.OrderDate.is_not(None), c.OrderDateKey != key_of_date), 0),
        CheckDef(f"line_totals_disagree.{name}",
                 f"lines where ExtendedAmount != UnitPrice x OrderQuantity or SalesAmount != "
                 f"ExtendedAmount - DiscountAmount (tolerance {AMOUNT_TOLERANCE})",
                 count_rows(fact, line_amounts), 0),
        CheckDef(f"order_header_conflicts.{name}",
                 f"orders whose lines disagree on OrderDateKey, {party} or SalesTerritoryKey",
                 count_disagreeing_groups(fact, "SalesOrderNumber", header), 0),
    ]  # fmt: skip
    if name == "FactResellerSales":
        checks.append(
            CheckDef(f"orphan_employee.{name}", "lines whose EmployeeKey is not in DimEmployee",
                     count_orphans(fact, "EmployeeKey", aw.DimEmployee, "EmployeeKey"), 0)
        )  # fmt: skip
    return checks


def check_definitions(today: dt.date) -> list[CheckDef]:
    """Every SQL-measured check; `today` is the run's UTC date (for future-dated orders)."""
    internet, reseller = FACTS["internet"], FACTS["reseller"]
    quota = aw.FactSalesQuota
    overlap = count_rows(
        internet,
        exists().where(reseller.c.SalesOrderNumber == internet.c.SalesOrderNumber),
    )
    return [
        *_fact_checks("FactInternetSales", internet, "CustomerKey", today),
        *_fact_checks("FactResellerSales", reseller, "ResellerKey", today),
        CheckDef("order_numbers_shared_by_channels",
                 "internet lines whose SalesOrderNumber also occurs in FactResellerSales "
                 "(total orders add the channels' counts)", overlap, 0),
        CheckDef("row_count.DimDate", f"DimDate has at least {MIN_DATE_ROWS} days",
                 count_rows(aw.DimDate), MIN_DATE_ROWS, ">="),
        CheckDef("row_count.DimProduct", "DimProduct is not empty", count_rows(aw.DimProduct), 1,
                 ">="),
        CheckDef("row_count.FactSalesQuota", "FactSalesQuota is not empty", count_rows(quota), 1,
                 ">="),
        CheckDef("orphan_employee.FactSalesQuota", "quotas whose EmployeeKey is not in DimEmployee",
                 count_orphans(quota, "EmployeeKey", aw.DimEmployee, "EmployeeKey"), 0),
        CheckDef("negative_amounts.FactSalesQuota", "quotas with SalesAmountQuota < 0",
                 count_rows(quota, quota.c.SalesAmountQuota < 0), 0),
    ]  # fmt: skip


async def run_checks(warehouse: Warehouse, today: dt.date) -> DataQualityReport:
    """Measure every check and the freshness of the latest order date against `today`."""
    results = await measure(warehouse, check_definitions(today))
    anchor_date: dt.date | None
    try:
        anchor_date = (await load_anchor(warehouse)).latest
    except NoSalesData:
        anchor_date = None
    results.append(
        freshness(FRESHNESS, anchor_date, today, max_days=FRESHNESS_MAX_DAYS, what="order")
    )
    return DataQualityReport(anchor_date=anchor_date, checks=results, **tally(results))
