"""Anomalies: the advisory anomaly events of the live detectors (ISA-18.2 alerts, not alarms),
open and closed, with their tag, start and end, peak score and the value at the peak; filters
by period, state and text; "trend this" opens the trend on the event's window.

Events are read with :func:`core.analytics.live.list_events` in a worker. Open events are shown
by text and a bold weight, never by colour (colour is for alarms).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QLineEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.analytics.live import AnomalyEvent, list_events
from core.model import NS_PER_S, now_ns
from hmi.background import BackgroundTask
from hmi.context import HmiContext
from hmi.formatting import duration_text, value_text
from hmi.icons import icon_button
from hmi.models.records import Column, TextFilterProxy
from hmi.views.analytics.charts import AnalyticsPlot
from hmi.views.analytics.common import EmphasisModel, PeriodPicker
from hmi.views.analytics.nav import register_analytics_icons
from hmi.widgets.flow_layout import FlowBar, labelled, wrapped_height
from hmi.widgets.tables import make_table

log = logging.getLogger(__name__)

REFRESH_MS = 15_000
MAX_EVENTS = 5000
MIN_PAD_NS = 10 * 60 * NS_PER_S
PREVIEW_POINTS = 1500
STATES = ("all", "open", "closed")
TrendWindow = Callable[[str, int, int], None]
"""Show a tag's trend over ``[start_ns, end_ns]`` (the main window's "trend this")."""


def event_window(event: AnomalyEvent, now: int) -> tuple[int, int]:
    """The trend window of an event: the event (open ones up to now) with half its length,
    at least ten minutes, on either side."""
    end = event.end_ns if event.end_ns is not None else now
    pad = max((end - event.start_ns) // 2, MIN_PAD_NS)
    return event.start_ns - pad, end + pad


def _duration(event: AnomalyEvent) -> str:
    end = event.end_ns if event.end_ns is not None else now_ns()
    seconds = round((end - event.start_ns) / NS_PER_S)
    return duration_text(seconds) if seconds else "0 s"


def event_columns(ctx: HmiContext) -> list[Column[AnomalyEvent]]:
    """Columns of the event list."""
    when = ctx.clock.datetime_text
    return [
        Column("State", lambda e: "open" if e.is_open else "closed", lambda e: not e.is_open),
        Column("Tag", lambda e: e.tag),
        Column("Start", lambda e: when(e.start_ns), lambda e: e.start_ns),
        Column(
            "End", lambda e: when(e.end_ns) if e.end_ns else "(open)", lambda e: e.end_ns or 2**63
        ),
        Column("Duration", _duration, lambda e: (e.end_ns or now_ns()) - e.start_ns),
        Column("Peak score", lambda e: f"{e.peak_score:.2f}", lambda e: e.peak_score),
        Column("Value at peak", lambda e: value_text(e.peak_value, _unit(ctx, e.tag))),
        Column("Peak at", lambda e: when(e.peak_ns), lambda e: e.peak_ns),
        Column(
            "Baseline",
            lambda e: f"{value_text(e.baseline_median)} ± {value_text(e.baseline_sigma)}",
        ),
        Column("Detector", lambda e: e.detector),
        Column("Closed because", lambda e: e.close_reason.replace("_", " ")),
    ]


def _unit(ctx: HmiContext, tag: str) -> str:
    info = ctx.tag(tag)
    return info.unit if info is not None else ""


class AnomaliesView(QWidget):
    """The anomaly event list with filters and "trend this"."""

    def __init__(
        self, ctx: HmiContext, trend: TrendWindow | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        register_analytics_icons()
        self.ctx = ctx
        self.trend = trend
        self.picker = PeriodPicker(ctx.clock, default="last 7 days")
        self.state = QComboBox()
        self.state.setObjectName("anomaly_state")
        self.state.addItems(list(STATES))
        self.search = QLineEdit()
        self.search.setObjectName("anomaly_search")
        self.search.setPlaceholderText("filter: tag, detector…")
        self.refresh_button = icon_button("refresh", "Refresh")
        self.trend_button = icon_button("trend_this", "Trend this")
        self.trend_button.setObjectName("anomaly_trend")
        self.model = EmphasisModel(event_columns(ctx), lambda e: e.is_open)
        self.proxy = TextFilterProxy()
        self.proxy.setSourceModel(self.model)
        self.table = make_table(self.proxy, "anomaly_events", stretch_column=10, sort_column=2)
        offset = ctx.clock.utc_offset_s(now_ns())
        self.preview = AnalyticsPlot(ctx.palette, name="anomaly_preview", utc_offset_s=offset)
        self.preview.redraw_hooks.append(self.show_preview)
        self.preview_data: tuple[AnomalyEvent, Any] | None = None
        self.summary = QLabel("")
        self.status = QLabel("")
        self.status.setProperty("role", "caption")
        self.status.setWordWrap(True)
        self.task = BackgroundTask(ctx, self, "anomaly events", self.status)
        self.preview_task = BackgroundTask(ctx, self, "anomaly preview", self.status)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._build()
        self._connect()

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt API)
        """The minimum height with the bars' wrapped rows (a touch scroll area sizes by it)."""
        return wrapped_height(self.layout(), width)

    def _build(self) -> None:
        self.search.setMinimumWidth(200)
        bar = FlowBar([self.picker, labelled("State", self.state), self.search])
        bar.add(self.refresh_button)
        bar.add(self.trend_button)
        note = QLabel(
            "Anomalies are advisory: the detectors flag unusual behaviour; they are not alarms."
        )
        note.setProperty("role", "caption")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(bar)
        layout.addWidget(note)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.preview)
        split.setSizes([380, 260])
        layout.addWidget(split, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.status)

    def _connect(self) -> None:
        self.picker.changed.connect(self.refresh)
        self.state.currentTextChanged.connect(self._filter)
        self.search.textChanged.connect(self.proxy.set_text)
        self.refresh_button.clicked.connect(self.refresh)
        self.trend_button.clicked.connect(self.trend_selected)
        self.table.doubleClicked.connect(lambda _i: self.trend_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self.load_preview())

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self.refresh()
        self._timer.start(REFRESH_MS)

    def hideEvent(self, event: Any) -> None:  # noqa: N802 (Qt API)
        super().hideEvent(event)
        self._timer.stop()

    def refresh(self) -> int:
        """Read the events of the chosen period in a worker; returns the request's generation."""
        start, end = self.picker.period()
        if end <= start:
            self.task.say("the period ends before it starts", failed=True)
            return self.task.generation
        engine = self.ctx.historian.engine
        work = lambda: list_events(engine, start, end, limit=MAX_EVENTS)  # noqa: E731
        return self.task.run(work, self._loaded, "reading anomaly events…")

    def _loaded(self, events: list[AnomalyEvent]) -> None:
        first = not self.model.rowCount()
        self.model.update_records(events)
        if first:
            self.table.resizeColumnsToContents()
        self._filter(self.state.currentText())
        opened = sum(e.is_open for e in events)
        tags = len({e.tag for e in events})
        self.summary.setText(f"{len(events)} event(s) on {tags} tag(s), {opened} open")
        self.task.say(f"read at {self.ctx.clock.time_text(now_ns())}")

    def _filter(self, state: str) -> None:
        if state == "open":
            self.proxy.set_predicate(lambda e: e.is_open)
        elif state == "closed":
            self.proxy.set_predicate(lambda e: not e.is_open)
        else:
            self.proxy.set_predicate(None)

    def selected(self) -> AnomalyEvent | None:
        """The selected event."""
        rows = self.table.selectionModel().selectedRows()
        return self.proxy.record(rows[0].row()) if rows else None

    def load_preview(self) -> int:
        """Read the selected event's tag around the event (worker), then draw it."""
        event = self.selected()
        if event is None:
            return self.preview_task.generation
        start, end = event_window(event, now_ns())
        historian = self.ctx.historian
        work = lambda: historian.history(event.tag, start, end, PREVIEW_POINTS)  # noqa: E731
        done = lambda series: self._previewed(event, series)  # noqa: E731
        return self.preview_task.run(work, done, f"reading {event.tag}…")

    def _previewed(self, event: AnomalyEvent, series: Any) -> None:
        self.preview_data = (event, series)
        self.show_preview()
        self.preview_task.say(f"{len(series)} point(s) of {event.tag} ({series.source})")

    def show_preview(self) -> None:
        """The event's tag around the event, the event shaded."""
        self.preview.clear()
        if self.preview_data is None:
            return
        event, series = self.preview_data
        end = event.end_ns if event.end_ns is not None else now_ns()
        self.preview.line(series.ts_ns / NS_PER_S, series.values)
        self.preview.region(event.start_ns / NS_PER_S, end / NS_PER_S, "anomaly")
        self.preview.setLabel("left", _unit(self.ctx, event.tag) or "value")
        self.preview.setTitle(f"{event.tag}: peak score {event.peak_score:.2f}")

    def trend_selected(self) -> None:
        """Open the trend of the selected event's tag over the event's window."""
        event = self.selected()
        if event is None:
            self.task.say("select an event first")
            return
        start, end = event_window(event, now_ns())
        if self.trend is not None:
            self.trend(event.tag, start, end)
        else:
            self.ctx.nav.trend_tag.emit(event.tag)
