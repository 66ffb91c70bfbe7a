"""Full reports: every view in one `.xlsx` (a sheet per table) and one `.pdf`, saved atomically.

The PDF is for reading: a cover, an executive summary, then per view its charts and a compact
table; the workbook holds the full tables. What the report says is decided by the caller
(`Report`); this module lays it out.

`save_report` renders both files in memory first, writes each to a hidden temporary file in
REPORT_OUTPUT_DIR, fsyncs it, and only then links it under its final name, so a reader of the
(possibly network-mounted) directory never sees a half-written report, and a failure leaves
nothing behind. Names are generated here, never taken from a caller, and carry a UTC timestamp
plus a random suffix; placing a file never overwrites an existing one.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import secrets
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from shared.core.export import ExportTable, append_table, sheet_title
from shared.core.labels import column
from shared.core.pdf_layout import pdf_table

REPORT_PREFIX = "otel-bi-report"
REPORT_TITLE = "otel-bi business report"
_TEMP_PREFIX = ".tmp-"
MARGIN = 16 * mm
CONTENT_WIDTH = A4[0] - 2 * MARGIN
"""Width available to a chart or table on the report's A4 portrait pages."""
INK = colors.HexColor("#1f4e79")


@dataclass(frozen=True)
class ReportSection:
    """One view: an introduction, its charts first (each drawn for the page width), then a
    compact table; `sheets` are the view's full tables for the workbook."""

    title: str
    intro: str
    charts: Sequence[Callable[..., Drawing | None]] = ()  # called with width=
    table: ExportTable | None = None
    table_note: str | None = None
    sheets: Sequence[ExportTable] = ()


@dataclass(frozen=True)
class Report:
    """Everything a report shows, already in human terms (labels, sentences)."""

    requested_by: str
    anchors: Sequence[tuple[str, str]]
    summary: ExportTable
    summary_notes: Sequence[str]
    highlights: Sequence[str]
    sections: Sequence[ReportSection]
    summary_sheets: Sequence[ExportTable] = ()  # the full figures behind the summary (workbook)


@dataclass(frozen=True)
class ReportFile:
    path: Path
    size_bytes: int
    sha256: str


@dataclass(frozen=True)
class SavedReport:
    """The two files of one report, already in their final place."""

    xlsx: ReportFile
    pdf: ReportFile
    generated_at: datetime
    stem: str


def report_stem(when: datetime) -> str:
    """`otel-bi-report-20261123T081500Z-<12 hex>`: sortable by time, unique by its suffix."""
    return f"{REPORT_PREFIX}-{when.astimezone(UTC):%Y%m%dT%H%M%S}Z-{secrets.token_hex(6)}"


