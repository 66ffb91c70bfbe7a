"""Helpers the report's sections share: JSON records as labelled tables, the PDF row budget.

`Payloads` maps each view's key (`aw/sales-history`) to its JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from shared.core.export import ExportTable
from shared.core.labels import Column, column

Payloads = Mapping[str, Any]
"""Each view's JSON by its key (`aw/sales-history`)."""
PDF_ROWS = 30
"""Longest compact table in the PDF; the workbook has every row."""
Chart = Callable[..., Any]
"""Draws one chart when called with `width=`."""


def rows_of(records: Sequence[Mapping[str, Any]], columns: Sequence[Column]) -> list[list[Any]]:
    return [[record.get(c.key) for c in columns] for record in records]


def table(
    title: str, columns: Sequence[Column | str], records: Sequence[Mapping[str, Any]]
) -> ExportTable:
    """Records (JSON objects) as a table; fields given by name get their registered labels."""
    specs = [c if isinstance(c, Column) else column(c) for c in columns]
    return ExportTable(title=title, columns=specs, rows=rows_of(records, specs))


def more_rows(shown: int, total: int) -> str | None:
    """The note under a table the PDF cut short."""
    return (
        f"The {shown} most relevant of {total:,} rows; the workbook lists all."
        if total > shown
        else None
    )


def month_name(day: date) -> str:
    return day.strftime("%b %Y")
