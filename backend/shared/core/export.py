"""Per-view downloads: one table rendered as XLSX, PDF or CSV.

Spreadsheet programs run a cell that starts with `=`, `+`, `-`, `@`, tab or CR as a formula, so
every text cell is neutralised with a leading apostrophe before it is written (CSV/formula
injection). Numbers stay numbers. The PDF carries the title, the parameters, the generation time,
the table and, where the view is a series, a line or bar chart of it.
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
from openpyxl.styles import Font
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)

ExportFormat = Literal["xlsx", "pdf", "csv"]
MEDIA_TYPES: Mapping[str, str] = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_PDF_ROWS = 2000
SERIES_COLORS = (colors.HexColor("#1f77b4"), colors.HexColor("#ff7f0e"), colors.HexColor("#2ca02c"))


@dataclass(frozen=True)
class ChartSpec:
    """Which columns to plot: `x` (dates or labels) against one or more numeric `y` columns."""

    x: str
    y: Sequence[str]
    kind: Literal["line", "bar"] = "line"


@dataclass(frozen=True)
class ExportTable:
    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    chart: ChartSpec | None = None
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))


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


def _parameter_text(parameters: Mapping[str, Any]) -> str:
    shown = {key: value for key, value in parameters.items() if value is not None}
    return ", ".join(f"{key}={value}" for key, value in sorted(shown.items())) or "(defaults)"


def to_xlsx_bytes(table: ExportTable, parameters: Mapping[str, Any]) -> bytes:
    """A write-only workbook: a header block, then the table with a bold header row."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.title[:31] or "export")
    append_table(sheet, table, parameters)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def append_table(sheet: Any, table: ExportTable, parameters: Mapping[str, Any]) -> None:
    """Write `table` into a write-only worksheet (shared with the full report builder)."""
    sheet.append([neutralize_cell(table.title)])
    sheet.append(["parameters", neutralize_cell(_parameter_text(parameters))])
    sheet.append(["generated_at", table.generated_at.isoformat(timespec="seconds")])
    sheet.append([])
    header = []
    for name in table.columns:
        cell = WriteOnlyCell(sheet, value=neutralize_cell(name))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in table.rows:
        sheet.append([_plain(value) for value in row])


def to_csv_bytes(table: ExportTable, parameters: Mapping[str, Any]) -> bytes:
    """UTF-8 CSV with a header row; the parameters travel in the filename and audit trail."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralize_cell(name) for name in table.columns])
    for row in table.rows:
        writer.writerow([_plain(value) for value in row])
    return buffer.getvalue().encode("utf-8")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, Decimal):
        return f"{float(value):,.2f}"
    return str(value)


def _numeric(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal):
        return float(value)
    return None


def chart_drawing(table: ExportTable, width: float, height: float) -> Drawing | None:
    """A reportlab drawing of the table's series, or None when it has no plottable data."""
    spec = table.chart
    if spec is None or not table.rows:
        return None
    columns = list(table.columns)
    x_index = columns.index(spec.x)
    y_indexes = [columns.index(name) for name in spec.y]
    drawing = Drawing(width, height)
    if spec.kind == "bar":
        chart: Any = VerticalBarChart()
        chart.data = [[_numeric(row[i]) or 0.0 for row in table.rows] for i in y_indexes]
        labels = [str(row[x_index])[:12] for row in table.rows]
        chart.categoryAxis.categoryNames = labels
        chart.categoryAxis.labels.angle = 45
        chart.categoryAxis.labels.boxAnchor = "ne"
    else:
        chart = LinePlot()
        series = []
        for i in y_indexes:
            points = []
            for position, row in enumerate(table.rows):
                y = _numeric(row[i])
                if y is not None:
                    points.append((float(position), y))
            series.append(points)
        if not any(series):
            return None
        chart.data = series
        for n in range(len(series)):
            chart.lines[n].strokeColor = SERIES_COLORS[n % len(SERIES_COLORS)]
    chart.x, chart.y = 40, 40
    chart.width, chart.height = width - 60, height - 70
    drawing.add(chart)
    drawing.add(String(40, height - 15, f"{', '.join(spec.y)} by {spec.x}", fontSize=9))
    return drawing


def pdf_story(table: ExportTable, parameters: Mapping[str, Any], width: float) -> list[Flowable]:
    """Flowables for one view (shared with the full report builder)."""
    styles = getSampleStyleSheet()
    story: list[Flowable] = [
        Paragraph(_escape(table.title), styles["Heading1"]),
        Paragraph(f"Parameters: {_escape(_parameter_text(parameters))}", styles["Normal"]),
        Paragraph(
            f"Generated at {table.generated_at.isoformat(timespec='seconds')}", styles["Normal"]
        ),
        Spacer(1, 4 * mm),
    ]
    drawing = chart_drawing(table, width, 70 * mm)
    if drawing is not None:
        story += [drawing, Spacer(1, 4 * mm)]
    if not table.columns:
        story.append(Paragraph("No data.", styles["Italic"]))
        return story
    rows = table.rows[:MAX_PDF_ROWS]
    data = [[_escape(str(name)) for name in table.columns]]
    data += [[_cell_text(value) for value in row] for row in rows]
    grid = LongTable(data, repeatRows=1)
    grid.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 7),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde3ea")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(grid)
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
    title: str, columns: Sequence[str], records: Sequence[object], chart: ChartSpec | None = None
) -> ExportTable:
    """A view's response-model records as a table, one attribute per column: with the JSON
    field names as columns, a download and its JSON endpoint can be compared row by row."""
    rows = [[getattr(record, name) for name in columns] for record in records]
    return ExportTable(title=title, columns=columns, rows=rows, chart=chart)


def json_safe(value: Any) -> Any:
    """Dates and decimals as JSON-friendly values (for audit parameters)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value
