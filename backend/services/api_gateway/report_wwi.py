"""The report's Wide World Importers sections: reorders, supplier scores, events, scenarios.

Reorder recommendations come most urgent first; each compact table stops at `PDF_ROWS` rows
and says how many more the workbook holds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from functools import partial
from typing import Any

from services.api_gateway.report_tables import PDF_ROWS, Payloads, more_rows, table
from shared.core.labels import column, display
from shared.core.report_charts import PALETTE, hbar_chart
from shared.core.reports import ReportSection

URGENCY_ORDER = {"critical": 0, "high": 1, "medium": 2}


def reorder_key(item: Mapping[str, Any]) -> tuple[int, float]:
    """Most urgent first: by urgency, then by days of cover (none means no sales: last)."""
    cover = item.get("days_of_cover")
    return URGENCY_ORDER.get(item.get("urgency", ""), 9), cover if cover is not None else 1e9


def reorder_section(payloads: Payloads) -> ReportSection:
    view = payloads["wwi/stock-recommendations"]
    items = sorted(view["items"], key=reorder_key)
    shown = [{**i, "urgency": str(i["urgency"]).capitalize()} for i in items[:PDF_ROWS]]
    columns = [
        "urgency",
        "stock_item",
        "supplier",
        "quantity_on_hand",
        "reorder_level",
        "days_of_cover",
        "lead_time_days",
        "quantity_to_order",
        "estimated_cost",
    ]
    top = items[:15]
    return ReportSection(
        title="Reorder recommendations",
        intro=(
            f"{view['count']:,} stock items should be reordered now, for about "
            f"{display(view['total_estimated_cost'], 'money')} in all (sales up to "
            f"{view['anchor_date']}). Most urgent first: critical items have less cover than "
            "their supplier's lead time."
        ),
        charts=[
            partial(
                hbar_chart,
                "Days of cover left, most urgent items",
                [f"{i['stock_item']} ({i['urgency']})" for i in top],
                [i.get("days_of_cover") or 0.0 for i in top],
                money=False,
                color=PALETTE[1],
            )
        ],
        table=table("WWI reorder recommendations", columns, shown),
        table_note=more_rows(len(shown), len(items)),
        sheets=[table("WWI reorder recommendations", list(RECOMMENDATION_FIELDS), items)],
    )


RECOMMENDATION_FIELDS = (
    "urgency",
    "stock_item_key",
    "stock_item",
    "supplier",
    "quantity_on_hand",
    "reorder_level",
    "target_level",
    "daily_velocity",
    "lead_time_days",
    "days_of_cover",
    "quantity_per_outer",
    "outers_to_order",
    "quantity_to_order",
    "unit_cost",
    "estimated_cost",
)


def suppliers_section(payloads: Payloads) -> ReportSection:
    view = payloads["wwi/supplier-scores"]
    items = view["items"]
    window = view.get("window") or {}
    columns = [
        "rank",
        "supplier",
        "score",
        "fill_rate",
        "finalized_share",
        "lead_time_mean_days",
        "purchase_lines",
    ]
    return ReportSection(
        title="Supplier scores",
        intro=(
            f"Suppliers ranked by reliability over purchases from {window.get('start')} to "
            f"{window.get('end')}: 40 % fill rate (outers received of those ordered), 30 % "
            "share of lines finalised, 30 % speed and consistency of lead times."
        ),
        charts=[
            partial(
                hbar_chart,
                "Score (0-100)",
                [i["supplier"] for i in items],
                [i["score"] for i in items],
                money=False,
                value_max=100,
            )
        ],
        table=table("WWI supplier scores", columns, items),
        sheets=[
            table(
                "WWI supplier scores",
                [
                    "rank",
                    "supplier_key",
                    *columns[1:],
                    "ordered_outers",
                    "received_outers",
                    "lead_time_stddev_days",
                ],
                items,
            )
        ],
    )


def events_section(payloads: Payloads) -> ReportSection:
    events = payloads["wwi/business-events"]["items"]
    counts = Counter(str(e["event_type"]).replace("_", " ").capitalize() for e in events)
    columns = ["detected_at", "event_type", "stock_item", "severity", "message"]
    readable = [
        {**e, "event_type": str(e["event_type"]).replace("_", " ").capitalize()} for e in events
    ]
    shown = readable[:PDF_ROWS]
    return ReportSection(
        title="Business events",
        intro=(
            "Stock conditions the hourly job detected (stock-outs, items below their reorder "
            "level, overstock, demand spikes), newest first."
        ),
        charts=[
            partial(
                hbar_chart,
                "Events by type",
                list(counts),
                list(counts.values()),
                money=False,
                color=PALETTE[3],
            )
        ]
        if counts
        else [],
        table=table("WWI business events", columns, shown),
        table_note=more_rows(len(shown), len(events)),
        sheets=[
            table(
                "WWI business events",
                [
                    "id",
                    "detected_at",
                    "event_type",
                    "stock_item_key",
                    "stock_item",
                    "severity",
                    "message",
                    "cleared_at",
                ],
                readable,
            )
        ],
    )


SCENARIO_COLUMNS = (
    column("name", "Scenario"),
    column("created_at"),
    column("actor"),
    column("demand_change_pct", "Demand change", "percent", signed=True),
    column("price_change_pct", "Price change", "percent", signed=True),
    column("lead_time_change_days", "Lead time change (days)", "int", signed=True),
    column("horizon_days", "Days simulated", "int"),
    column("profit_change", "Profit change", "money", signed=True),
    column("stockout_days_change", "Stock-out days change", "int", signed=True),
)


def scenarios_section(payloads: Payloads) -> ReportSection:
    scenarios = payloads["wwi/scenarios"]["items"]
    records = [
        {
            **s,
            **s["inputs"],
            "profit_change": s["results"]["delta"].get("profit"),
            "stockout_days_change": s["results"]["delta"].get("stockout_days"),
        }
        for s in scenarios
    ]
    return ReportSection(
        title="What-if scenarios",
        intro=(
            "Saved what-if scenarios and their effect over the simulated days, against the "
            "same days without the change."
            if records
            else "No what-if scenarios have been saved yet."
        ),
        charts=[
            partial(
                hbar_chart,
                "Profit change",
                [r["name"] or f"#{r['id']}" for r in records],
                [r["profit_change"] or 0.0 for r in records],
                color=PALETTE[1],
            )
        ]
        if records
        else [],
        table=table("WWI what-if scenarios", SCENARIO_COLUMNS, records[:PDF_ROWS])
        if records
        else None,
        sheets=[table("WWI what-if scenarios", SCENARIO_COLUMNS, records)],
    )
