"""The charts of the PDF report and the per-view PDF exports (reportlab drawings).

Three shapes cover every view: a time chart (dates on the x-axis, month ticks, an optional
interval band drawn under the lines), horizontal bars for rankings, and stacked monthly bars.
Value axes carry thousands separators and, for money, the currency.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Polygon, String
from reportlab.lib import colors

from shared.core.labels import CURRENCY

PALETTE = (
    colors.HexColor("#1f4e79"),
    colors.HexColor("#e07b39"),
    colors.HexColor("#3a8d5d"),
    colors.HexColor("#8e5ea2"),
)
BAND = colors.HexColor("#c9d9ec")
FONT, BOLD = "Helvetica", "Helvetica-Bold"


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[date, float]]
    color: colors.Color = PALETTE[0]
    width: float = 1.2


@dataclass(frozen=True)
class Band:
    """An interval (low, high per date) shaded under the series."""

    label: str
    points: Sequence[tuple[date, float, float]]
    color: colors.Color = BAND


def axis_format(money: bool) -> Callable[[float], str]:
    """`$1,200,000` for money, `1,200` otherwise; fractions only where the step needs them."""

    def fmt(value: float) -> str:
        text = f"{abs(value):,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:,.1f}"
        sign = "-" if value < 0 else ""
        return f"{sign}{CURRENCY}{text}" if money else f"{sign}{text}"

    return fmt


def nice_scale(low: float, high: float, ticks: int = 5) -> tuple[float, float, float]:
    """Axis bounds and step on round numbers (1, 2, 2.5, 5 times 10^n) covering [low, high]."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high - low <= 0:
        high = low + 1
    raw = (high - low) / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def _month_ticks(first: date, last: date, most: int = 9) -> list[date]:
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    every = next(n for n in (1, 2, 3, 6, 12, 24) if months / n <= most)
    ticks, year, month = [], first.year, first.month
    while date(year, month, 1) <= last:
        day = date(year, month, 1)
        if day >= first and (month - 1) % every == 0:
            ticks.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return ticks or [first]


def _title(drawing: Drawing, text: str, height: float) -> None:
    drawing.add(String(0, height - 11, text, fontName=BOLD, fontSize=9.5))


def _legend(drawing: Drawing, pairs: list[tuple[colors.Color, str]], x: float, y: float) -> None:
    if len(pairs) < 2:
        return
    legend = Legend()
    legend.x, legend.y, legend.boxAnchor = round(x), round(y), "nw"
    legend.columnMaximum = 1  # one entry per column: the entries side by side on one line
    legend.alignment = "right"
    legend.fontName, legend.fontSize = FONT, 7.5
    legend.dx, legend.dy, legend.dxTextSpace, legend.autoXPadding = 8, 6, 3, 10
    legend.colorNamePairs = pairs
    drawing.add(legend)


