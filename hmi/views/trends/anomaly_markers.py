"""The anomaly layer of the trend view: a shaded region for every anomaly event of a trended tag.

Events are read with :func:`core.analytics.live.list_events` in a worker for the visible range
widened by half a view on either side (:class:`EventSpan`); a pan or zoom that stays inside
that span, with the same tags, draws from it without a query (like the history's span cache).
Every ``REFRESH_MS`` in live mode (open events grow), when the span is older than ``SPAN_TTL_S``
or when a tag hit ``MAX_EVENTS_PER_TAG``, the events are read again. A pen of a score tag (``<tag>.anomaly``) shows the events of ``<tag>``. Regions
sit behind the curves, in a light neutral shade with dotted edges and an "anomaly" label:
anomalies are advisory, so they never take an alarm colour.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer

from core.analytics.live import SCORE_SUFFIX, AnomalyEvent, list_events
from core.model import NS_PER_S, now_ns

if TYPE_CHECKING:
    from hmi.views.trends.view import TrendView

log = logging.getLogger(__name__)

REFRESH_MS = 10_000
FILL_ALPHA = 40
MAX_EVENTS_PER_TAG = 500
SPAN_MARGIN = 0.5
"""Of the visible span, read ahead on either side so that small pans need no query."""
SPAN_TTL_S = 60.0
"""Seconds a read span answers pans (events found or closed meanwhile show after this)."""


def event_tag(pen_tag: str) -> str:
    """The tag whose events a pen shows (a score tag shows its source tag's)."""
    return pen_tag.removesuffix(SCORE_SUFFIX)


@dataclass(frozen=True)
class EventSpan:
    """What one read covered: the tags, the range and when it was asked for."""

    tags: frozenset[str]
    start_ns: int
    end_ns: int
    asked: float
    """``time.monotonic()`` of the request."""
    complete: bool = True
    """False when a tag reached ``MAX_EVENTS_PER_TAG`` (more events may lie in the range)."""

    def covers(self, tags: set[str], start_ns: int, end_ns: int) -> bool:
        """True when these events answer a view of ``tags`` over ``[start, end]``."""
        fresh = time.monotonic() - self.asked < SPAN_TTL_S
        inside = self.start_ns <= start_ns and end_ns <= self.end_ns
        return self.complete and fresh and inside and tags <= self.tags


@dataclass(frozen=True)
class Marker:
    """One drawn region: the event, the pen it marks, and the pyqtgraph items."""

    event: AnomalyEvent
    pen_tag: str
    start_s: float
    end_s: float
    box: pg.ViewBox
    region: pg.LinearRegionItem

    @property
    def shown(self) -> bool:
        """True while the region is in its plot (a rebuilt chart has deleted the old plots)."""
        if not (shiboken6.isValid(self.box) and shiboken6.isValid(self.region)):
            return False
        return bool(self.region.parentItem() is self.box.childGroup)


class AnomalyMarkers(QObject):
    """Keeps the anomaly regions of a trend view up to date."""

    def __init__(self, view: TrendView) -> None:
        super().__init__(view)
        self.view = view
        self.events: dict[str, list[AnomalyEvent]] = {}
        self.markers: list[Marker] = []
        self.generation = 0
        self.loads = 0
        self.queries = 0
        """Event reads started (tests: a small pan starts none)."""
        self.busy = False
        """The newest read has not answered yet."""
        self.span: EventSpan | None = None
        """The range and tags of the events read last (or being read)."""
        view.pens_changed.connect(self.refresh)
        view.history.loaded.connect(lambda _r: self.refresh())
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._timer.start(REFRESH_MS)

    def _tick(self) -> None:
        if self.view.live and self.view.pens and self.view.isVisible():
            self.refresh(force=True)

    def refresh(self, force: bool = False) -> int:
        """Show the events of the trended tags in the visible range: from the last read when it
        covers the view (unless ``force``), else read a wider span in a worker. Redraws at once
        with what is known so regions follow a rebuilt chart. Returns the read's generation."""
        self.draw()
        tags = {event_tag(p.tag) for p in self.view.pens}
        x0, x1 = self.view.plots.x_range()
        start, end = max(int(x0 * NS_PER_S), 0), max(int(x1 * NS_PER_S), 0)
        if not tags or end <= start:
            self.generation += 1
            self.events, self.span, self.busy = {}, None, False
            self.draw()
            return self.generation
        span = self.span
        if not force and span is not None and span.covers(tags, start, end):
            return self.generation  # drawn above from the events read for a wider span
        margin = int((end - start) * SPAN_MARGIN)
        return self._read(tags, max(start - margin, 0), end + margin)

    def _read(self, tags: set[str], start: int, end: int) -> int:
        """Read the events of ``tags`` in ``[start, end]`` in a worker."""
        self.generation += 1
        self.queries += 1
        self.busy = True
        self.span = EventSpan(frozenset(tags), start, end, time.monotonic())
        generation, engine, ordered = self.generation, self.view.ctx.historian.engine, sorted(tags)

        def work() -> dict[str, list[AnomalyEvent]]:
            return {
                t: list_events(engine, start, end, t, limit=MAX_EVENTS_PER_TAG) for t in ordered
            }

        self.view.ctx.workers.submit(
            work,
            lambda found: self._loaded(generation, found),
            lambda exc: self._failed(generation, exc),
            context=self.view,
            name="trend-anomalies",
        )
        return generation

    def _loaded(self, generation: int, found: dict[str, list[AnomalyEvent]]) -> None:
        if generation != self.generation:
            return
        self.busy = False
        if self.span is not None and any(len(e) >= MAX_EVENTS_PER_TAG for e in found.values()):
            self.span = EventSpan(self.span.tags, self.span.start_ns, self.span.end_ns, 0.0, False)
        self.events = found
        self.loads += 1
        self.draw()

    def _failed(self, generation: int, exc: BaseException) -> None:
        log.warning("anomaly events for the trend not read: %s", exc)
        if generation == self.generation:
            self.busy, self.span = False, None  # the next pan tries again

    def clear(self) -> None:
        """Take every region off the chart (boxes of a rebuilt chart are already gone)."""
        for marker in self.markers:
            if marker.shown:
                marker.box.removeItem(marker.region)
        self.markers = []

    def draw(self) -> None:
        """One region per event and pen, in the pen's plot."""
        self.clear()
        palette = self.view.ctx.palette
        now_s = now_ns() / NS_PER_S
        for pen in self.view.pens:
            box = self.view.plots.boxes.get(pen.axis)
            if box is None:
                continue
            for event in self.events.get(event_tag(pen.tag), []):
                end_s = event.end_ns / NS_PER_S if event.end_ns is not None else now_s
                self.markers.append(self._marker(event, pen.tag, box, end_s, palette.text))

    def _marker(
        self, event: AnomalyEvent, pen_tag: str, box: pg.ViewBox, end_s: float, colour: str
    ) -> Marker:
        start_s = event.start_ns / NS_PER_S
        fill = pg.mkColor(colour)
        fill.setAlpha(FILL_ALPHA)
        edge = pg.mkPen(colour, width=1, style=Qt.PenStyle.DotLine)
        region = pg.LinearRegionItem(
            values=(start_s, max(end_s, start_s)), movable=False, brush=fill, pen=edge
        )
        region.setZValue(-20)
        state = "open" if event.is_open else "closed"
        region.setToolTip(f"anomaly on {event.tag} ({state}), peak score {event.peak_score:.2f}")
        pg.InfLineLabel(region.lines[0], "anomaly", position=0.92, anchor=(0, 1), color=colour)
        box.addItem(region, ignoreBounds=True)
        return Marker(event, pen_tag, start_s, end_s, box, region)
