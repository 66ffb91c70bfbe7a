"""Rankings: sales-rep scores against quota, and product demand with its 12-month trend.

Rep score (0-100) of the reps who sold or had a quota in the year:
    attainment = revenue in the quarters that have a quota / SUM(SalesAmountQuota) of them
    score = 100 * (0.5 * min(attainment, 1.5) / 1.5 + 0.3 * revenue / max revenue
                   + 0.2 * orders / max orders)
    without a quota: 100 * (0.3 * revenue / max revenue + 0.2 * orders / max orders) / 0.5
Product demand over the 12 complete calendar months ending at or before the anchor, both
channels: units, revenue, share = 100 * revenue / all revenue, trend = least-squares slope of the
monthly units (missing months are 0) in units per month. Ranked by units, then revenue.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Row, Select, func, select, union_all

from services.aw_service.analytics_common import (
    FACTS,
    Anchor,
    Warehouse,
    date_key,
    last_months,
    money_sum,
    read_anchor,
    safe_ratio,
    to_float,
)
from services.aw_service.analytics_sales import check_year
from services.aw_service.models import ProductDemand, ProductDemandReport, RepScore, RepScores
from shared.core.warehouse import STATEMENT_CACHE, Fetch, records, unpacked
from shared.db.warehouse import aw_tables as aw

SCORE_FORMULA = (
    "score = 100 * (0.5 * min(attainment, 1.5) / 1.5 + 0.3 * revenue / max_revenue "
    "+ 0.2 * orders / max_orders); without a quota the last two terms, divided by 0.5"
)
ATTAINMENT_CAP = 1.5
WEIGHTS = {"attainment": 0.5, "revenue": 0.3, "orders": 0.2}
DEMAND_MONTHS = 12


@functools.lru_cache(maxsize=STATEMENT_CACHE)
def rep_sales_statement(year: int) -> Select[Any]:
    """Reseller revenue and distinct orders per employee and calendar quarter of `year`."""
    fact, day = aw.FactResellerSales.c, aw.DimDate.c
    return (
        select(
            fact.EmployeeKey.label("employee_key"),
            day.CalendarQuarter.label("quarter"),
            money_sum(fact.SalesAmount).label("revenue"),
            func.count(fact.SalesOrderNumber.distinct()).label("orders"),
        )
        .select_from(aw.FactResellerSales.join(aw.DimDate, day.DateKey == fact.OrderDateKey))
        .where(day.CalendarYear == year)
        .group_by(fact.EmployeeKey, day.CalendarQuarter)
    )


@functools.lru_cache(maxsize=STATEMENT_CACHE)
def quota_statement(year: int) -> Select[Any]:
    """SUM(SalesAmountQuota) per employee and calendar quarter of `year`."""
    quota = aw.FactSalesQuota.c
    return (
        select(
            quota.EmployeeKey.label("employee_key"),
            quota.CalendarQuarter.label("quarter"),
            money_sum(quota.SalesAmountQuota).label("quota"),
        )
        .where(quota.CalendarYear == year)
        .group_by(quota.EmployeeKey, quota.CalendarQuarter)
    )


@functools.cache
def employee_statement() -> Select[Any]:
    """Every employee's name and territory region (small dimension, read whole)."""
    employee, territory = aw.DimEmployee.c, aw.DimSalesTerritory.c
    return select(
        employee.EmployeeKey.label("employee_key"),
        employee.FirstName.label("first_name"),
        employee.LastName.label("last_name"),
        territory.SalesTerritoryRegion.label("territory"),
    ).select_from(
        aw.DimEmployee.outerjoin(
            aw.DimSalesTerritory, territory.SalesTerritoryKey == employee.SalesTerritoryKey
        )
    )


def _name(person: Mapping[str, Any] | None, key: int) -> str:
    return f"{person['first_name']} {person['last_name']}" if person else f"employee {key}"