def _stamp(when: datetime) -> str:
    return f"{when.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def build_xlsx(report: Report, generated_at: datetime) -> bytes:
    """A write-only workbook: a contents sheet linking every sheet, the key figures, then each
    view's full tables, every sheet laid out by `append_table`."""
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    contents_sheet = workbook.create_sheet(title=sheet_title("Contents", used))
    tables = [(table, "Executive summary") for table in (report.summary, *report.summary_sheets)]
    tables += [(table, section.title) for section in report.sections for table in section.sheets]
    names = [sheet_title(table.title, used) for table, _ in tables]
    anchors = " · ".join(f"{label} {value}" for label, value in report.anchors)
    contents = ExportTable(
        title=REPORT_TITLE,
        columns=[
            column("sheet", "Sheet"),
            column("section", "Report section"),
            column("rows", "Rows", "int"),
        ],
        rows=[
            [name, section, len(table.rows)]
            for name, (table, section) in zip(names, tables, strict=True)
        ],
        generated_at=generated_at,
        note=anchors,
    )
    append_table(contents_sheet, contents, {"requested_by": report.requested_by}, links=names)
    for name, (table, _) in zip(names, tables, strict=True):
        append_table(
            workbook.create_sheet(title=name), table, {"requested_by": report.requested_by}
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["Normal"], fontSize=9.5, leading=13)
    return {
        "title": ParagraphStyle(
            "title", parent=base["Title"], fontSize=26, leading=32, alignment=TA_LEFT, textColor=INK
        ),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=13, leading=18),
        "h1": ParagraphStyle(
            "h1", parent=base["Heading1"], fontSize=16, textColor=INK, spaceBefore=0, spaceAfter=4
        ),
        "body": body,
        "note": ParagraphStyle(
            "note", parent=body, fontSize=8, leading=10.5, textColor=colors.HexColor("#555555")
        ),
        "bullet": ParagraphStyle(
            "bullet", parent=body, leftIndent=10, bulletIndent=0, spaceAfter=3
        ),
    }


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cover(
    report: Report, generated_at: datetime, styles: dict[str, ParagraphStyle]
) -> list[Flowable]:
    facts = [["Generated", _stamp(generated_at)], ["Requested by", report.requested_by]]
    facts += [[label, value] for label, value in report.anchors]
    facts_table = Table(
        [[Paragraph(_escape(k), styles["body"]), Paragraph(_escape(v), styles["body"])]
         for k, v in facts],
        colWidths=[72 * mm, CONTENT_WIDTH - 72 * mm], hAlign="LEFT",
    )  # fmt: skip
    facts_table.setStyle(TableStyle([
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d0d0d0")),
        ("TEXTCOLOR", (0, 0), (0, -1), colors.HexColor("#555555")),
    ]))  # fmt: skip
    contents = [Paragraph("Executive summary", styles["bullet"], bulletText="\u2022")]
    contents += [
        Paragraph(_escape(section.title), styles["bullet"], bulletText="\u2022")
        for section in report.sections
    ]
    return [
        Spacer(1, 45 * mm),
        Paragraph("otel-bi", styles["subtitle"]),
        Paragraph("Business report", styles["title"]),
        Paragraph("AdventureWorks and Wide World Importers", styles["subtitle"]),
        Spacer(1, 12 * mm),
        facts_table,
        Spacer(1, 12 * mm),
        Paragraph("Contents", styles["h1"]),
        *contents,
    ]


