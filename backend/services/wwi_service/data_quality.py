"""Data-quality checks on the WWI warehouse, run daily by `wwi.daily.data_quality`.

Each check is one counting SELECT; a count of 0 passes. `error` checks break an analytic (a
fact row whose key has no dimension row silently drops out of every join); `warning` checks
flag data the analytics tolerate but a data steward should look at. The job stores the list in
`job_executions.result`, where `GET /api/wwi/jobs` shows it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, Table, func, literal, select

from services.wwi_service.analytics_base import (
    Warehouse,
    fetch_anchor,
    integer,
    latest_purchase_date_query,
    latest_sale_date_query,
    tracer,
)
from shared.db.warehouse import wwi_tables as wwi

STALE_SALES_DAYS = 31
CURRENT_ROW_FROM = dt.datetime(9999, 12, 31)
"""Type-2 rows valid to 9999-12-31 (any time that day) are the current version."""


@dataclass(frozen=True)
class Check:
    name: str
    severity: str  # "error" | "warning"
    description: str
    query: Callable[[], Select[Any]]


def _orphans(fact: Table, fact_key: str, dimension: Table, dimension_key: str) -> Select[Any]:
    """Fact rows whose key finds no dimension row."""
    return (
        select(func.count().label("violations"))
        .select_from(fact.outerjoin(dimension, dimension.c[dimension_key] == fact.c[fact_key]))
        .where(dimension.c[dimension_key].is_(None))
    )


def _count_where(table: Table, condition: Any) -> Select[Any]:
    return select(func.count().label("violations")).select_from(table).where(condition)


def _duplicate_current(table: Table, business_key: str) -> Select[Any]:
    """Business keys with more than one current (open-ended) type-2 row."""
    duplicated = (
        select(table.c[business_key])
        .where(table.c["Valid To"] >= CURRENT_ROW_FROM)
        .group_by(table.c[business_key])
        .having(func.count() > literal(1))
        .subquery("duplicated")
    )
    return select(func.count().label("violations")).select_from(duplicated)


S, P, H = wwi.Sale.c, wwi.Purchase.c, wwi.StockHolding.c

CHECKS: tuple[Check, ...] = (
    Check("sale_orphan_stock_item", "error", "Fact.Sale rows whose Stock Item Key is unknown",
          lambda: _orphans(wwi.Sale, "Stock Item Key", wwi.StockItem, "Stock Item Key")),
    Check("sale_orphan_customer", "error", "Fact.Sale rows whose Customer Key is unknown",
          lambda: _orphans(wwi.Sale, "Customer Key", wwi.Customer, "Customer Key")),
    Check("purchase_orphan_supplier", "error", "Fact.Purchase rows whose Supplier Key is unknown",
          lambda: _orphans(wwi.Purchase, "Supplier Key", wwi.Supplier, "Supplier Key")),
    Check("purchase_orphan_stock_item", "error",
          "Fact.Purchase rows whose Stock Item Key is unknown",
          lambda: _orphans(wwi.Purchase, "Stock Item Key", wwi.StockItem, "Stock Item Key")),
    Check("holding_orphan_stock_item", "error",
          'Fact."Stock Holding" rows whose Stock Item Key is unknown',
          lambda: _orphans(wwi.StockHolding, "Stock Item Key", wwi.StockItem, "Stock Item Key")),
    Check("sale_total_mismatch", "error",
          "Fact.Sale rows where Total Including Tax differs from Total Excluding Tax + Tax "
          "Amount by more than 0.01",
          lambda: _count_where(wwi.Sale, func.abs(
              S["Total Including Tax"] - S["Total Excluding Tax"] - S["Tax Amount"]) > 0.01)),
    Check("negative_stock", "error", 'Fact."Stock Holding" rows with a negative Quantity On Hand',
          lambda: _count_where(wwi.StockHolding, H["Quantity On Hand"] < 0)),
    Check("reorder_above_target", "warning",
          'Fact."Stock Holding" rows whose Reorder Level exceeds the Target Stock Level',
          lambda: _count_where(wwi.StockHolding, H["Reorder Level"] > H["Target Stock Level"])),
    Check("purchase_over_received", "warning",
          "Fact.Purchase lines with more Received Outers than Ordered Outers",
          lambda: _count_where(wwi.Purchase, P["Received Outers"] > P["Ordered Outers"])),
    Check("stock_item_duplicate_current", "warning",
          'WWI stock items with more than one current Dimension."Stock Item" row',
          lambda: _duplicate_current(wwi.StockItem, "WWI Stock Item ID")),
    Check("supplier_duplicate_current", "warning",
          "WWI suppliers with more than one current Dimension.Supplier row",
          lambda: _duplicate_current(wwi.Supplier, "WWI Supplier ID")),
)  # fmt: skip


def check_queries() -> list[tuple[str, Select[Any]]]:
    return [(f"data_quality.{check.name}", check.query()) for check in CHECKS]


async def run_checks(warehouse: Warehouse) -> dict[str, Any]:
    """Run every check; the summary is JSON-able (it becomes the job's stored result)."""
    with tracer.start_as_current_span("wwi.analytics.data_quality"):
        results: list[dict[str, Any]] = []
        for check in CHECKS:
            rows = await warehouse.fetch(check.query())
            violations = integer(rows[0][0]) if rows else 0
            results.append(
                {
                    "check": check.name,
                    "severity": check.severity,
                    "description": check.description,
                    "violations": violations,
                    "status": "pass" if violations == 0 else "fail",
                }
            )
        sale_anchor = await fetch_anchor(warehouse, latest_sale_date_query())
        purchase_anchor = await fetch_anchor(warehouse, latest_purchase_date_query())
        gap = (
            abs((purchase_anchor - sale_anchor).days)
            if sale_anchor is not None and purchase_anchor is not None
            else None
        )
        results.append(
            {
                "check": "sales_purchases_in_step",
                "severity": "warning",
                "description": f"last sale and last purchase dates at most {STALE_SALES_DAYS} "
                "days apart (one fact table stopped loading)",
                "violations": 0 if gap is not None and gap <= STALE_SALES_DAYS else 1,
                "status": "pass" if gap is not None and gap <= STALE_SALES_DAYS else "fail",
                "last_sale_date": sale_anchor.isoformat() if sale_anchor else None,
                "last_purchase_date": purchase_anchor.isoformat() if purchase_anchor else None,
            }
        )
        failed = [r for r in results if r["status"] == "fail"]
        return {
            "checks": results,
            "passed": len(results) - len(failed),
            "errors": sum(1 for r in failed if r["severity"] == "error"),
            "warnings": sum(1 for r in failed if r["severity"] == "warning"),
        }
