"""pyqtgraph charts of the analytics views: bar charts over categories and time charts, in the
ISA-101 greys of the current theme.

Normal data is drawn in muted greys; only a highlighted (selected or abnormal) bar is darker,
never coloured. A chart follows theme changes through :func:`hmi.restyle.restyle`, which sets
every plot's background to the new panel colour: :meth:`AnalyticsPlot.setBackground` reads the
palette back from that colour and redraws.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QWidget

from hmi.theme import DARK, LIGHT, Palette

log = logging.getLogger(__name__)

MAX_LABEL = 14
REGION_ALPHA = 40
MAX_TICKS = 12
"""At most this many category labels on an axis (every n-th one beyond that, or beyond what
the axis has room for)."""


def palette_of(background: object, current: Palette) -> Palette:
    """The theme palette whose panel colour is ``background`` (``current`` when neither)."""
    for palette in (LIGHT, DARK):
        if isinstance(background, str) and background.lower() == palette.panel.lower():
            return palette
    return current


def short(label: str, limit: int = MAX_LABEL) -> str:
    """A category label shortened for an axis (the full text is in the table)."""
    return label if len(label) <= limit else label[: limit - 1] + "…"


class AnalyticsPlot(pg.PlotWidget):  # type: ignore[misc]  # pyqtgraph is untyped
    """A plot in the theme's colours; ``utc_offset_s`` gives a plant-time date axis."""

    def __init__(
        self,
        palette: Palette,
        *,
        name: str,
        utc_offset_s: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        axes = {}
        if utc_offset_s is not None:
            axes["bottom"] = pg.DateAxisItem(orientation="bottom", utcOffset=-utc_offset_s)
        super().__init__(parent, background=palette.panel, axisItems=axes)
        self.palette_ = palette
        self._categories: dict[str, list[str]] = {}
        self.redraw_hooks: list[Callable[[], None]] = []
        self.setObjectName(name)
        self.setMenuEnabled(False)
        self.hideButtons()
        self.showGrid(x=False, y=True, alpha=0.25)
        for axis in ("left", "bottom"):
            self.getAxis(axis).enableAutoSIPrefix(False)
        self.setMinimumHeight(160)
        self.setBackground(palette.panel)

    def setBackground(self, background: object) -> None:  # noqa: N802 (pyqtgraph API)
        """Set the background; a theme's panel colour switches the chart to that theme."""
        super().setBackground(background)
        current = getattr(self, "palette_", None)
        if current is None:
            return
        palette = palette_of(background, current)
        changed = palette is not current
        self.palette_ = palette
        self._style_axes()
        if changed:
            for hook in self.redraw_hooks:
                hook()

    def _style_axes(self) -> None:
        for name in ("left", "bottom"):
            axis = self.getAxis(name)
            axis.setPen(self.palette_.muted)
            axis.setTextPen(self.palette_.text)

    def set_categories(self, labels: Sequence[str], axis: str = "bottom") -> None:
        """Label an axis 0, 1, 2... with category names: every n-th when they would not fit
        side by side (the touch panel's larger type), again whenever the chart is resized."""
        self._categories[axis] = [short(text) for text in labels]
        self._label_axis(axis)

    def _label_axis(self, axis: str) -> None:
        shown = self._categories.get(axis, [])
        step = max(1, -(-len(shown) // self._label_room(axis, shown)))
        ticks = [(float(i), text) for i, text in enumerate(shown) if i % step == 0]
        item = self.getAxis(axis)
        item.setTicks([ticks, []])
        if axis == "bottom":  # room for the whole line (pyqtgraph's guess cuts the descenders)
            gap = max(0, item.style["tickLength"]) + item.style["tickTextOffset"][1]
            item.setHeight(self._tick_metrics(axis).height() + gap)

    def _tick_metrics(self, axis: str) -> QFontMetrics:
        return QFontMetrics(self.getAxis(axis).style.get("tickFont") or self.font())

    def _label_room(self, axis: str, shown: Sequence[str]) -> int:
        """How many of the labels fit along the axis without touching (``MAX_TICKS`` at most)."""
        metrics = self._tick_metrics(axis)
        along = self.getAxis(axis).geometry()
        if axis in ("left", "right"):
            room = along.height() / max(metrics.height() * 1.2, 1)
        else:
            widest = max((metrics.horizontalAdvance(text) for text in shown), default=0)
            room = along.width() / max(widest + metrics.averageCharWidth() * 2, 1)
        return max(1, min(MAX_TICKS, int(room)))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt API)
        """Thin the category labels out (or in) to the new size."""
        super().resizeEvent(event)
        for axis in getattr(self, "_categories", {}):
            self._label_axis(axis)

    def bars(
        self, heights: Sequence[float | None], highlight: Sequence[int] = ()
    ) -> pg.BarGraphItem:
        """Grey bars at 0, 1, 2...; missing values are left out; ``highlight`` bars darker."""
        values = np.array([np.nan if h is None else h for h in heights], dtype=np.float64)
        shown = np.isfinite(values)
        x = np.arange(values.size, dtype=np.float64)[shown]
        marked = set(highlight)
        brushes = [
            self.palette_.text if int(i) in marked else self.palette_.muted for i in x.tolist()
        ]
        item = pg.BarGraphItem(x=x, height=values[shown], width=0.7, brushes=brushes, pen=None)
        self.addItem(item)
        return item

    def hbars(
        self, labels: Sequence[str], values: Sequence[float | None], highlight: Sequence[int] = ()
    ) -> pg.BarGraphItem:
        """Horizontal grey bars, the first category on top, names on the left axis."""
        widths = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        shown = np.isfinite(widths)
        y = np.arange(widths.size, dtype=np.float64)[shown]
        marked = set(highlight)
        brushes = [self.palette_.text if int(i) in marked else self.palette_.muted for i in y]
        item = pg.BarGraphItem(
            x0=0.0, y=y, width=widths[shown], height=0.7, brushes=brushes, pen=None
        )
        self.addItem(item)
        self.set_categories(labels, axis="left")
        self.getPlotItem().invertY(True)
        return item

    def line(
        self, x: np.ndarray, y: np.ndarray, *, dashed: bool = False, strong: bool = False
    ) -> pg.PlotDataItem:
        """A curve: the theme's first pen colour, or the text colour when ``strong``."""
        colour = self.palette_.text if strong else self.palette_.pens[0]
        style = pg.QtCore.Qt.PenStyle.DashLine if dashed else pg.QtCore.Qt.PenStyle.SolidLine
        item = pg.PlotDataItem(x, y, pen=pg.mkPen(colour, width=1.6, style=style))
        self.addItem(item)
        return item

    def band(self, x: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> pg.FillBetweenItem:
        """A shaded band between two curves (a prediction interval)."""
        low = pg.PlotDataItem(x, lower, pen=pg.mkPen(self.palette_.grid))
        high = pg.PlotDataItem(x, upper, pen=pg.mkPen(self.palette_.grid))
        fill = pg.FillBetweenItem(low, high, brush=pg.mkBrush(self.palette_.normal_band))
        for item in (fill, low, high):
            self.addItem(item)
        fill.setZValue(-10)
        return fill

    def region(
        self, x0: float, x1: float, text: str = "", label_at: float = 0.92
    ) -> pg.LinearRegionItem:
        """A shaded span (an anomaly, a failure band): neutral shade, dotted edges, a label."""
        fill = pg.mkColor(self.palette_.text)
        fill.setAlpha(REGION_ALPHA)
        edge = pg.mkPen(self.palette_.text, width=1, style=pg.QtCore.Qt.PenStyle.DotLine)
        item = pg.LinearRegionItem(values=(x0, max(x0, x1)), movable=False, brush=fill, pen=edge)
        item.setZValue(-10)
        if text:
            pg.InfLineLabel(
                item.lines[0], text, position=label_at, anchor=(0, 1), color=self.palette_.text
            )
        self.addItem(item, ignoreBounds=True)
        return item

    def marker(self, x: float, text: str = "", *, vertical: bool = True) -> pg.InfiniteLine:
        """A dashed reference line (a threshold, a failure time) with an optional label."""
        line = pg.InfiniteLine(
            pos=x,
            angle=90 if vertical else 0,
            pen=pg.mkPen(self.palette_.text, width=1, style=pg.QtCore.Qt.PenStyle.DashLine),
            label=text or None,
            labelOpts={"color": self.palette_.text, "position": 0.9},
        )
        self.addItem(line, ignoreBounds=True)
        return line
