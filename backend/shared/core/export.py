"""Per-view downloads: one table rendered as XLSX, PDF or CSV.

Spreadsheet programs run a cell that starts with `=`, `+`, `-`, `@`, tab or CR as a formula, so
every text cell is neutralised with a leading apostrophe before it is written (CSV/formula
injection). Numbers stay numbers. The PDF carries the title, the parameters, the generation time,
the table and, where the view is a series, a chart of it. Columns carry human labels and
display kinds (`shared.core.labels`); spreadsheets get a title block, a frozen, filterable
header row, fitted widths and number formats; CSV stays plain (field names, raw values).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)

from shared.core.labels import Column, as_date, as_datetime, column, display, parameter_text
from shared.core.pdf_layout import pdf_table
from shared.core.report_charts import PALETTE, Band, Series, hbar_chart, time_chart

ExportFormat = Literal["xlsx", "pdf", "csv"]
MEDIA_TYPES: Mapping[str, str] = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_PDF_ROWS = 2000
HEADER_ROW = 5
"""Spreadsheet layout: title, parameters, generation time, a blank row, then the header row."""
NUMBER_FORMATS: Mapping[str, str] = {
    "id": "0",
    "int": "#,##0",
    "number": "#,##0.00",
    "days": "#,##0.0",
    "money": "#,##0.00",
    "percent": "0.0%",
    "ratio": "0.0%",
    "date": "yyyy-mm-dd",
    "month": "mmm yyyy",
    "datetime": "yyyy-mm-dd hh:mm:ss",
}
SIGNED_PERCENT = "+0.0%;-0.0%;0.0%"
HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")
NUMERIC_KINDS = frozenset({"id", "int", "number", "days", "money", "percent", "ratio"})


@dataclass(frozen=True)
class ChartSpec:
    """Which columns to plot: `x` (dates or labels) against one or more numeric `y` columns;
    `band` names the (low, high) columns of an interval shaded behind a line chart."""

    x: str
    y: Sequence[str]
    kind: Literal["line", "bar"] = "line"
    band: tuple[str, str] | None = None


@dataclass(frozen=True)
class ExportTable:
    """A titled table; `columns` may be given as field names and get their registered labels."""

    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]]
    chart: ChartSpec | None = None
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    note: str | None = None

    def __post_init__(self) -> None:
        given: Sequence[Column | str] = self.columns
        normalized = tuple(c if isinstance(c, Column) else column(c) for c in given)
        object.__setattr__(self, "columns", normalized)

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]


def neutralize_cell(value: Any) -> Any:
    """Text that a spreadsheet would evaluate gets a leading apostrophe; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, dict | list | tuple):
        return str(value)
    return neutralize_cell(value)


def spreadsheet_value(value: Any, spec: Column) -> Any:
    """The cell value for `spec`'s kind: dates as dates, 0-100 percentages as fractions (so the
    `%` format shows them right), money and counts as numbers, text neutralised."""
    if value is None:
        return None
    if spec.kind in ("date", "month"):
        return as_date(value) or _plain(value)
    if spec.kind == "datetime":
        return as_datetime(value) or _plain(value)
    if (
        spec.kind in NUMERIC_KINDS
        and isinstance(value, int | float | Decimal)
        and not isinstance(value, bool)
    ):
        return float(value) / 100 if spec.kind == "percent" else value
    return _plain(value)


def _number_format(spec: Column) -> str | None:
    if spec.signed and spec.kind in ("percent", "ratio"):
        return SIGNED_PERCENT
    return NUMBER_FORMATS.get(spec.kind)


def _widths(table: ExportTable) -> list[float]:
    """Column widths fitted to the header and the widest shown value (sampled, capped)."""
    widths = []
    for index, spec in enumerate(table.columns):
        longest = max((len(display(row[index], spec.kind)) for row in table.rows[:2000]), default=0)
        widths.append(min(60.0, max(10.0, len(spec.label) + 3.0, longest + 2.0)))
    return widths


def append_table(
    sheet: Any,
    table: ExportTable,
    parameters: Mapping[str, Any],
    *,
    links: Sequence[str] | None = None,
) -> None:
    """Write `table` into a fresh write-only worksheet: a title block, one frozen, filterable
    header row, fitted column widths and typed, formatted cells. Widths, panes and the filter
    must be set before the first row is written. `links[i]` names the sheet that row i's first
    cell links to (a contents sheet)."""
    last_row = HEADER_ROW + max(len(table.rows), 1)
    last_column = get_column_letter(max(len(table.columns), 1))
    for index, width in enumerate(_widths(table), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last_column}{last_row}"
    title = WriteOnlyCell(sheet, value=neutralize_cell(table.title))
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    sheet.append([f"Parameters: {neutralize_cell(parameter_text(parameters))}"])
    generated = table.generated_at.astimezone(UTC)
    sheet.append([f"Generated {generated:%Y-%m-%d %H:%M} UTC"
                  + (f". {table.note}" if table.note else "")])  # fmt: skip
    sheet.append([])
    header = []
    for spec in table.columns:
        cell = WriteOnlyCell(sheet, value=neutralize_cell(spec.label))
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        header.append(cell)
    sheet.append(header)
    formats = [_number_format(spec) for spec in table.columns]
    for number, row in enumerate(table.rows):
        cells = []
        for value, spec, number_format in zip(row, table.columns, formats, strict=True):
            cell = WriteOnlyCell(sheet, value=spreadsheet_value(value, spec))
            if number_format:
                cell.number_format = number_format
            cells.append(cell)
        if links is not None and cells:
            _link(cells[0], links[number], HEADER_ROW + 1 + number)
        sheet.append(cells)


