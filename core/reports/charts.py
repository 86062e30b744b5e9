"""Vector charts of report data with :mod:`reportlab.graphics`: bars, horizontal bars, lines.

Category labels are shortened (``2026-01-08T07:00+01:00`` -> ``01-08 07:00``) and thinned to
about a dozen so they never overlap; missing values (None) draw no bar and break no line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

from core.reports.model import Chart

log = logging.getLogger(__name__)

PALETTE = (
    colors.HexColor("#1f5f8b"),
    colors.HexColor("#e08a1e"),
    colors.HexColor("#3f8f4f"),
    colors.HexColor("#b03a48"),
    colors.HexColor("#6b5b95"),
)
FONT = "Helvetica"
_ISO_MINUTE = re.compile(r"^\d{4}-(\d{2}-\d{2})[T ](\d{2}:\d{2})")
_ISO_DAY = re.compile(r"^\d{4}-(\d{2}-\d{2})$")
MAX_LABELS = 12
MAX_HBARS = 15
LEGEND_STEP = 75.0
UPRIGHT_LABELS = 8


def short_label(label: str) -> str:
    """A compact category label."""
    minute = _ISO_MINUTE.match(label)
    if minute:
        return f"{minute.group(1)} {minute.group(2)}"
    day = _ISO_DAY.match(label)
    if day:
        return day.group(1)
    return label if len(label) <= 28 else label[:27] + "..."


def thinned(labels: Sequence[str], keep: int = MAX_LABELS) -> list[str]:
    """Every k-th label (the others empty) so that at most about ``keep`` show."""
    step = max(1, -(-len(labels) // keep))
    return [short_label(s) if k % step == 0 else "" for k, s in enumerate(labels)]


def _values(chart: Chart) -> list[tuple[float | None, ...]]:
    return [tuple(None if v is None else float(v) for v in s.values) for s in chart.series]


def _top(chart: Chart) -> float:
    known = [v for s in chart.series for v in s.values if v is not None]
    top = max(known, default=0.0)
    return top * 1.1 if top > 0 else 1.0


def _legend(chart: Chart, width: float, y: float) -> Legend:
    """One row of swatches and names at the top right (text right of each swatch)."""
    legend = Legend()
    legend.deltax = LEGEND_STEP
    legend.x, legend.y = width - LEGEND_STEP * len(chart.series), y
    legend.fontName, legend.fontSize = FONT, 7
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.dx = legend.dy = 7
    legend.colorNamePairs = [
        (PALETTE[k % len(PALETTE)], s.name) for k, s in enumerate(chart.series)
    ]
    return legend


def _title(chart: Chart, width: float, height: float) -> String:
    unit = f" ({chart.unit})" if chart.unit else ""
    return String(0, height - 10, chart.title + unit, fontName=FONT + "-Bold", fontSize=9)


def draw_chart(chart: Chart, width: float) -> Drawing:
    """A drawing of ``width`` points for the chart."""
    if chart.kind == "hbar":
        return _hbar(chart, width)
    height = 190.0
    drawing = Drawing(width, height)
    plot = VerticalBarChart() if chart.kind == "bar" else HorizontalLineChart()
    plot.x, plot.y, plot.width, plot.height = 45, 45, width - 60, height - 80
    plot.data = _values(chart)
    plot.categoryAxis.categoryNames = thinned(chart.categories)
    _category_labels(plot, len(chart.categories))
    plot.valueAxis.valueMin, plot.valueAxis.valueMax = 0, _top(chart)
    plot.valueAxis.labels.fontName, plot.valueAxis.labels.fontSize = FONT, 7
    plot.valueAxis.labelTextFormat = _axis_format(_top(chart))
    for k in range(len(chart.series)):
        colour = PALETTE[k % len(PALETTE)]
        if chart.kind == "bar":
            plot.bars[k].fillColor, plot.bars[k].strokeColor = colour, None
        else:
            plot.lines[k].strokeColor, plot.lines[k].strokeWidth = colour, 1.5
    if chart.kind == "bar":
        plot.groupSpacing = 2 if len(chart.categories) > 40 else 5
        plot.barSpacing = 0.5
    drawing.add(plot)
    drawing.add(_title(chart, width, height))
    if len(chart.series) > 1:
        drawing.add(_legend(chart, width, height - 6))
    return drawing


def _category_labels(plot: Any, count: int) -> None:
    """Small labels; slanted when there are many categories."""
    axis = plot.categoryAxis.labels
    axis.fontName, axis.fontSize = FONT, 6.5
    if count > UPRIGHT_LABELS:
        axis.angle, axis.boxAnchor, axis.dy = 30, "ne", -2
    else:
        axis.angle, axis.boxAnchor, axis.dy = 0, "n", -3


def _hbar(chart: Chart, width: float) -> Drawing:
    categories = [short_label(c) for c in chart.categories[:MAX_HBARS]]
    rows = len(categories)
    height = 40.0 + max(rows, 1) * 14.0 * max(1, len(chart.series)) ** 0.5 + 20
    drawing = Drawing(width, height)
    plot = HorizontalBarChart()
    plot.x, plot.y, plot.width, plot.height = 150, 20, width - 170, height - 50
    plot.data = [tuple(v[:MAX_HBARS]) for v in _values(chart)]
    plot.categoryAxis.categoryNames = list(reversed(categories))
    plot.data = [tuple(reversed(v)) for v in plot.data]
    plot.categoryAxis.labels.fontName, plot.categoryAxis.labels.fontSize = FONT, 7
    plot.categoryAxis.labels.boxAnchor = "e"
    plot.valueAxis.valueMin, plot.valueAxis.valueMax = 0, _top(chart)
    plot.valueAxis.labels.fontName, plot.valueAxis.labels.fontSize = FONT, 7
    plot.valueAxis.labelTextFormat = _axis_format(_top(chart))
    for k in range(len(chart.series)):
        plot.bars[k].fillColor, plot.bars[k].strokeColor = PALETTE[k % len(PALETTE)], None
    drawing.add(plot)
    shown = chart if len(chart.categories) <= MAX_HBARS else _first(chart)
    drawing.add(_title(shown, width, height))
    if len(chart.series) > 1:
        drawing.add(_legend(chart, width, height - 6))
    return drawing


def _first(chart: Chart) -> Chart:
    """The chart titled as showing only its first categories."""
    title = f"{chart.title} (first {MAX_HBARS} of {len(chart.categories)})"
    return Chart(chart.kind, title, chart.categories, chart.series, chart.unit)


def _axis_format(top: float) -> str:
    if top >= 10_000:
        return "%.0f"
    return "%.1f" if top < 10 else "%.0f"