def _summary(report: Report, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    story: list[Flowable] = [Paragraph("Executive summary", styles["h1"]), Spacer(1, 2 * mm)]
    story += [Paragraph(_escape(text), styles["bullet"], bulletText="\u2022")
              for text in report.highlights]  # fmt: skip
    story += [
        Spacer(1, 5 * mm),
        pdf_table(report.summary, width=CONTENT_WIDTH, font_size=8.5),
        Spacer(1, 2 * mm),
    ]
    story += [Paragraph(_escape(note), styles["note"]) for note in report.summary_notes]
    return story


def _section(section: ReportSection, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    story: list[Flowable] = [
        Paragraph(_escape(section.title), styles["h1"]),
        Paragraph(_escape(section.intro), styles["body"]),
        Spacer(1, 3 * mm),
    ]
    for make_chart in section.charts:
        drawing = make_chart(width=CONTENT_WIDTH)
        if drawing is not None:
            story += [KeepTogether([drawing]), Spacer(1, 4 * mm)]
    if section.table is not None:
        if section.table.rows:
            story += [CondPageBreak(40 * mm), pdf_table(section.table, width=CONTENT_WIDTH)]
        else:
            story.append(Paragraph("Nothing to show.", styles["note"]))
    if section.table_note:
        story += [Spacer(1, 1.5 * mm), Paragraph(_escape(section.table_note), styles["note"])]
    return story


class _NumberedCanvas(Canvas):
    """Holds every page until the end so each footer can say `Page n of N`; the cover page
    carries neither header nor footer."""

    def __init__(self, *args: Any, header: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self._header = header

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined] # reportlab's own page reset

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            if number > 1:
                self._decorate(number, total)
            super().showPage()
        super().save()

    def _decorate(self, number: int, total: int) -> None:
        width, height = A4
        self.saveState()
        self.setFont("Helvetica", 8)
        self.setFillColor(colors.HexColor("#555555"))
        self.drawString(MARGIN, height - 10 * mm, REPORT_TITLE)
        self.drawRightString(width - MARGIN, height - 10 * mm, self._header)
        self.setStrokeColor(colors.HexColor("#c0c0c0"))
        self.setLineWidth(0.4)
        self.line(MARGIN, height - 11.5 * mm, width - MARGIN, height - 11.5 * mm)
        self.drawRightString(width - MARGIN, 9 * mm, f"Page {number} of {total}")
        self.restoreState()


def build_pdf(report: Report, generated_at: datetime) -> bytes:
    """A4 portrait: a cover, the executive summary, then one section per view; a running
    header and `Page n of N` on every page after the cover."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=REPORT_TITLE,
        author=report.requested_by,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=18 * mm,
        bottomMargin=16 * mm,
    )
    styles = _styles()
    story = [*_cover(report, generated_at, styles), PageBreak(), *_summary(report, styles)]
    for section in report.sections:
        story += [PageBreak(), *_section(section, styles)]
    header = f"Generated {_stamp(generated_at)} for {report.requested_by}"

    def canvas(*args: Any, **kwargs: Any) -> _NumberedCanvas:
        return _NumberedCanvas(*args, header=header, **kwargs)

    document.build(story, canvasmaker=canvas)
    return buffer.getvalue()


def _write_temp(directory: Path, data: bytes, suffix: str) -> Path:
    descriptor, name = tempfile.mkstemp(dir=directory, prefix=_TEMP_PREFIX, suffix=suffix)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)
        raise
    return Path(name)


def _place(temp: Path, final: Path) -> None:
    """Give `temp` its final name without ever replacing an existing file."""
    try:
        os.link(temp, final)  # atomic, and fails if `final` exists
    except FileExistsError:
        raise
    except OSError:
        # Some network filesystems have no hard links: fall back to rename after a check.
        if final.exists():
            raise FileExistsError(final) from None
        os.replace(temp, final)
        return
    os.unlink(temp)


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a directory be fsynced
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def save_report(output_dir: Path, report: Report, *, now: datetime | None = None) -> SavedReport:
    """Render and place `<stem>.xlsx` and `<stem>.pdf` in `output_dir`; both or neither."""
    generated_at = (now or datetime.now(UTC)).astimezone(UTC)
    xlsx_bytes = build_xlsx(report, generated_at)
    pdf_bytes = build_pdf(report, generated_at)
    directory = output_dir.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    stem = report_stem(generated_at)
    temps: list[Path] = []
    placed: list[Path] = []
    try:
        files = []
        for suffix, data in ((".xlsx", xlsx_bytes), (".pdf", pdf_bytes)):
            temp = _write_temp(directory, data, suffix)
            temps.append(temp)
            final = directory / f"{stem}{suffix}"
            if final.parent != directory:  # the stem is ours, but never write elsewhere
                raise ValueError("report path escapes REPORT_OUTPUT_DIR")
            files.append((temp, final, data))
        for temp, final, _ in files:
            _place(temp, final)
            placed.append(final)
        _fsync_directory(directory)
    except BaseException:
        for path in (*temps, *placed):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        raise
    (_, xlsx_path, _), (_, pdf_path, _) = files
    return SavedReport(
        xlsx=ReportFile(xlsx_path, len(xlsx_bytes), hashlib.sha256(xlsx_bytes).hexdigest()),
        pdf=ReportFile(pdf_path, len(pdf_bytes), hashlib.sha256(pdf_bytes).hexdigest()),
        generated_at=generated_at,
        stem=stem,
    )


def remove_report(report: SavedReport) -> None:
    """Delete both files (used when the report cannot be recorded in the audit log)."""
    for path in (report.xlsx.path, report.pdf.path):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
