"""Which views a full report gathers, and how a view's JSON becomes a table.

The services own their response shapes; the gateway turns whatever JSON a view returns into rows
without knowing its model: a list of records, a page object holding one, or a flat object of
KPIs (one metric per row). Series views name the columns their chart should plot, in order of
preference, so a renamed column degrades to "no chart", never to an error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from shared.core.export import ChartSpec, ExportTable

RECORD_KEYS = ("items", "rows", "data", "records", "points", "results")


@dataclass(frozen=True)
class ReportView:
    domain: Literal["aw", "wwi"]
    view: str
    path: str
    title: str
    chart_kind: Literal["line", "bar"] | None = None
    x_candidates: Sequence[str] = ()
    y_candidates: Sequence[str] = ()


_DATES = ("date", "day", "period", "month", "order_date", "ds")
_SALES = ("revenue", "sales", "sales_amount", "total_sales", "amount", "value")
_FORECAST = ("forecast", "predicted", "yhat", "revenue", "sales", "value", "amount")
_SUPPLIER_X = ("supplier", "supplier_name", "name", "supplier_key")
_SUPPLIER_Y = ("score", "reliability_score", "overall_score", "reliability")

REPORT_VIEWS: tuple[ReportView, ...] = (
    ReportView("aw", "sales-kpis", "/api/aw/sales/kpis", "AW sales KPIs"),
    ReportView(
        "aw", "sales-history", "/api/aw/sales/history", "AW sales history", "line", _DATES, _SALES
    ),
    ReportView(
        "aw",
        "sales-forecast",
        "/api/aw/sales/forecast",
        "AW sales forecast",
        "line",
        _DATES,
        _FORECAST,
    ),
    ReportView("aw", "rep-scores", "/api/aw/reps/scores", "AW rep scores"),
    ReportView("aw", "product-demand", "/api/aw/products/demand", "AW product demand"),
    ReportView("wwi", "sales-kpis", "/api/wwi/sales/kpis", "WWI sales KPIs"),
    ReportView(
        "wwi",
        "stock-recommendations",
        "/api/wwi/stock/recommendations",
        "WWI reorder recommendations",
    ),
    ReportView(
        "wwi",
        "supplier-scores",
        "/api/wwi/suppliers/scores",
        "WWI supplier scores",
        "bar",
        _SUPPLIER_X,
        _SUPPLIER_Y,
    ),
    ReportView("wwi", "business-events", "/api/wwi/events", "WWI business events"),
    ReportView("wwi", "scenarios", "/api/wwi/scenarios", "WWI what-if scenarios"),
)


def _records(payload: Any) -> list[Any] | None:
    """The list of records inside `payload`, or None when it is a single object."""
    if isinstance(payload, list):
        return payload
    if not isinstance(payload, Mapping):
        return [payload]
    for key in RECORD_KEYS:
        if isinstance(payload.get(key), list):
            return list(payload[key])
    lists = [value for value in payload.values() if isinstance(value, list)]
    if len(lists) == 1 and all(isinstance(item, Mapping) for item in lists[0]):
        return list(lists[0])
    return None


def _cell(value: Any) -> Any:
    if isinstance(value, Mapping | list):
        return json.dumps(value, default=str, separators=(",", ":"))
    return value


def tabulate(payload: Any) -> tuple[list[str], list[list[Any]]]:
    """Columns and rows of a view's JSON: records become rows, an object becomes metric/value."""
    records = _records(payload)
    if records is None:
        assert isinstance(payload, Mapping)
        flat: list[list[Any]] = []
        for key, value in payload.items():
            if isinstance(value, Mapping):
                flat += [[f"{key}.{inner}", _cell(item)] for inner, item in value.items()]
            else:
                flat.append([str(key), _cell(value)])
        return ["metric", "value"], flat
    if not all(isinstance(record, Mapping) for record in records):
        return ["value"], [[_cell(record)] for record in records]
    columns: list[str] = []
    for record in records:
        columns += [str(key) for key in record if str(key) not in columns]
    rows = [[_cell(record.get(name)) for name in columns] for record in records]
    return columns, rows


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _chart(view: ReportView, columns: list[str], rows: list[list[Any]]) -> ChartSpec | None:
    if view.chart_kind is None or not rows:
        return None
    lowered = {name.lower(): name for name in columns}
    x = next((lowered[c] for c in view.x_candidates if c in lowered), None)
    numeric = [
        name
        for index, name in enumerate(columns)
        if any(_is_number(row[index]) for row in rows) and name != x
    ]
    wanted = [lowered[c] for c in view.y_candidates if c in lowered and lowered[c] in numeric]
    y = wanted[:2] or numeric[:1]
    if x is None or not y:
        return None
    return ChartSpec(x=x, y=y, kind=view.chart_kind)


def to_table(view: ReportView, payload: Any) -> ExportTable:
    columns, rows = tabulate(payload)
    return ExportTable(
        title=view.title, columns=columns, rows=rows, chart=_chart(view, columns, rows)
    )
