"""The anomaly layer of the trend view: a shaded region for every anomaly event of a trended tag.

Events overlapping the visible range are read with :func:`core.analytics.live.list_events` in a
worker whenever the pens or the history change, and every ``REFRESH_MS`` in live mode (open
events grow). A pen of a score tag (``<tag>.anomaly``) shows the events of ``<tag>``. Regions
sit behind the curves, in a light neutral shade with dotted edges and an "anomaly" label:
anomalies are advisory, so they never take an alarm colour.
"""

from __future__ import annotations

import logging
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


def event_tag(pen_tag: str) -> str:
    """The tag whose events a pen shows (a score tag shows its source tag's)."""
    return pen_tag.removesuffix(SCORE_SUFFIX)


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
        view.pens_changed.connect(self.refresh)
        view.history.loaded.connect(lambda _r: self.refresh())
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._timer.start(REFRESH_MS)

    def _tick(self) -> None:
        if self.view.live and self.view.pens and self.view.isVisible():
            self.refresh()

    def refresh(self) -> int:
        """Read the events of the trended tags in the visible range (worker); redraw at once
        with what is known so regions follow a rebuilt chart."""
        self.draw()
        tags = sorted({event_tag(p.tag) for p in self.view.pens})
        x0, x1 = self.view.plots.x_range()
        start, end = max(int(x0 * NS_PER_S), 0), max(int(x1 * NS_PER_S), 0)
        self.generation += 1
        if not tags or end <= start:
            self.events = {}
            self.draw()
            return self.generation
        generation, engine = self.generation, self.view.ctx.historian.engine

        def work() -> dict[str, list[AnomalyEvent]]:
            return {t: list_events(engine, start, end, t, limit=MAX_EVENTS_PER_TAG) for t in tags}

        self.view.ctx.workers.submit(
            work,
            lambda found: self._loaded(generation, found),
            lambda exc: log.warning("anomaly events for the trend not read: %s", exc),
            context=self.view,
            name="trend-anomalies",
        )
        return generation

    def _loaded(self, generation: int, found: dict[str, list[AnomalyEvent]]) -> None:
        if generation != self.generation:
            return
        self.events = found
        self.loads += 1
        self.draw()

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
