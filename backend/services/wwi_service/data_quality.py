"""Named data-quality checks on the WWI warehouse, each with its threshold, run daily by
`wwi.daily.data_quality`.

Each check is one number measured in SQL and compared with its threshold through the shared
machinery (`shared.core.data_quality`: one statement per run; a failed `error` check is "fail",
a failed `warning` check "warn"). `error` checks break an analytic (a fact row whose key has no
dimension row silently drops out of every join; a negative quantity turns a velocity around);
`warning` checks flag data the analytics tolerate but a data steward should look at. Fact.Sale
has no invoice-header table: an invoice's date and customer are repeated on each of its lines,
so "header and lines disagree" means lines of one `WWI Invoice ID` that disagree on them, and
line totals that disagree with their own quantity x unit price and tax. The report is the job's
`result` in `job_executions`, where `GET /api/wwi/jobs` shows it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, Table, func, literal, or_, select

from services.wwi_service.analytics_common import (
    Warehouse,
    fetch_anchor,
    latest_purchase_date_query,
    latest_sale_date_query,
    tracer,
)
from services.wwi_service.models import DataQualityReport
from shared.core.data_quality import (
    CheckDef,
    DataQualityCheck,
    checks_statement,
    count_disagreeing_groups,
    count_orphans,
    count_rows,
    evaluate,
    freshness,
    measure,
    tally,
)
from shared.db.warehouse import wwi_tables as wwi

MIN_SALE_ROWS = 1000
MIN_PURCHASE_ROWS = 100
AMOUNT_TOLERANCE = 0.01
FRESHNESS_MAX_DAYS = 2
IN_STEP_MAX_DAYS = 31
CURRENT_ROW_FROM = dt.datetime(9999, 12, 31)
"""Type-2 rows valid to 9999-12-31 (any time that day) are the current version."""

S, P, H, M = wwi.Sale.c, wwi.Purchase.c, wwi.StockHolding.c, wwi.Movement.c
ITEM_KEY = "Stock Item Key"


def _duplicate_current(table: Table, business_key: str) -> Select[Any]:
    """Business keys with more than one current (open-ended) type-2 row."""
    duplicated = (
        select(table.c[business_key])
        .where(table.c["Valid To"] >= CURRENT_ROW_FROM)
        .group_by(table.c[business_key])
        .having(func.count() > literal(1))
        .subquery("duplicated")
    )
    return select(func.count()).select_from(duplicated)


def _differs(a: Any, b: Any) -> Any:
    return func.abs(a - b) > AMOUNT_TOLERANCE


def check_definitions(today: dt.date) -> list[CheckDef]:
    """Every SQL-measured check; `today` is the run's UTC date (for future-dated rows)."""
    item = wwi.StockItem
    totals = or_(
        _differs(S["Total Excluding Tax"], S["Quantity"] * S["Unit Price"]),
        _differs(S["Total Including Tax"], S["Total Excluding Tax"] + S["Tax Amount"]),
    )
    return [
        CheckDef("row_count.Sale", f"Fact.Sale has at least {MIN_SALE_ROWS} lines",
                 count_rows(wwi.Sale), MIN_SALE_ROWS, ">="),
        CheckDef("row_count.Purchase", f"Fact.Purchase has at least {MIN_PURCHASE_ROWS} lines",
                 count_rows(wwi.Purchase), MIN_PURCHASE_ROWS, ">="),
        CheckDef("row_count.StockHolding", 'Fact."Stock Holding" is not empty',
                 count_rows(wwi.StockHolding), 1, ">="),
        CheckDef("row_count.Movement", "Fact.Movement is not empty (lead times)",
                 count_rows(wwi.Movement), 1, ">="),
        CheckDef("row_count.StockItem", 'Dimension."Stock Item" is not empty',
                 count_rows(item), 1, ">="),
        CheckDef("null_measures.Sale",
                 "Fact.Sale lines with NULL Invoice Date Key, Quantity, Unit Price, Total "
                 "Excluding Tax or Profit",
                 count_rows(wwi.Sale, or_(S["Invoice Date Key"].is_(None),
                                          S["Quantity"].is_(None), S["Unit Price"].is_(None),
                                          S["Total Excluding Tax"].is_(None),
                                          S["Profit"].is_(None))), 0),
        CheckDef("null_measures.Purchase",
                 "Fact.Purchase lines with NULL Date Key, Ordered Outers or Received Outers",
                 count_rows(wwi.Purchase, or_(P["Date Key"].is_(None),
                                              P["Ordered Outers"].is_(None),
                                              P["Received Outers"].is_(None))), 0),
        CheckDef("orphan_stock_item.Sale", "Fact.Sale lines whose Stock Item Key is unknown",
                 count_orphans(wwi.Sale, ITEM_KEY, item, ITEM_KEY), 0),
        CheckDef("orphan_customer.Sale", "Fact.Sale lines whose Customer Key is unknown",
                 count_orphans(wwi.Sale, "Customer Key", wwi.Customer, "Customer Key"), 0),
        CheckDef("orphan_supplier.Purchase", "Fact.Purchase lines whose Supplier Key is unknown",
                 count_orphans(wwi.Purchase, "Supplier Key", wwi.Supplier, "Supplier Key"), 0),
        CheckDef("orphan_stock_item.Purchase",
                 "Fact.Purchase lines whose Stock Item Key is unknown",
                 count_orphans(wwi.Purchase, ITEM_KEY, item, ITEM_KEY), 0),
        CheckDef("orphan_stock_item.StockHolding",
                 'Fact."Stock Holding" rows whose Stock Item Key is unknown',
                 count_orphans(wwi.StockHolding, ITEM_KEY, item, ITEM_KEY), 0),
        CheckDef("orphan_stock_item.Movement", "Fact.Movement rows whose Stock Item Key is unknown",
                 count_orphans(wwi.Movement, ITEM_KEY, item, ITEM_KEY), 0),
        CheckDef("negative_amounts.Sale",
                 "Fact.Sale lines with Quantity <= 0, Unit Price < 0 or Total Excluding Tax < 0",
                 count_rows(wwi.Sale, or_(S["Quantity"] <= 0, S["Unit Price"] < 0,
                                          S["Total Excluding Tax"] < 0)), 0),
        CheckDef("negative_amounts.Purchase",
                 "Fact.Purchase lines with negative Ordered Outers or Received Outers",
                 count_rows(wwi.Purchase, or_(P["Ordered Outers"] < 0,
                                              P["Received Outers"] < 0)), 0),
        CheckDef("negative_amounts.StockHolding",
                 'Fact."Stock Holding" rows with a negative Quantity On Hand, Last Cost Price, '
                 "Reorder Level or Target Stock Level",
                 count_rows(wwi.StockHolding, or_(H["Quantity On Hand"] < 0,
                                                  H["Last Cost Price"] < 0,
                                                  H["Reorder Level"] < 0,
                                                  H["Target Stock Level"] < 0)), 0),
        CheckDef("future_rows.Sale", "Fact.Sale lines invoiced after the day the check runs",
                 count_rows(wwi.Sale, S["Invoice Date Key"] > today), 0),
        CheckDef("future_rows.Purchase", "Fact.Purchase lines dated after the day the check runs",
                 count_rows(wwi.Purchase, P["Date Key"] > today), 0),
        CheckDef("line_totals_disagree.Sale",
                 "Fact.Sale lines where Total Excluding Tax != Quantity x Unit Price or Total "
                 f"Including Tax != Total Excluding Tax + Tax Amount (tolerance "
                 f"{AMOUNT_TOLERANCE})", count_rows(wwi.Sale, totals), 0),
        CheckDef("invoice_header_conflicts.Sale",
                 "invoices (WWI Invoice ID) whose lines disagree on Invoice Date Key or "
                 "Customer Key",
                 count_disagreeing_groups(wwi.Sale, "WWI Invoice ID",
                                          ("Invoice Date Key", "Customer Key")), 0),
        CheckDef("reorder_above_target.StockHolding",
                 'Fact."Stock Holding" rows whose Reorder Level exceeds the Target Stock Level',
                 count_rows(wwi.StockHolding, H["Reorder Level"] > H["Target Stock Level"]), 0,
                 severity="warning"),
        CheckDef("over_received.Purchase",
                 "Fact.Purchase lines with more Received Outers than Ordered Outers",
                 count_rows(wwi.Purchase, P["Received Outers"] > P["Ordered Outers"]), 0,
                 severity="warning"),
        CheckDef("duplicate_current.StockItem",
                 'WWI stock items with more than one current Dimension."Stock Item" row',
                 _duplicate_current(item, "WWI Stock Item ID"), 0, severity="warning"),
        CheckDef("duplicate_current.Supplier",
                 "WWI suppliers with more than one current Dimension.Supplier row",
                 _duplicate_current(wwi.Supplier, "WWI Supplier ID"), 0, severity="warning"),
    ]  # fmt: skip