def score_reps(
    sales: Sequence[Mapping[str, Any]],
    quotas: Sequence[Mapping[str, Any]],
    employees: Sequence[Mapping[str, Any]],
    anchor: Anchor,
    year: int,
    top_n: int,
) -> RepScores:
    """Combine the three result sets into ranked `RepScore`s (formula in the module docstring)."""
    revenue: dict[int, float] = defaultdict(float)
    orders: dict[int, int] = defaultdict(int)
    by_quarter: dict[tuple[int, int], float] = defaultdict(float)
    for row in sales:
        key = int(row["employee_key"])
        revenue[key] += to_float(row["revenue"])
        orders[key] += int(row["orders"])
        by_quarter[key, int(row["quarter"])] += to_float(row["revenue"])
    quota: dict[int, float] = defaultdict(float)
    in_quota_quarters: dict[int, float] = defaultdict(float)
    for row in quotas:
        key, quarter = int(row["employee_key"]), int(row["quarter"])
        quota[key] += to_float(row["quota"])
        in_quota_quarters[key] += by_quarter.get((key, quarter), 0.0)
    names = {int(e["employee_key"]): e for e in employees}
    keys = sorted(set(revenue) | set(quota))
    max_revenue = max((revenue[k] for k in keys), default=0.0)
    max_orders = max((orders[k] for k in keys), default=0)
    scored: list[RepScore] = []
    for key in keys:
        attainment = safe_ratio(in_quota_quarters[key], quota[key]) if key in quota else None
        revenue_part = safe_ratio(revenue[key], max_revenue) or 0.0
        orders_part = safe_ratio(orders[key], max_orders) or 0.0
        volume = WEIGHTS["revenue"] * revenue_part + WEIGHTS["orders"] * orders_part
        if attainment is None:
            score = 100 * volume / (WEIGHTS["revenue"] + WEIGHTS["orders"])
        else:
            capped = min(max(attainment, 0.0), ATTAINMENT_CAP) / ATTAINMENT_CAP
            score = 100 * (WEIGHTS["attainment"] * capped + volume)
        person = names.get(key)
        scored.append(
            RepScore(
                rank=0,
                employee_key=key,
                rep_name=_name(person, key),
                territory=person["territory"] if person else None,
                revenue=round(revenue[key], 4),
                orders=orders[key],
                quota=round(quota[key], 4) if key in quota else None,
                attainment_pct=None if attainment is None else round(100 * attainment, 4),
                score=round(score, 4),
            )
        )
    scored.sort(key=lambda r: (-r.score, -r.revenue, r.employee_key))
    reps = [r.model_copy(update={"rank": i + 1}) for i, r in enumerate(scored[:top_n])]
    return RepScores(
        anchor_date=anchor.latest,
        year=year,
        period_start=dt.date(year, 1, 1),
        period_end=min(dt.date(year, 12, 31), anchor.latest),
        top_n=top_n,
        total_reps=len(scored),
        formula=SCORE_FORMULA,
        reps=reps,
    )


async def rep_scores(warehouse: Warehouse, top_n: int, year: int | None = None) -> RepScores:
    """The `top_n` reps of `year` (default: latest complete calendar year) by score."""

    def read(fetch: Fetch) -> tuple[Anchor, int, list[Sequence[Row[Any]]]]:
        anchor = read_anchor(fetch)
        check_year(anchor, year)
        target = anchor.latest_complete_year if year is None else year
        statements = rep_sales_statement(target), quota_statement(target), employee_statement()
        return anchor, target, [fetch(statement) for statement in statements]

    anchor, target, (sales, quotas, employees) = await warehouse.run(read)
    return score_reps(
        records(sales),
        records(quotas),
        records(employees),
        anchor,
        target,
        top_n,
    )


def demand_window(anchor: Anchor, months: int = DEMAND_MONTHS) -> list[tuple[int, int]]:
    """The `months` complete calendar months ending at or before the anchor, oldest first."""
    end_year, end_month = anchor.last_complete_month()
    return last_months(end_year, end_month, months)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


