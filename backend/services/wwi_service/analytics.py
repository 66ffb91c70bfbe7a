"""The WWI service's analytics as one import: KPIs, stock positions, reorder recommendations,
supplier scores, business events and data-quality checks. An endpoint's analytic
(`sales_kpis`, `stock_recommendations`, `supplier_scores`) returns its response model.

`warehouse_queries()` lists every statement the service sends to the warehouse, built with
representative parameters, so a test can compile each with the mssql dialect and check it with
the read-only guard (and run it on the DuckDB demo).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select

from services.wwi_service.analytics_common import (
    Warehouse,
    Window,
    latest_purchase_date_query,
    latest_sale_date_query,
    trailing,
    year_before,
)
from services.wwi_service.analytics_sales import kpi_query, sales_kpis
from services.wwi_service.analytics_stock import (
    StockPosition,
    StockSnapshot,
    demand_windows,
    stock_position_query,
    stock_snapshot,
)
from services.wwi_service.analytics_suppliers import (
    SupplierScores,
    all_supplier_scores,
    supplier_lead_times_query,
    supplier_lines_query,
    supplier_scores,
)
from services.wwi_service.data_quality import check_queries, run_checks
from services.wwi_service.events import DetectedEvent, detect_events
from services.wwi_service.reorder import recommendations, stock_recommendations

__all__ = [
    "DetectedEvent",
    "StockPosition",
    "StockSnapshot",
    "SupplierScores",
    "Warehouse",
    "Window",
    "all_supplier_scores",
    "detect_events",
    "recommendations",
    "run_checks",
    "sales_kpis",
    "stock_recommendations",
    "stock_snapshot",
    "supplier_scores",
    "warehouse_queries",
]


def warehouse_queries() -> list[tuple[str, Select[Any]]]:
    """Every warehouse statement of the service, with representative parameters."""
    anchor = dt.date(2016, 5, 31)
    period = trailing(anchor, 365)
    return [
        ("anchor.latest_sale_date", latest_sale_date_query()),
        ("anchor.latest_purchase_date", latest_purchase_date_query()),
        ("sales.kpis", kpi_query(period, year_before(period))),
        ("stock.positions", stock_position_query(demand_windows(anchor))),
        ("suppliers.lines", supplier_lines_query(period)),
        ("suppliers.lead_times", supplier_lead_times_query(period)),
        *check_queries(),
    ]
