"""Which views a full report gathers, and how a view's JSON becomes a table.

Each view names the list in its JSON that holds the records (`items`, `points`, ...); nested
fields become dotted columns, and a view without records (the KPIs) becomes one metric per row.
Series views name the columns their chart plots; a renamed column degrades to "no chart", never
to an error, since the services own their response shapes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from shared.core.export import ChartSpec, ExportTable


@dataclass(frozen=True)
class ReportView:
    """One view in the report; `records` names the list in its JSON that becomes the table."""

    domain: Literal["aw", "wwi"]
    view: str
    path: str
    title: str
    records: str | None = None
    chart_kind: Literal["line", "bar"] | None = None
    x_candidates: Sequence[str] = ()
    y_candidates: Sequence[str] = ()


REPORT_VIEWS: tuple[ReportView, ...] = (
    ReportView("aw", "sales-kpis", "/api/aw/sales/kpis", "AW sales KPIs"),
    ReportView(
        "aw", "sales-history", "/api/aw/sales/history", "AW sales history", "daily",
        "line", ("period", "date"), ("revenue",),
    ),
    ReportView(
        "aw", "sales-forecast", "/api/aw/sales/forecast", "AW sales forecast", "points",
        "line", ("date", "period"), ("predicted_revenue", "lower_bound", "upper_bound"),
    ),
    ReportView("aw", "rep-scores", "/api/aw/reps/scores", "AW rep scores", "reps"),
    ReportView("aw", "product-demand", "/api/aw/products/demand", "AW product demand", "products"),
    ReportView("wwi", "sales-kpis", "/api/wwi/sales/kpis", "WWI sales KPIs"),
    ReportView(
        "wwi", "stock-recommendations", "/api/wwi/stock/recommendations",
        "WWI reorder recommendations", "items",
    ),
    ReportView(
        "wwi", "supplier-scores", "/api/wwi/suppliers/scores", "WWI supplier scores", "items",
        "bar", ("supplier", "supplier_name", "name"), ("score",),
    ),
    ReportView("wwi", "business-events", "/api/wwi/events", "WWI business events", "items"),
    ReportView("wwi", "scenarios", "/api/wwi/scenarios", "WWI what-if scenarios", "items"),
)  # fmt: skip


def _label(item: Mapping[str, Any], index: int) -> str:
    """How a list element is named in a flattened key: its first text value, else its index."""
    return next((value for value in item.values() if isinstance(value, str)), str(index))


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested objects as dotted keys (`current.channels.total.revenue`); other lists as JSON."""
    if isinstance(value, Mapping):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(value, list) and value and all(isinstance(item, Mapping) for item in value):
        flat = {}
        for index, item in enumerate(value):
            flat.update(flatten(item, f"{prefix}.{_label(item, index)}"))
        return flat
    if isinstance(value, list):
        return {prefix: json.dumps(value, default=str, separators=(",", ":"))}
    return {prefix: value}


def tabulate(payload: Any, records: str | None = None) -> tuple[list[str], list[list[Any]]]:
    """Columns and rows of a view's JSON: the `records` list (or a top-level list) becomes one
    row per record with nested fields as dotted columns; any other object becomes metric/value."""
    items: Any = payload.get(records) if records and isinstance(payload, Mapping) else payload
    if not isinstance(items, list):
        return ["metric", "value"], [[key, value] for key, value in flatten(payload).items()]
    flattened = [flatten(item) if isinstance(item, Mapping) else {"value": item} for item in items]
    columns: list[str] = []
    for record in flattened:
        columns += [key for key in record if key not in columns]
    if not columns:
        return ["no records"], []  # a header row still renders; zero columns cannot
    return columns, [[record.get(name) for name in columns] for record in flattened]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _chart(view: ReportView, columns: list[str], rows: list[list[Any]]) -> ChartSpec | None:
    if view.chart_kind is None or not rows:
        return None
    x = next((name for name in view.x_candidates if name in columns), None)
    numeric = {
        name for index, name in enumerate(columns) if any(_is_number(row[index]) for row in rows)
    }
    y = [name for name in view.y_candidates if name in numeric]
    if x is None or not y:
        return None
    return ChartSpec(x=x, y=y, kind=view.chart_kind)


def to_table(view: ReportView, payload: Any) -> ExportTable:
    columns, rows = tabulate(payload, view.records)
    return ExportTable(
        title=view.title, columns=columns, rows=rows, chart=_chart(view, columns, rows)
    )
