"""Reading back the spreadsheets we write: layout checks shared by the export and report tests.

Every sheet of a per-view export or report workbook has a title block, then one header row that
is frozen and carries the auto-filter, columns wider than the default, and number formats by
kind: money with a thousands separator and two decimals, percentages as `%`, dates as dates.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from shared.core.labels import column

HEADER_ROW = 5
MONEY_FORMAT = "#,##0.00"
DEFAULT_WIDTH = 8.43  # Excel's width of a column nobody sized


def load(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def header_and_rows(sheet: Worksheet) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The header row's labels and the data rows below it (padded to the header's width)."""
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(c) for c in rows[HEADER_ROW - 1] if c is not None]
    body = [
        tuple(r[: len(header)]) + (None,) * (len(header) - len(r))
        for r in rows[HEADER_ROW:]
        if any(v is not None for v in r)
    ]
    return header, body


def assert_usable_sheet(sheet: Worksheet, keys: Sequence[str], rows: int) -> None:
    """Frozen header, auto-filter over the table, fitted widths, labels and formats by kind."""
    assert sheet.freeze_panes == f"A{HEADER_ROW + 1}", sheet.title
    last = HEADER_ROW + max(rows, 1)
    assert sheet.auto_filter.ref is not None and sheet.auto_filter.ref.startswith(f"A{HEADER_ROW}:")
    assert sheet.auto_filter.ref.endswith(str(last)), (sheet.auto_filter.ref, last)
    assert sheet.cell(1, 1).font.bold and sheet.cell(1, 1).value, "a title block comes first"
    header, _ = header_and_rows(sheet)
    assert header == [column(key).label for key in keys], "labels, never field names"
    for index, key in enumerate(keys, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        assert sheet.column_dimensions[letter].width > DEFAULT_WIDTH, (sheet.title, key)
        if rows == 0:
            continue
        cell = sheet.cell(HEADER_ROW + 1, index)
        kind = column(key).kind
        if cell.value is None:
            continue
        if kind == "money":
            assert cell.number_format == MONEY_FORMAT, (key, cell.number_format)
        elif kind in ("percent", "ratio"):
            assert cell.number_format.endswith("%"), (key, cell.number_format)
        elif kind in ("date", "month", "datetime"):
            assert isinstance(cell.value, dt.datetime | dt.date), (key, cell.value)


def api_value(key: str, cell: Any) -> Any:
    """A cell read back as the API would give it: 0-100 percentages were stored as fractions,
    dates as Excel dates."""
    kind = column(key).kind
    if cell is None:
        return None
    if kind == "percent" and isinstance(cell, int | float):
        return cell * 100
    if kind in ("date", "month") and isinstance(cell, dt.datetime):
        return cell.date().isoformat()
    if kind == "datetime" and isinstance(cell, dt.datetime):
        return cell
    return cell
