"""Full reports: every view in one `.xlsx` (a sheet per view) and one `.pdf`, saved atomically.

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table

from shared.core.export import ExportTable, append_table, neutralize_cell, pdf_story

REPORT_PREFIX = "otel-bi-report"
_TEMP_PREFIX = ".tmp-"
_SHEET_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "-"))


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


def _sheet_title(title: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = title.translate(_SHEET_FORBIDDEN).strip("'")[:31] or "view"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def build_xlsx(
    sections: Sequence[ExportTable], parameters: Mapping[str, Any], generated_at: datetime
) -> bytes:
    """A write-only workbook: a summary sheet, then one sheet per view."""
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    summary = workbook.create_sheet(title=_sheet_title("Summary", used))
    summary.append(["otel-bi full report"])
    summary.append(["generated_at", generated_at.isoformat(timespec="seconds")])
    summary.append([])
    summary.append(["view", "rows"])
    for section in sections:
        summary.append([neutralize_cell(section.title), len(section.rows)])
    for section in sections:
        sheet = workbook.create_sheet(title=_sheet_title(section.title, used))
        append_table(sheet, section, parameters)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cover(
    sections: Sequence[ExportTable], parameters: Mapping[str, Any], generated_at: datetime
) -> list[Flowable]:
    styles = getSampleStyleSheet()
    shown = ", ".join(f"{key}={value}" for key, value in sorted(parameters.items())) or "defaults"
    shown = shown.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    contents = Table(
        [["View", "Rows"]] + [[section.title, str(len(section.rows))] for section in sections],
        hAlign="LEFT",
    )
    return [
        Spacer(1, 40 * mm),
        Paragraph("otel-bi full report", styles["Title"]),
        Paragraph(f"Generated {generated_at.isoformat(timespec='seconds')}", styles["Normal"]),
        Paragraph(f"Parameters: {shown}", styles["Normal"]),
        Spacer(1, 10 * mm),
        Paragraph("Contents", styles["Heading2"]),
        contents,
    ]


def build_pdf(
    sections: Sequence[ExportTable], parameters: Mapping[str, Any], generated_at: datetime
) -> bytes:
    """A cover page, then one section per view (its chart, when it has one, and its table)."""
    buffer = io.BytesIO()
    page = landscape(A4)
    document = SimpleDocTemplate(
        buffer,
        pagesize=page,
        title="otel-bi full report",
        leftMargin=12 * mm,
        rightMargin=12 * mm,
    )
    story = _cover(sections, parameters, generated_at)
    for section in sections:
        story.append(PageBreak())
        story += pdf_story(section, parameters, page[0] - 24 * mm)
    document.build(story)
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


def save_report(
    output_dir: Path,
    sections: Sequence[ExportTable],
    parameters: Mapping[str, Any],
    *,
    now: datetime | None = None,
) -> SavedReport:
    """Render and place `<stem>.xlsx` and `<stem>.pdf` in `output_dir`; both or neither."""
    generated_at = (now or datetime.now(UTC)).astimezone(UTC)
    xlsx_bytes = build_xlsx(sections, parameters, generated_at)
    pdf_bytes = build_pdf(sections, parameters, generated_at)
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