@functools.lru_cache(maxsize=STATEMENT_CACHE)
def product_month_statement(start: dt.date, end: dt.date) -> Select[Any]:
    """Units and revenue of both channels per product and calendar month, `start`..`end`."""
    window = (date_key(start), date_key(end))
    lines = union_all(
        *[
            select(
                fact.c.ProductKey.label("product_key"),
                fact.c.OrderDateKey.label("day_key"),
                fact.c.OrderQuantity.label("units"),
                fact.c.SalesAmount.label("amount"),
            ).where(fact.c.OrderDateKey.between(*window))
            for fact in FACTS.values()
        ]
    ).subquery("order_lines")
    day = aw.DimDate.c
    return (
        select(
            lines.c.product_key,
            day.CalendarYear.label("year"),
            day.MonthNumberOfYear.label("month"),
            func.sum(lines.c.units).label("units"),
            money_sum(lines.c.amount).label("revenue"),
        )
        .select_from(lines.join(aw.DimDate, day.DateKey == lines.c.day_key))
        .group_by(lines.c.product_key, day.CalendarYear, day.MonthNumberOfYear)
    )


@functools.cache
def product_statement() -> Select[Any]:
    """Every product's English name and category (small dimension, read whole)."""
    product = aw.DimProduct.c
    sub, category = aw.DimProductSubcategory.c, aw.DimProductCategory.c
    return select(
        product.ProductKey.label("product_key"),
        product.EnglishProductName.label("product_name"),
        category.EnglishProductCategoryName.label("category"),
    ).select_from(
        aw.DimProduct.outerjoin(
            aw.DimProductSubcategory, sub.ProductSubcategoryKey == product.ProductSubcategoryKey
        ).outerjoin(aw.DimProductCategory, category.ProductCategoryKey == sub.ProductCategoryKey)
    )


def trend_slope(values: Sequence[float]) -> float:
    """Least-squares slope of `values` against 0, 1, 2, ... (0 for fewer than two values)."""
    if len(values) < 2:
        return 0.0
    x = np.arange(len(values), dtype=float)
    y = np.asarray(values, dtype=float)
    return float(((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum())


def rank_products(
    rows: Sequence[Row[Any]],
    products: Sequence[Row[Any]],
    anchor: Anchor,
    months: list[tuple[int, int]],
    top_n: int,
) -> ProductDemandReport:
    """Per-product totals, shares and trends from the rows of `product_month_statement` and
    `product_statement` as the driver returns them (no per-row dict: there are thousands)."""
    position = {m: i for i, m in enumerate(months)}
    units: dict[int, list[int]] = defaultdict(lambda: [0] * len(months))
    revenue: dict[int, float] = defaultdict(float)
    by_month = unpacked(rows, "product_key", "year", "month", "units", "revenue")
    for key, year, month, month_units, month_revenue in by_month:
        index = position.get((year, month))
        if index is not None:
            units[key][index] += month_units or 0
            revenue[key] += to_float(month_revenue)
    totals = {key: sum(series) for key, series in units.items()}
    all_revenue = sum(revenue.values())
    catalog = unpacked(products, "product_key", "product_name", "category")
    names = {key: (name, category) for key, name, category in catalog}
    ranked = sorted(units, key=lambda k: (-totals[k], -revenue[k], k))
    items = []
    for rank, key in enumerate(ranked[:top_n], start=1):
        name, category = names.get(key, (f"#{key}", None))
        items.append(
            ProductDemand(
                rank=rank,
                product_key=key,
                product_name=name,
                category=category,
                units=totals[key],
                revenue=round(revenue[key], 4),
                revenue_share_pct=round(100 * (safe_ratio(revenue[key], all_revenue) or 0.0), 4),
                trend_units_per_month=round(trend_slope(units[key]), 4),
            )
        )
    first, last = months[0], months[-1]
    return ProductDemandReport(
        anchor_date=anchor.latest,
        period_start=dt.date(first[0], first[1], 1),
        period_end=_month_end(*last),
        months=len(months),
        top_n=top_n,
        total_products=len(ranked),
        products=items,
    )


async def product_demand(warehouse: Warehouse, top_n: int) -> ProductDemandReport:
    """The `top_n` products by units over the last 12 complete months, with their trend."""

    def read(fetch: Fetch) -> tuple[Anchor, Sequence[Row[Any]], Sequence[Row[Any]]]:
        anchor = read_anchor(fetch)
        months = demand_window(anchor)
        start, end = dt.date(months[0][0], months[0][1], 1), _month_end(*months[-1])
        return anchor, fetch(product_month_statement(start, end)), fetch(product_statement())

    anchor, rows, products = await warehouse.run(read)
    months = demand_window(anchor)
    return rank_products(rows, products, anchor, months, top_n)
