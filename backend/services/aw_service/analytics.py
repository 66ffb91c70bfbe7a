"""aw-service analytics: the public entry points and the list of every warehouse statement.

The work lives in `analytics_sales` (KPIs, history), `analytics_rankings` (rep scores, product
demand), `forecasting` and `data_quality`; this module gathers them for the routes and jobs and
lets a test compile every statement the service can send for SQL Server (`warehouse_queries`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select

from services.aw_service.analytics_common import (
    Anchor,
    NoSalesData,
    Warehouse,
    anchor_statement,
    load_anchor,
)
from services.aw_service.analytics_rankings import (
    demand_window,
    employee_statement,
    product_demand,
    product_month_statement,
    product_statement,
    quota_statement,
    rep_sales_statement,
    rep_scores,
)
from services.aw_service.analytics_sales import (
    daily_revenue_statement,
    daily_sales_statement,
    kpi_statement,
    sales_history,
    sales_kpis,
)
from services.aw_service.data_quality import check_definitions, run_checks
from services.aw_service.forecasting import sales_forecast
from shared.core.data_quality import checks_statement

__all__ = [
    "Anchor",
    "NoSalesData",
    "Warehouse",
    "load_anchor",
    "product_demand",
    "rep_scores",
    "run_checks",
    "sales_forecast",
    "sales_history",
    "sales_kpis",
    "warehouse_queries",
]


def warehouse_queries() -> list[tuple[str, Select[Any]]]:
    """Every statement aw-service sends to the warehouse, built with representative parameters.

    The statements' text does not depend on the parameter values (they are bound), so compiling
    these covers every query the service can run.
    """
    anchor = Anchor(first=dt.date(2010, 12, 29), latest=dt.date(2014, 1, 28))
    months = demand_window(anchor)
    return [
        ("anchor", anchor_statement()),
        ("sales_kpis", kpi_statement()),
        ("sales_by_day", daily_sales_statement(dt.date(2013, 1, 29), anchor.latest)),
        ("revenue_by_day", daily_revenue_statement(dt.date(2010, 12, 29), anchor.latest)),
        ("rep_sales", rep_sales_statement(2013)),
        ("rep_quotas", quota_statement(2013)),
        ("employees", employee_statement()),
        (
            "product_units_by_month",
            product_month_statement(dt.date(*months[0], 1), dt.date(2013, 12, 31)),
        ),
        ("products", product_statement()),
        ("data_quality", checks_statement(check_definitions(dt.date(2026, 1, 1)))),
    ]
