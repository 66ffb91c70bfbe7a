"""Named data-quality checks on the AdventureWorks warehouse, each with its threshold.

Every check is one number measured in SQL (a scalar subquery; all of them travel in one
statement) compared with a threshold: `<=` for counts of bad rows, `>=` for row counts. A
failed `error` check is status "fail", a failed `warning` check is "warn". The warehouse has no
order-header table; an order's header fields (date, customer or reseller, territory) are repeated
on every line, so "header and lines disagree" means lines of one order that disagree on them, and
line totals that disagree with their own price x quantity - discount.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, Table, exists, extract, func, or_, select

from services.aw_service.analytics_common import (
    FACTS,
    NoSalesData,
    Warehouse,
    date_key,
    load_anchor,
)
from services.aw_service.models import DataQualityCheck, DataQualityReport
from shared.db.warehouse import aw_tables as aw

MIN_FACT_ROWS = 1000
MIN_DATE_ROWS = 365
FRESHNESS_MAX_DAYS = 2
AMOUNT_TOLERANCE = 0.01
FRESHNESS = "freshness.latest_order_date"

Comparison = Literal["<=", ">="]
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class CheckDef:
    name: str
    description: str
    statement: Select[Any]
    threshold: float
    comparison: Comparison = "<="
    severity: Severity = "error"


def _count(table: Table, *where: ColumnElement[bool]) -> Select[Any]:
    return select(func.count()).select_from(table).where(*where)


def _orphans(fact: Table, key: str, dim: Table, dim_key: str) -> Select[Any]:
    """Fact rows whose `key` finds no `dim` row."""
    return (
        select(func.count())
        .select_from(fact.outerjoin(dim, dim.c[dim_key] == fact.c[key]))
        .where(dim.c[dim_key].is_(None))
    )


def _header_conflicts(fact: Table, party: str) -> Select[Any]:
    """Orders whose lines disagree on order date, party or territory."""
    per_order = (
        select(fact.c.SalesOrderNumber)
        .group_by(fact.c.SalesOrderNumber)
        .having(
            or_(
                func.count(fact.c.OrderDateKey.distinct()) > 1,
                func.count(fact.c[party].distinct()) > 1,
                func.count(fact.c.SalesTerritoryKey.distinct()) > 1,
            )
        )
        .subquery()
    )
    return select(func.count()).select_from(per_order)


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
    checks = [
        CheckDef(f"row_count.{name}", f"{name} has at least {MIN_FACT_ROWS} order lines",
                 _count(fact), MIN_FACT_ROWS, ">="),
        CheckDef(f"null_measures.{name}",
                 "lines with NULL OrderDate, OrderQuantity, SalesAmount or TotalProductCost",
                 _count(fact, or_(c.OrderDate.is_(None), c.OrderQuantity.is_(None),
                                  c.SalesAmount.is_(None), c.TotalProductCost.is_(None))), 0),
        CheckDef(f"orphan_product.{name}", "lines whose ProductKey is not in DimProduct",
                 _orphans(fact, "ProductKey", aw.DimProduct, "ProductKey"), 0),
        CheckDef(f"orphan_order_date.{name}", "lines whose OrderDateKey is not in DimDate",
                 _orphans(fact, "OrderDateKey", aw.DimDate, "DateKey"), 0),
        CheckDef(f"orphan_{party.removesuffix('Key').lower()}.{name}",
                 f"lines whose {party} is not in {dims[party].name}",
                 _orphans(fact, party, dims[party], party), 0),
        CheckDef(f"negative_amounts.{name}",
                 "lines with SalesAmount < 0, TotalProductCost < 0 or OrderQuantity <= 0",
                 _count(fact, or_(c.SalesAmount < 0, c.TotalProductCost < 0,
                                  c.OrderQuantity <= 0)), 0),
        CheckDef(f"future_orders.{name}", "lines ordered after the day the check runs",
                 _count(fact, c.OrderDateKey > date_key(today)), 0),
        CheckDef(f"date_key_mismatch.{name}", "lines whose OrderDateKey is not their OrderDate",
                 _count(fact, c.OrderDate.is_not(None), c.OrderDateKey != key_of_date), 0),
        CheckDef(f"line_totals_disagree.{name}",
                 f"lines where ExtendedAmount != UnitPrice x OrderQuantity or SalesAmount != "
                 f"ExtendedAmount - DiscountAmount (tolerance {AMOUNT_TOLERANCE})",
                 _count(fact, line_amounts), 0),
        CheckDef(f"order_header_conflicts.{name}",
                 f"orders whose lines disagree on OrderDateKey, {party} or SalesTerritoryKey",
                 _header_conflicts(fact, party), 0),
    ]  # fmt: skip
    if name == "FactResellerSales":
        checks.append(
            CheckDef(f"orphan_employee.{name}", "lines whose EmployeeKey is not in DimEmployee",
                     _orphans(fact, "EmployeeKey", aw.DimEmployee, "EmployeeKey"), 0)
        )  # fmt: skip
    return checks


def check_definitions(today: dt.date) -> list[CheckDef]:
    """Every SQL-measured check; `today` is the run's UTC date (for future-dated orders)."""
    internet, reseller = FACTS["internet"], FACTS["reseller"]
    quota = aw.FactSalesQuota
    overlap = _count(
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
                 _count(aw.DimDate), MIN_DATE_ROWS, ">="),
        CheckDef("row_count.DimProduct", "DimProduct is not empty", _count(aw.DimProduct), 1,
                 ">="),
        CheckDef("row_count.FactSalesQuota", "FactSalesQuota is not empty", _count(quota), 1,
                 ">="),
        CheckDef("orphan_employee.FactSalesQuota", "quotas whose EmployeeKey is not in DimEmployee",
                 _orphans(quota, "EmployeeKey", aw.DimEmployee, "EmployeeKey"), 0),
        CheckDef("negative_amounts.FactSalesQuota", "quotas with SalesAmountQuota < 0",
                 _count(quota, quota.c.SalesAmountQuota < 0), 0),
    ]  # fmt: skip