def time_chart(
    title: str,
    series: Sequence[Series],
    *,
    width: float,
    height: float,
    band: Band | None = None,
    money: bool = True,
) -> Drawing | None:
    """Lines over dates with month ticks; None when nothing can be plotted."""
    plotted = [s for s in series if s.points]
    if not plotted:
        return None
    days = [d for s in plotted for d, _ in s.points] + [
        d for d, _, _ in (band.points if band else ())
    ]
    values = [v for s in plotted for _, v in s.points]
    if band:
        values += [v for _, lo, hi in band.points for v in (lo, hi)]
    first, last = min(days), max(days)
    x0, x1 = first.toordinal(), max(last.toordinal(), first.toordinal() + 1)
    y0, y1, step = nice_scale(min(values), max(values))
    drawing = Drawing(width, height)
    _title(drawing, title, height)
    chart = LinePlot()
    chart.x, chart.y, chart.width, chart.height = 62, 22, round(width - 72), round(height - 64)
    chart.data = [[(d.toordinal(), v) for d, v in s.points] for s in plotted]
    for index, s in enumerate(plotted):
        chart.lines[index].strokeColor = s.color
        chart.lines[index].strokeWidth = s.width
    x_axis, y_axis = chart.xValueAxis, chart.yValueAxis
    x_axis.valueMin, x_axis.valueMax = x0, x1
    if (last - first).days <= 75:  # weeks: Mondays, labelled by day
        monday = first + timedelta(days=-first.weekday() % 7)
        ticks = [monday + timedelta(weeks=n) for n in range((last - monday).days // 7 + 1)]
        label = "%d %b %Y"
    else:
        ticks, label = _month_ticks(first, last), "%b %Y"
    x_axis.valueSteps = [d.toordinal() for d in ticks]
    x_axis.labelTextFormat = lambda v: date.fromordinal(int(v)).strftime(label)
    y_axis.valueMin, y_axis.valueMax, y_axis.valueStep = y0, y1, step
    y_axis.labelTextFormat = axis_format(money)
    for axis in (x_axis, y_axis):
        axis.labels.fontName, axis.labels.fontSize = FONT, 7
    y_axis.visibleGrid, y_axis.gridStrokeColor = True, colors.HexColor("#e3e3e3")
    if band and band.points:

        def px(day: date) -> float:
            return chart.x + (day.toordinal() - x0) / (x1 - x0) * chart.width

        def py(value: float) -> float:
            return chart.y + (value - y0) / (y1 - y0) * chart.height

        outline = [c for d, _, hi in band.points for c in (px(d), py(hi))]
        outline += [c for d, lo, _ in reversed(band.points) for c in (px(d), py(lo))]
        drawing.add(Polygon(outline, fillColor=band.color, strokeColor=None, strokeWidth=0))
    drawing.add(chart)
    pairs = [(s.color, s.label) for s in plotted] + ([(band.color, band.label)] if band else [])
    _legend(drawing, pairs, 0, height - 17)  # its own line, under the title
    return drawing


def hbar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    width: float,
    money: bool = True,
    color: colors.Color = PALETTE[0],
    value_max: float | None = None,
) -> Drawing | None:
    """Horizontal bars, the first label at the top (rankings read top-down)."""
    if not labels:
        return None
    bar = 13.0
    height = 34 + bar * len(labels)
    drawing = Drawing(width, height)
    _title(drawing, title, height)
    chart = HorizontalBarChart()
    label_room = min(170.0, 12 + 4.3 * max(len(text) for text in labels))
    chart.x, chart.y = round(label_room), 16
    chart.width, chart.height = round(width - label_room - 16), round(bar * len(labels))
    chart.data = [list(reversed([float(v) for v in values]))]
    chart.bars[0].fillColor = color
    chart.bars[0].strokeColor = None
    chart.barSpacing, chart.groupSpacing = 1, 3
    chart.categoryAxis.categoryNames = list(reversed([_short(text, 40) for text in labels]))
    chart.categoryAxis.labels.fontName, chart.categoryAxis.labels.fontSize = FONT, 7
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.joinAxisMode = "left"  # labels at the left edge, even with negative bars
    low, high, step = nice_scale(min(0.0, *values), value_max or max(values), ticks=5)
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = low, high, step
    chart.valueAxis.labelTextFormat = axis_format(money)
    chart.valueAxis.labels.fontName, chart.valueAxis.labels.fontSize = FONT, 7
    chart.valueAxis.visibleGrid, chart.valueAxis.gridStrokeColor = True, colors.HexColor("#e3e3e3")
    drawing.add(chart)
    return drawing


def stacked_bars(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    width: float,
    height: float,
    money: bool = True,
) -> Drawing | None:
    """Vertical bars stacked per category (months), one colour per series."""
    if not categories or not series:
        return None
    drawing = Drawing(width, height)
    _title(drawing, title, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 62, 22, round(width - 72), round(height - 64)
    chart.data = [[float(v) for v in values] for _, values in series]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.categoryNames = list(categories)
    chart.categoryAxis.labels.fontName, chart.categoryAxis.labels.fontSize = FONT, 7
    totals = [sum(values) for values in zip(*(v for _, v in series), strict=True)]
    low, high, step = nice_scale(0.0, max(totals))
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = low, high, step
    chart.valueAxis.labelTextFormat = axis_format(money)
    chart.valueAxis.labels.fontName, chart.valueAxis.labels.fontSize = FONT, 7
    chart.valueAxis.visibleGrid, chart.valueAxis.gridStrokeColor = True, colors.HexColor("#e3e3e3")
    chart.barSpacing, chart.groupSpacing = 0, 6
    for index in range(len(series)):
        chart.bars[index].fillColor = PALETTE[index % len(PALETTE)]
        chart.bars[index].strokeColor = None
    drawing.add(chart)
    pairs = [(PALETTE[i % len(PALETTE)], label) for i, (label, _) in enumerate(series)]
    _legend(drawing, pairs, 0, height - 17)  # its own line, under the title
    return drawing


def _short(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"