def check_queries() -> list[tuple[str, Select[Any]]]:
    """Each check's statement and the one statement a run sends (for the compile tests)."""
    definitions = check_definitions(dt.date(2026, 1, 1))
    named = [(f"data_quality.{d.name}", d.statement) for d in definitions]
    return [*named, ("data_quality.all", checks_statement(definitions))]


def _in_step(sale: dt.date | None, purchase: dt.date | None) -> DataQualityCheck:
    name = "sales_purchases_in_step"
    if sale is None or purchase is None:
        return evaluate(name, "no sale or no purchase date at all", 1.0, 0, severity="warning")
    return evaluate(
        name,
        f"days between the last sale and the last purchase date (at most {IN_STEP_MAX_DAYS}; "
        "more means one fact table stopped loading)",
        float(abs((purchase - sale).days)),
        IN_STEP_MAX_DAYS,
        severity="warning",
    )


async def run_checks(warehouse: Warehouse, today: dt.date) -> DataQualityReport:
    """Measure every check, the freshness of the last sale against `today` and whether sales
    and purchases end together."""
    with tracer.start_as_current_span("wwi.analytics.data_quality"):
        results = await measure(warehouse, check_definitions(today))
        sale = await fetch_anchor(warehouse, latest_sale_date_query())
        purchase = await fetch_anchor(warehouse, latest_purchase_date_query())
        fresh = freshness("freshness.latest_sale_date", sale, today,
                          max_days=FRESHNESS_MAX_DAYS, what="invoice")  # fmt: skip
        results += [fresh, _in_step(sale, purchase)]
        return DataQualityReport(
            sale_anchor_date=sale, purchase_anchor_date=purchase, checks=results, **tally(results)
        )