def _link(cell: Any, sheet_name: str, row: int) -> None:
    """An internal hyperlink to another sheet; a write-only cell learns its row only when
    written, so the link's reference is set here."""
    quoted = sheet_name.replace("'", "''")
    cell.hyperlink = Hyperlink(ref=f"A{row}", location=f"'{quoted}'!A1", display=sheet_name)
    cell.hyperlink.ref = f"A{row}"
    cell.font = Font(color="0563C1", underline="single")


def to_xlsx_bytes(table: ExportTable, parameters: Mapping[str, Any]) -> bytes:
    """A write-only workbook with one sheet laid out by `append_table`."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title(table.title, set()))
    append_table(sheet, table, parameters)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


_SHEET_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "-"))


def sheet_title(title: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = title.translate(_SHEET_FORBIDDEN).strip("'")[:31] or "view"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def to_csv_bytes(table: ExportTable, parameters: Mapping[str, Any]) -> bytes:
    """UTF-8 CSV with the field names as header, values as the API gives them (plain: no
    formatting), formula-like text neutralised; parameters travel in the filename and audit."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralize_cell(key) for key in table.keys])
    for row in table.rows:
        writer.writerow([_plain(value) for value in row])
    return buffer.getvalue().encode("utf-8")


def _numeric(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal):
        return float(value)
    return None


def chart_drawing(table: ExportTable, width: float, height: float) -> Drawing | None:
    """A drawing of the table's series (dates on a time axis), or None without plottable data."""
    spec = table.chart
    if spec is None or not table.rows:
        return None
    index = {c.key: i for i, c in enumerate(table.columns)}
    by_key = {c.key: c for c in table.columns}
    x_index, y_indexes = index[spec.x], [index[name] for name in spec.y]
    money = all(by_key[name].kind == "money" for name in spec.y)
    title = (
        f"{' and '.join(by_key[name].label for name in spec.y)} by {by_key[spec.x].label.lower()}"
    )
    if spec.kind == "bar":
        labels = [str(row[x_index]) for row in table.rows]
        values = [_numeric(row[y_indexes[0]]) or 0.0 for row in table.rows]
        return hbar_chart(title, labels, values, width=width, money=money)
    days = [as_date(row[x_index]) for row in table.rows]
    if any(day is None for day in days):
        return None
    series = [
        Series(by_key[spec.y[n]].label,
               [(day, y) for day, row in zip(days, table.rows, strict=True)
                if day is not None and (y := _numeric(row[i])) is not None],
               PALETTE[n % len(PALETTE)])
        for n, i in enumerate(y_indexes)
    ]  # fmt: skip
    band = None
    if spec.band:
        low, high = index[spec.band[0]], index[spec.band[1]]
        band = Band("Interval", [(day, float(row[low]), float(row[high]))
                                 for day, row in zip(days, table.rows, strict=True)
                                 if day is not None])  # fmt: skip
    return time_chart(title, series, band=band, width=width, height=height, money=money)


def pdf_story(table: ExportTable, parameters: Mapping[str, Any], width: float) -> list[Flowable]:
    """Flowables for one per-view download: heading, parameters, chart, then the table."""
    styles = getSampleStyleSheet()
    generated = table.generated_at.astimezone(UTC)
    story: list[Flowable] = [
        Paragraph(_escape(table.title), styles["Heading1"]),
        Paragraph(f"Parameters: {_escape(parameter_text(parameters))}", styles["Normal"]),
        Paragraph(f"Generated {generated:%Y-%m-%d %H:%M} UTC", styles["Normal"]),
        Spacer(1, 4 * mm),
    ]
    if table.note:
        story.insert(3, Paragraph(_escape(table.note), styles["Normal"]))
    drawing = chart_drawing(table, width, 70 * mm)
    if drawing is not None:
        story += [drawing, Spacer(1, 4 * mm)]
    if not table.columns:
        story.append(Paragraph("No data.", styles["Italic"]))
        return story
    story.append(pdf_table(table, table.rows[:MAX_PDF_ROWS], width=width))
    if len(table.rows) > MAX_PDF_ROWS:
        story.append(
            Paragraph(
                f"{len(table.rows) - MAX_PDF_ROWS} more rows omitted; use XLSX or CSV for all.",
                styles["Italic"],
            )
        )
    return story


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_pdf_bytes(table: ExportTable, parameters: Mapping[str, Any]) -> bytes:
    buffer = io.BytesIO()
    page = landscape(A4)
    document = SimpleDocTemplate(
        buffer, pagesize=page, title=table.title, leftMargin=12 * mm, rightMargin=12 * mm
    )
    document.build(pdf_story(table, parameters, page[0] - 24 * mm))
    return buffer.getvalue()


RENDERERS = {"xlsx": to_xlsx_bytes, "pdf": to_pdf_bytes, "csv": to_csv_bytes}


def render(table: ExportTable, fmt: ExportFormat, parameters: Mapping[str, Any]) -> bytes:
    return RENDERERS[fmt](table, parameters)


def export_filename(domain: str, view: str, fmt: ExportFormat, when: datetime) -> str:
    return f"{domain}-{view}-{when.strftime('%Y%m%dT%H%M%SZ')}.{fmt}"


def records_table(
    title: str,
    columns: Sequence[Column | str],
    records: Sequence[object],
    chart: ChartSpec | None = None,
    note: str | None = None,
) -> ExportTable:
    """A view's response-model records as a table, one attribute per column: the field names
    (the CSV header) map each column to its JSON field, the labels are what people read."""
    specs = [c if isinstance(c, Column) else column(c) for c in columns]
    rows = [[getattr(record, spec.key) for spec in specs] for record in records]
    return ExportTable(title=title, columns=specs, rows=rows, chart=chart, note=note)


def json_safe(value: Any) -> Any:
    """Dates and decimals as JSON-friendly values (for audit parameters)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value
