"""The chart: pyqtgraph plots with linked time axes, Y axes per pen group, a cursor, tag drops.

``stacked``: one plot per Y-axis group, one above the other, time axes linked.
``overlay``: one plot; the first group uses its left axis, every further group gets a view box
and an axis of its own on the right. Each pen is drawn twice: good points solid, bad or
uncertain (stale, substituted, comms lost) points dashed. Curves use peak downsampling and
clip to the view, so a week of points costs what the screen can show.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QPen
from PySide6.QtWidgets import QWidget

from core.model import NS_PER_S, now_ns
from hmi.theme import Palette
from hmi.views.trends.pens import Pen, held, seconds, split_by_quality

TAG_MIME = "application/x-controldeck-tags"
LINE_WIDTH = 1.6
ENVELOPE_WIDTH = 1.0
"""Pen width when there are more points than pixels: the min/max envelope is a filled band
either way, and a wide pen costs several times more to paint (measured: bench.hmi_bench)."""


def tags_from_mime(mime: QMimeData) -> list[str]:
    """Tag names carried by a drag (our own format, else plain text lines)."""
    if mime.hasFormat(TAG_MIME):
        raw = bytes(mime.data(TAG_MIME).data()).decode("utf-8")
    elif mime.hasText():
        raw = mime.text()
    else:
        return []
    return [line.strip() for line in raw.splitlines() if line.strip()]


class PlotStack(pg.GraphicsLayoutWidget):  # type: ignore[misc]  # pyqtgraph is untyped
    """Plots, curves, cursor and drop target of the trend view."""

    tags_dropped = Signal(list)
    range_changed_by_user = Signal(float, float)
    cursor_moved = Signal(float)

    def __init__(self, palette: Palette, utc_offset_s: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.palette_ = palette
        self.utc_offset_s = utc_offset_s
        self.plots: list[pg.PlotItem] = []
        self.boxes: dict[str, pg.ViewBox] = {}
        self.curves: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}
        self.cursors: list[pg.InfiniteLine] = []
        self.cursor_x: float | None = None
        self.layout_mode = "stacked"
        self._extra_boxes: list[pg.ViewBox] = []
        self.setBackground(palette.panel)

    # -- building -------------------------------------------------------------------------------
    def rebuild(self, pens: list[Pen], layout: str) -> None:
        """Recreate plots and curves for the pens (after adding/removing pens or a layout change)."""
        x_range = self.x_range() if self.plots else None
        self.clear()
        self.plots, self.boxes, self.curves, self.cursors = [], {}, {}, []
        self._extra_boxes = []
        self.layout_mode = layout
        groups = list(dict.fromkeys(p.axis for p in pens)) or [""]
        if layout == "overlay":
            self._build_overlay(groups)
        else:
            self._build_stacked(groups)
        for pen in pens:
            self._add_curves(pen)
        for plot in self.plots:
            plot.vb.sigRangeChangedManually.connect(self._manual_range)
        if self.cursor_x is not None:
            self.set_cursor(self.cursor_x)
        if x_range is not None:
            self.set_x_range(*x_range)

    def _new_plot(self, row: int, bottom_labels: bool) -> pg.PlotItem:
        axis = pg.DateAxisItem(orientation="bottom", utcOffset=-self.utc_offset_s)
        plot = self.addPlot(row=row, col=0, axisItems={"bottom": axis})
        plot.showGrid(x=False, y=True, alpha=0.25)  # vertical lines would move on every scroll
        plot.setMenuEnabled(False)
        plot.hideButtons()
        if not bottom_labels:
            plot.hideAxis("bottom")  # stacked: only the lowest plot carries the time axis
        for name in ("left", "bottom"):
            plot.getAxis(name).setPen(self.palette_.muted)
            plot.getAxis(name).setTextPen(self.palette_.text)
        for name in ("left", "bottom", "top", "right"):
            plot.getAxis(name).enableAutoSIPrefix(False)  # no label rewrite on each range change
        plot.vb.enableAutoRange(x=False, y=True)
        plot.vb.setAutoVisible(y=True)
        if self.plots:
            plot.setXLink(self.plots[0])
        self.plots.append(plot)
        return plot

    def _build_stacked(self, groups: list[str]) -> None:
        for row, group in enumerate(groups):
            plot = self._new_plot(row, bottom_labels=row == len(groups) - 1)
            plot.setLabel("left", group)
            self.boxes[group] = plot.vb

    def _build_overlay(self, groups: list[str]) -> None:
        plot = self._new_plot(0, bottom_labels=True)
        plot.setLabel("left", groups[0])
        self.boxes[groups[0]] = plot.vb
        for k, group in enumerate(groups[1:]):
            box = pg.ViewBox()
            axis = pg.AxisItem("right")
            axis.setPen(self.palette_.muted)
            axis.setTextPen(self.palette_.text)
            axis.enableAutoSIPrefix(False)
            plot.layout.addItem(axis, 2, 3 + k)
            plot.scene().addItem(box)
            axis.linkToView(box)
            axis.setLabel(group)
            box.setXLink(plot)
            box.enableAutoRange(y=True)
            box.setAutoVisible(y=True)
            self.boxes[group] = box
            self._extra_boxes.append(box)
        plot.vb.sigResized.connect(self._sync_overlay)
        self._sync_overlay()

    def _sync_overlay(self) -> None:
        if not self.plots:
            return
        main = self.plots[0].vb
        for box in self._extra_boxes:
            box.setGeometry(main.sceneBoundingRect())
            box.linkedViewChanged(main, box.XAxis)

    def _add_curves(self, pen: Pen) -> None:
        box = self.boxes[pen.axis]
        solid = pg.PlotDataItem(pen=pg.mkPen(pen.colour, width=LINE_WIDTH), connect="finite")
        dashed = pg.PlotDataItem(
            pen=pg.mkPen(pen.colour, width=LINE_WIDTH, style=Qt.PenStyle.DashLine),
            connect="finite",
        )
        for curve in (solid, dashed):
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
            box.addItem(curve)
        self.curves[pen.tag] = (solid, dashed)

    # -- drawing --------------------------------------------------------------------------------
    def redraw(self, pens: list[Pen], x0: float, x1: float) -> None:
        """Give every curve the pen's points around the visible range (the one redraw timer)."""
        margin = (x1 - x0) * 0.05
        start, end = int((x0 - margin) * NS_PER_S), int((x1 + margin) * NS_PER_S)
        hold_until = min(int(x1 * NS_PER_S), now_ns())
        for pen in pens:
            curves = self.curves.get(pen.tag)
            if curves is None:
                continue
            ts, values, quality = held(*pen.buffer.window(start, end), hold_until)
            x = seconds(ts)
            solid, dashed = split_by_quality(values, quality)
            width = ENVELOPE_WIDTH if len(x) > self.plot_width_px() else LINE_WIDTH
            for curve, y in zip(curves, (solid, dashed), strict=True):
                _set_width(curve, width)
                curve.setData(x, y)

    def set_x_range(self, x0: float, x1: float) -> None:
        """Show a time range (seconds); not reported as a user change."""
        if self.plots and x1 > x0:
            self.plots[0].vb.setXRange(x0, x1, padding=0)

    def x_range(self) -> tuple[float, float]:
        """The visible time range in seconds."""
        if not self.plots:
            return 0.0, 1.0
        x0, x1 = self.plots[0].vb.viewRange()[0]
        return float(x0), float(x1)

    def plot_width_px(self) -> int:
        """Width of the data area (how many points are worth fetching)."""
        if not self.plots:
            return int(self.width())
        return max(int(self.plots[0].vb.width()), 1)

    def _manual_range(self, _mask: object) -> None:
        self.range_changed_by_user.emit(*self.x_range())

    # -- cursor ---------------------------------------------------------------------------------
    def set_cursor(self, x: float | None) -> None:
        """Show the read-out cursor at ``x`` (seconds) on every plot, or hide it (None)."""
        for plot, line in zip(self.plots, self.cursors, strict=False):
            plot.removeItem(line)
        self.cursors = []
        self.cursor_x = x
        if x is None:
            return
        for plot in self.plots:
            line = pg.InfiniteLine(
                pos=x, angle=90, movable=True, pen=pg.mkPen(self.palette_.text, width=1)
            )
            line.sigPositionChanged.connect(self._cursor_dragged)
            plot.addItem(line, ignoreBounds=True)
            self.cursors.append(line)
        self.cursor_moved.emit(x)

    def _cursor_dragged(self, moved: pg.InfiniteLine) -> None:
        x = float(moved.value())
        if x == self.cursor_x:
            return
        self.cursor_x = x
        for line in self.cursors:
            if line is not moved:
                line.blockSignals(True)
                line.setValue(x)
                line.blockSignals(False)
        self.cursor_moved.emit(x)

    # -- drag and drop --------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt API)
        if tags_from_mime(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 (Qt API)
        if tags_from_mime(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt API)
        tags = tags_from_mime(event.mimeData())
        if not tags:
            event.ignore()
            return
        event.acceptProposedAction()
        self.tags_dropped.emit(tags)


def _set_width(curve: pg.PlotDataItem, width: float) -> None:
    """Change a curve's pen width (only when it differs: a new pen repaints)."""
    current = curve.opts["pen"]
    if isinstance(current, QPen) and current.widthF() != width:
        thinner = QPen(current)
        thinner.setWidthF(width)
        curve.setPen(thinner)


def visible_rows(pen: Pen, x0: float, x1: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pen's points inside a time range in seconds (copies, for export)."""
    ts, values, quality = pen.buffer.window(int(x0 * NS_PER_S), int(x1 * NS_PER_S))
    return ts.copy(), values.copy(), quality.copy()
