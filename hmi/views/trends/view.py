"""The trend view: tag browser, chart, pen legend; live scrolling or history, one redraw timer.

Pens come from the tag browser (drag, double-click, "Add") or from "trend this" anywhere.
In live mode the time axis scrolls with the newest data (points come through the bridge); a
pan or zoom by the operator switches to history: the visible range is fetched in a worker,
min/max-decimated. Presets (10 min, 1 h, 8 h, 24 h, 7 d) and a custom range set the span.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHeaderView, QLabel, QSplitter, QTableView, QVBoxLayout, QWidget

from core.model import NS_PER_S, now_ns
from hmi.bridge import LiveUpdate
from hmi.context import HmiContext
from hmi.theme import Palette
from hmi.views.trends.actions import TrendActions
from hmi.views.trends.anomaly_markers import AnomalyMarkers
from hmi.views.trends.history import HistoryLoader, HistoryResult, describe, points_for_width
from hmi.views.trends.pen_table import PenTableModel
from hmi.views.trends.pens import DEFAULT_SPAN_S, LIVE_MARGIN_S, Pen
from hmi.views.trends.plots import PlotStack
from hmi.views.trends.toolbar import TrendToolbar
from hmi.widgets.tag_browser import TagBrowser

log = logging.getLogger(__name__)

REDRAW_MS = 100
HISTORY_DEBOUNCE_MS = 150


class TrendView(QWidget):
    """Trends with any number of pens."""

    pens_changed = Signal()

    def __init__(self, ctx: HmiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.pens: list[Pen] = []
        self.span_s: float = DEFAULT_SPAN_S
        self.live = True
        self.layout_mode = "stacked"
        self.toolbar = TrendToolbar()
        self.browser = TagBrowser()
        self.browser.set_tags(ctx.registry)
        self.plots = PlotStack(ctx.palette, ctx.clock.utc_offset_s(now_ns()))
        self.table_model = PenTableModel(ctx.clock)
        self.table = QTableView()
        self.table.setObjectName("trend_pens")
        self.table.setModel(self.table_model)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        self.table.setMinimumHeight(120)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.status = QLabel("")
        self.status.setProperty("role", "caption")
        self.history = HistoryLoader(ctx.historian, ctx.workers, self)
        self.tools = TrendActions(self)
        self._build()
        self._connect()
        self.anomalies = AnomalyMarkers(self)
        self._redraw_timer = QTimer(self)
        self._redraw_timer.timeout.connect(self.redraw)
        self._redraw_timer.start(REDRAW_MS)
        self._history_timer = QTimer(self)
        self._history_timer.setSingleShot(True)
        self._history_timer.timeout.connect(self.request_history)
        self.toolbar.show_preset(DEFAULT_SPAN_S)
        self._dirty = True
        self.plots.rebuild(self.pens, self.layout_mode)
        self._scroll_live()

    def _build(self) -> None:
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.plots)
        right.addWidget(self.table)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        right.setSizes([520, 170])
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(self.browser)
        main.addWidget(right)
        main.setStretchFactor(1, 4)
        main.setSizes([220, 900])
        layout = QVBoxLayout(self)
        layout.addWidget(self.toolbar)
        layout.addWidget(main, 1)
        layout.addWidget(self.status)

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt API)
        """The minimum height plus the toolbar's wrapped rows (a touch scroll area sizes by it)."""
        margins = self.layout().contentsMargins()
        inner = width - margins.left() - margins.right()
        return self.minimumSizeHint().height() + self.toolbar.extra_height(inner)

    def _connect(self) -> None:
        bar = self.toolbar
        bar.live_toggled.connect(self.set_live)
        bar.preset_chosen.connect(self.set_span)
        bar.layout_toggled.connect(lambda on: self.set_layout("overlay" if on else "stacked"))
        bar.cursor_toggled.connect(self.show_cursor)
        bar.custom_requested.connect(self.tools.choose_custom_range)
        bar.own_axis_requested.connect(self.tools.own_axis)
        bar.share_axis_requested.connect(self.tools.share_axis)
        bar.remove_requested.connect(self.tools.remove_selected)
        bar.save_requested.connect(self.tools.ask_save_view)
        bar.view_chosen.connect(self.tools.load_view)
        bar.csv_requested.connect(self.tools.ask_export_csv)
        bar.png_requested.connect(self.tools.ask_export_png)
        bar.set_views(self.tools.store.names())
        self.browser.add_requested.connect(self.add_pens)
        self.plots.tags_dropped.connect(self.add_pens)
        self.plots.range_changed_by_user.connect(self._user_moved)
        self.plots.cursor_moved.connect(lambda x: self.table_model.set_cursor(int(x * NS_PER_S)))
        self.history.loaded.connect(self._history_loaded)
        self.ctx.bridge.updated.connect(self._on_live)
        self.table_model.dataChanged.connect(self._maybe_axis_edit)

    # -- pens -----------------------------------------------------------------------------------
    def add_pens(self, tags: list[str]) -> list[Pen]:
        """Add pens for tags (known tags, not yet on the chart); returns the new pens."""
        added = [pen for tag in tags if (pen := self._new_pen(tag)) is not None]
        if added:
            self._pens_changed()
        return added

    def add_pen(self, tag: str) -> Pen | None:
        """Add one pen ("trend this")."""
        added = self.add_pens([tag])
        return added[0] if added else None

    def _new_pen(self, tag: str) -> Pen | None:
        info = self.ctx.tag(tag)
        if info is None or any(p.tag == tag for p in self.pens):
            return None
        colours = self.ctx.palette.pens
        used = {p.colour for p in self.pens}
        colour = next((c for c in colours if c not in used), colours[len(self.pens) % len(colours)])
        pen = Pen(info.name, info.id, colour, info.unit)
        live = self.ctx.collector.pipeline.live.get(info.id)
        if live is not None:
            pen.live_value, pen.live_quality = live.value, int(live.quality)
        self.ctx.bridge.watch(info.id)
        self.pens.append(pen)
        return pen

    def remove_pens(self, tags: list[str]) -> None:
        """Take pens off the chart."""
        for pen in [p for p in self.pens if p.tag in tags]:
            self.ctx.bridge.unwatch(pen.tag_id)
            self.pens.remove(pen)
        self._pens_changed()

    def set_axis(self, tags: list[str], axis: str) -> None:
        """Put pens on one Y axis (same name = shared, a new name = their own)."""
        for pen in self.pens:
            if pen.tag in tags:
                pen.axis = axis
        self._pens_changed(fetch=False)

    def _maybe_axis_edit(self) -> None:
        if self.table_model.axis_edited:
            self.table_model.axis_edited.clear()
            QTimer.singleShot(0, lambda: self._pens_changed(fetch=False))

    def _pens_changed(self, fetch: bool = True) -> None:
        self.plots.rebuild(self.pens, self.layout_mode)
        self.table_model.set_pens(self.pens)
        self._dirty = True
        if fetch:
            self.request_history()
        self.pens_changed.emit()

    def set_layout(self, mode: str) -> None:
        """``stacked`` or ``overlay``."""
        self.layout_mode = mode
        self.toolbar.overlay.setChecked(mode == "overlay")
        self._pens_changed(fetch=False)

    # -- time -----------------------------------------------------------------------------------
    def set_live(self, live: bool) -> None:
        """Scroll with the newest data, or hold the current range."""
        if live == self.live:
            return
        self.live = live
        self.toolbar.live.setChecked(live)
        if live:
            self._scroll_live()
            self.request_history()

    def set_span(self, span_s: float) -> None:
        """A preset span: live mode shows the last ``span_s``; history keeps the end time."""
        self.span_s = float(span_s)
        self.toolbar.show_preset(int(span_s))
        if self.live:
            self._scroll_live()
        else:
            _, x1 = self.plots.x_range()
            self.plots.set_x_range(x1 - span_s, x1)
        self.request_history()

    def set_time_range(self, start_ns: int, end_ns: int) -> None:
        """Show a fixed range (history mode)."""
        self.set_live(False)
        self.span_s = (end_ns - start_ns) / NS_PER_S
        self.toolbar.show_preset(None)
        self.plots.set_x_range(start_ns / NS_PER_S, end_ns / NS_PER_S)
        self.request_history()

    def _scroll_live(self) -> None:
        end = now_ns() / NS_PER_S
        self.plots.set_x_range(end - self.span_s, end)

    def _user_moved(self, x0: float, x1: float) -> None:
        if self.live:
            self.set_live(False)
        self.span_s = x1 - x0
        self.toolbar.show_preset(None)
        known = self.history.ready(*self._visible())  # drawn at once: no query, no debounce
        self._history_timer.start(0 if known else HISTORY_DEBOUNCE_MS)

    def _visible(self) -> tuple[list[str], int, int, int]:
        """Tags, range (ns, not past now) and point budget of the visible chart."""
        x0, x1 = self.plots.x_range()
        budget = points_for_width(self.plots.plot_width_px(), x1 - x0)
        start, end = max(int(x0 * NS_PER_S), 0), min(int(x1 * NS_PER_S), now_ns())
        return [p.tag for p in self.pens], start, end, budget

    def request_history(self) -> int:
        """Fetch the visible range (known spans at once, the rest in a worker); its generation."""
        tags, start, end, budget = self._visible()
        self.status.setText("loading history…" if tags and end > start else "")
        return self.history.request(tags, start, end, budget)

    def _history_loaded(self, result: HistoryResult) -> None:
        sources: set[str] = set()
        for pen in self.pens:
            series = result.series.get(pen.tag)
            if series is not None:
                pen.buffer.replace(
                    series.ts_ns, series.values, series.quality, keep_newer=self.live
                )
                sources.add(series.source)
        self.status.setText(describe(result, sources))
        self._dirty = True
        self.redraw()  # now, not at the next redraw tick

    # -- live data and drawing ------------------------------------------------------------------
    def _on_live(self, update: LiveUpdate) -> None:
        for pen in self.pens:
            chunk = update.trend.get(pen.tag_id)
            if chunk is not None and pen.buffer.append(chunk.ts_ns, chunk.values, chunk.quality):
                self._dirty = True
            live = update.latest.get(pen.tag_id)
            if live is not None:
                pen.live_value, pen.live_quality = live.value, int(live.quality)

    def redraw(self) -> None:
        """The one redraw: scroll (live), trim buffers, hand points to the curves."""
        if self.live:
            self._scroll_live()
        x0, x1 = self.plots.x_range()
        if self.live:
            keep_from = int((x0 - LIVE_MARGIN_S) * NS_PER_S)
            for pen in self.pens:
                pen.buffer.trim_before(keep_from)
        if self._dirty:
            self.plots.redraw(self.pens, x0, x1)
            self.table_model.refresh_values()
            self._dirty = False

    def set_palette(self, palette: Palette) -> None:
        """Follow a theme change: background, axes and the pens' colours."""
        old = self.ctx.palette.pens
        for pen in self.pens:
            if pen.colour in old:
                pen.colour = palette.pens[old.index(pen.colour) % len(palette.pens)]
        self.ctx.palette = palette
        self.plots.palette_ = palette
        self.plots.setBackground(palette.panel)
        self._pens_changed(fetch=False)

    def show_cursor(self, on: bool) -> None:
        """Show the read-out cursor (in the middle of the visible data), or hide it."""
        self.toolbar.cursor_button.setChecked(on)
        self.plots.set_cursor(self.tools.cursor_start() if on else None)
        if not on:
            self.table_model.set_cursor(None)

    def closeEvent(self, event: object) -> None:  # noqa: N802 (Qt API)
        self._redraw_timer.stop()
        super().closeEvent(event)  # type: ignore[arg-type]