def checks_statement(definitions: list[CheckDef]) -> Select[Any]:
    """All checks as scalar subqueries of one SELECT (one round trip), labelled c0, c1, ..."""
    return select(
        *[d.statement.scalar_subquery().label(f"c{i}") for i, d in enumerate(definitions)]
    )


def evaluate(
    name: str,
    description: str,
    observed: float,
    threshold: float,
    comparison: Comparison,
    severity: Severity,
) -> DataQualityCheck:
    """Compare one observation with its threshold."""
    ok = observed <= threshold if comparison == "<=" else observed >= threshold
    status: Literal["pass", "warn", "fail"] = (
        "pass" if ok else ("fail" if severity == "error" else "warn")
    )
    return DataQualityCheck(
        name=name,
        description=description,
        observed=observed,
        threshold=threshold,
        comparison=comparison,
        severity=severity,
        status=status,
    )


async def run_checks(warehouse: Warehouse, today: dt.date) -> DataQualityReport:
    """Measure every check and the freshness of the latest order date against `today`."""
    definitions = check_definitions(today)
    row = (await warehouse.fetch(checks_statement(definitions)))[0]
    results = [
        evaluate(d.name, d.description, float(row[i] or 0), d.threshold, d.comparison, d.severity)
        for i, d in enumerate(definitions)
    ]
    anchor_date: dt.date | None
    try:
        anchor_date = (await load_anchor(warehouse)).latest
    except NoSalesData:
        anchor_date = None
    if anchor_date is None:
        freshness = evaluate(FRESHNESS, "no order lines at all", 1.0, 0, "<=", "error")
    else:
        freshness = evaluate(
            FRESHNESS,
            f"days from the latest order date to the run date (at most {FRESHNESS_MAX_DAYS}); "
            "the sample warehouses end years ago, so this warns there",
            float((today - anchor_date).days),
            FRESHNESS_MAX_DAYS,
            "<=",
            "warning",
        )
    results.append(freshness)
    return DataQualityReport(
        anchor_date=anchor_date,
        passed=sum(r.status == "pass" for r in results),
        warned=sum(r.status == "warn" for r in results),
        failed=sum(r.status == "fail" for r in results),
        checks=results,
    )
