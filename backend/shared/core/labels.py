"""Human labels and display kinds of the API's fields, for every PDF and spreadsheet we write.

A reader sees `Attainment %`, never `attainment_pct`: each field a table can show has one label
and one kind here, and the kind decides how a value is written (money with a thousands separator
and two decimals, shares as percentages, dates as dates). CSV exports keep the field names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

Kind = Literal[
    "text", "id", "int", "number", "days", "money", "percent", "ratio", "date", "month", "datetime"
]
"""`percent` holds 0-100 (`attainment_pct`), `ratio` holds 0-1 (`fill_rate`); both are shown as
percentages. `id` is an identifier: a plain integer without a thousands separator."""

CURRENCY = "$"
"""Both sample warehouses record sales in US dollars."""


@dataclass(frozen=True)
class Column:
    """One column of a table: its field name (CSV header), its label and how values are shown."""

    key: str
    label: str
    kind: Kind = "text"
    signed: bool = False  # changes: always show + or -


FIELDS: Mapping[str, tuple[str, Kind]] = {
    # AdventureWorks sales
    "channel": ("Channel", "text"),
    "period": ("Date", "date"),
    "revenue": ("Revenue", "money"),
    "internet_revenue": ("Internet revenue", "money"),
    "reseller_revenue": ("Reseller revenue", "money"),
    "orders": ("Orders", "int"),
    "internet_orders": ("Internet orders", "int"),
    "reseller_orders": ("Reseller orders", "int"),
    "units": ("Units", "int"),
    "internet_units": ("Internet units", "int"),
    "reseller_units": ("Reseller units", "int"),
    "average_order_value": ("Average order", "money"),
    "gross_margin": ("Gross margin", "money"),
    "margin_pct": ("Margin", "percent"),
    "revenue_growth_pct": ("Revenue vs year before", "percent"),
    "orders_growth_pct": ("Orders vs year before", "percent"),
    "units_growth_pct": ("Units vs year before", "percent"),
    "gross_margin_growth_pct": ("Margin vs year before", "percent"),
    "date": ("Date", "date"),
    "predicted_revenue": ("Predicted revenue", "money"),
    "lower_bound": ("Low estimate", "money"),
    "upper_bound": ("High estimate", "money"),
    "rank": ("Rank", "id"),
    "employee_key": ("Employee no.", "id"),
    "rep_name": ("Sales rep", "text"),
    "territory": ("Territory", "text"),
    "quota": ("Quota", "money"),
    "attainment_pct": ("Attainment %", "percent"),
    "score": ("Score (0-100)", "number"),
    "product_key": ("Product no.", "id"),
    "product_name": ("Product", "text"),
    "category": ("Category", "text"),
    "revenue_share_pct": ("Share of revenue", "percent"),
    "trend_units_per_month": ("Trend (units/month)", "number"),
    # Wide World Importers
    "profit": ("Profit", "money"),
    "margin": ("Margin", "ratio"),
    "customers": ("Customers", "int"),
    "stock_item_key": ("Item no.", "id"),
    "wwi_stock_item_id": ("WWI item ID", "id"),
    "stock_item": ("Stock item", "text"),
    "supplier_key": ("Supplier no.", "id"),
    "wwi_supplier_id": ("WWI supplier ID", "id"),
    "supplier": ("Supplier", "text"),
    "quantity_on_hand": ("On hand", "int"),
    "reorder_level": ("Reorder level", "int"),
    "target_level": ("Target level", "int"),
    "daily_velocity": ("Sold per day", "number"),
    "lead_time_days": ("Lead time (days)", "int"),
    "days_of_cover": ("Days of cover", "days"),
    "quantity_per_outer": ("Units per outer", "int"),
    "outers_to_order": ("Outers to order", "int"),
    "quantity_to_order": ("Units to order", "int"),
    "urgency": ("Urgency", "text"),
    "unit_cost": ("Unit cost", "money"),
    "estimated_cost": ("Estimated cost", "money"),
    "purchase_lines": ("Purchase lines", "int"),
    "ordered_outers": ("Outers ordered", "int"),
    "received_outers": ("Outers received", "int"),
    "finalized_lines": ("Lines finalised", "int"),
    "fill_rate": ("Fill rate", "ratio"),
    "finalized_share": ("Finalised", "ratio"),
    "received_lines": ("Lines received", "int"),
    "lead_time_mean_days": ("Mean lead time (days)", "days"),
    "lead_time_stddev_days": ("Lead time spread (days)", "days"),
    "lead_time_score": ("Lead-time score", "ratio"),
    "id": ("No.", "id"),
    "detected_at": ("Detected", "datetime"),
    "run_id": ("Job run", "text"),
    "event_type": ("Event", "text"),
    "condition_key": ("Condition", "text"),
    "severity": ("Severity", "text"),
    "message": ("Message", "text"),
    "cleared_at": ("Cleared", "datetime"),
    "name": ("Name", "text"),
    "created_at": ("Created", "datetime"),
    "actor": ("By", "text"),
}

PARAMETERS: Mapping[str, str] = {
    "days_back": "Days back",
    "horizon_days": "Days ahead",
    "top_n": "Top",
    "year": "Year",
    "days": "Days",
    "urgency": "Urgency",
    "limit": "Rows",
    "offset": "Skipped rows",
    "event_type": "Event",
    "open_only": "Open only",
    "requested_by": "Requested by",
}


def humanize(key: str) -> str:
    """`lead_time_change_days` -> `Lead time change days`: the fallback for unknown fields."""
    words = re.sub(r"[_.]+", " ", key).strip()
    return words[:1].upper() + words[1:] if words else key


def column(
    key: str, label: str | None = None, kind: Kind | None = None, *, signed: bool = False
) -> Column:
    """The column of field `key`, with its registered label and kind unless given."""
    known_label, known_kind = FIELDS.get(key, (humanize(key), "text"))
    return Column(key, label or known_label, kind or known_kind, signed)


def parameter_text(parameters: Mapping[str, Any]) -> str:
    """`Top 6 · Year 2012` (None values left out); `defaults` when nothing was set."""
    shown = [
        f"{PARAMETERS.get(key, humanize(key))} "
        f"{('yes' if value else 'no') if isinstance(value, bool) else value}"
        for key, value in sorted(parameters.items())
        if value is not None
    ]
    return " · ".join(shown) or "defaults"


def as_date(value: Any) -> date | None:
    """A date from a date, a datetime or an ISO string (JSON); None when it is none of them."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def as_datetime(value: Any) -> datetime | None:
    """A naive UTC datetime (spreadsheets have no time zones) from a datetime or ISO string."""
    moment = value
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(moment, datetime):
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def display(value: Any, kind: Kind, *, signed: bool = False) -> str:
    """How a value reads in a PDF: `$1,234.56`, `27,659`, `95.3 %`, `+4.1 %`, `Jan 2014`."""
    if value is None or value == "":
        return ""
    if kind in ("date", "month"):
        day = as_date(value)
        if day is None:
            return str(value)
        return day.strftime("%b %Y") if kind == "month" else day.isoformat()
    if kind == "datetime":
        moment = as_datetime(value)
        return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else str(value)
    number = _number(value)
    if kind in ("text", "id") or number is None:
        return str(value)
    sign = "+" if signed and number > 0 else ""
    if kind == "money":
        text = f"{abs(number):,.2f}"
        return f"{'-' if number < 0 else sign}{CURRENCY}{text}"
    if kind == "int":
        return f"{sign}{number:,.0f}"
    if kind == "days":
        return f"{sign}{number:,.1f}"
    if kind in ("percent", "ratio"):
        return f"{sign}{number * (100 if kind == 'ratio' else 1):,.1f} %"
    return f"{sign}{number:,.2f}"
