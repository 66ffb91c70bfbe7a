"""PDF tables in human terms: labels as headers, values formatted by kind, widths by content.

A table's header row repeats on every page it spans; numbers are right-aligned (their headers
too) and text wraps inside the width it is given, which is shared out by how much each column
needs to show.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import LongTable, Paragraph, TableStyle

from shared.core.labels import Column, display

NUMERIC_KINDS = frozenset({"id", "int", "number", "days", "money", "percent", "ratio"})
HEADER_BACKGROUND = colors.HexColor("#dde3ea")
RULE = colors.HexColor("#1f4e79")
MAX_TEXT_CHARS = 48  # a text column wider than this wraps
PADDING = 13.0  # the cell's own left and right padding, plus a little air


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def column_widths(
    columns: Sequence[Column], texts: Sequence[Sequence[str]], width: float, font_size: float
) -> list[float]:
    """Each column as wide as its longest value (text capped), headers on at most two lines,
    scaled to fill `width`. When that is too wide, every column keeps room for its longest
    word and the rest is shared out by how much more each wants, so text wraps between words."""

    def plain(text: str) -> float:
        return float(stringWidth(text, "Helvetica", font_size))

    def bold(text: str) -> float:
        return float(stringWidth(text, "Helvetica-Bold", font_size))

    wanted, least = [], []
    for index, spec in enumerate(columns):
        values = [row[index][:MAX_TEXT_CHARS] for row in texts[:200]]
        words = spec.label.split() or [""]
        halves = (
            " ".join(words[: (len(words) + 1) // 2]),
            " ".join(words[(len(words) + 1) // 2 :]),
        )
        floor = max(
            [bold(w) for w in words] + [plain(w) for v in values for w in v.split()] + [12.0]
        )
        want = max([floor, *(bold(h) for h in halves)] + [plain(v) for v in values])
        least.append(floor + PADDING)
        wanted.append(want + PADDING)
    total = sum(wanted)
    if total <= width:
        return [w * width / total for w in wanted]
    spare, extra = width - sum(least), total - sum(least)
    if spare <= 0:
        return [w * width / sum(least) for w in least]
    return [lo + (w - lo) * spare / extra for lo, w in zip(least, wanted, strict=True)]


def pdf_table(
    table: Any,
    rows: Sequence[Sequence[Any]] | None = None,
    *,
    width: float | None = None,
    font_size: float = 7.5,
) -> LongTable:
    """`table` (an ExportTable) as a reportlab table whose header row repeats on every page."""
    columns: Sequence[Column] = table.columns
    shown = table.rows if rows is None else rows
    base = getSampleStyleSheet()["Normal"]
    leading = font_size * 1.25
    header = ParagraphStyle("th", parent=base, fontName="Helvetica-Bold", fontSize=font_size,
                            leading=leading)  # fmt: skip
    header_right = ParagraphStyle("thr", parent=header, alignment=TA_RIGHT)
    cell = ParagraphStyle("td", parent=base, fontSize=font_size, leading=leading)
    texts = [
        [
            display(value, spec.kind, signed=spec.signed)
            for value, spec in zip(row, columns, strict=True)
        ]
        for row in shown
    ]
    data: list[list[Any]] = [
        [Paragraph(_escape(c.label), header_right if c.kind in NUMERIC_KINDS else header)
         for c in columns]
    ]  # fmt: skip
    for line in texts:
        data.append([
            text if spec.kind != "text" else Paragraph(_escape(text), cell)
            for text, spec in zip(line, columns, strict=True)
        ])  # fmt: skip
    widths = column_widths(columns, texts, width, font_size) if width else None
    grid = LongTable(data, colWidths=widths, repeatRows=1)
    commands: list[Any] = [
        ("FONTSIZE", (0, 0), (-1, -1), font_size),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BACKGROUND),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#d0d0d0")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for index, spec in enumerate(columns):
        if spec.kind in NUMERIC_KINDS:
            commands.append(("ALIGN", (index, 1), (index, -1), "RIGHT"))
    grid.setStyle(TableStyle(commands))
    return grid
