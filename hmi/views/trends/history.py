"""History for the trend: min/max-decimated queries in a worker, newest request wins.

Every pan or zoom asks for the visible range at about two points per pixel. The query runs in a
worker (``Historian.history`` picks raw rows, 1-minute or 1-hour rollups and keeps each
bucket's minimum and maximum, so no peak disappears); a result that arrives after a newer
request is dropped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal

from hmi.workers import WorkerPool

log = logging.getLogger(__name__)

MIN_POINTS = 200
MAX_POINTS = 4000
ROLLUP_SPANS = ((14 * 86_400, 3600), (6 * 3600, 60))
"""(spans longer than, bucket) in seconds: the resolution worth reading for long spans."""


@dataclass(frozen=True, slots=True)
class HistoryResult:
    """Series per tag for one request."""

    generation: int
    start_ns: int
    end_ns: int
    max_points: int
    series: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    thread_name: str = ""
    on_gui_thread: bool = False
    elapsed_s: float = 0.0


def points_for_width(width_px: int, span_s: float = 0.0) -> int:
    """How many points to ask for a plot ``width_px`` wide showing ``span_s`` seconds.

    Two per pixel, bounded; and for long spans no more than the store's rollups hold (a
    minimum and a maximum per minute beyond 6 h, per hour beyond 14 days), so a pan never
    reads a day of raw rows to draw 1,500 pixels.
    """
    points = max(MIN_POINTS, min(MAX_POINTS, 2 * width_px))
    for longer_than_s, bucket_s in ROLLUP_SPANS:
        if span_s > longer_than_s:
            points = min(points, max(MIN_POINTS, int(2 * span_s / bucket_s)))
            break
    return points


def query_history(
    historian: Any,
    tags: Sequence[str],
    start_ns: int,
    end_ns: int,
    max_points: int,
    generation: int,
    gui_thread: threading.Thread,
) -> HistoryResult:
    """Run the queries (in a worker thread); unknown tags are reported, not raised."""
    began = time.perf_counter()
    series: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for tag in tags:
        try:
            series[tag] = historian.history(tag, start_ns, end_ns, max_points)
        except (KeyError, ValueError) as exc:
            errors[tag] = str(exc)
    current = threading.current_thread()
    return HistoryResult(
        generation,
        start_ns,
        end_ns,
        max_points,
        series,
        errors,
        current.name,
        current is gui_thread,
        time.perf_counter() - began,
    )


class HistoryLoader(QObject):
    """Issues history requests and hands back the newest result."""

    loaded = Signal(object)
    """:class:`HistoryResult` of the newest request."""

    def __init__(self, historian: Any, workers: WorkerPool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._historian = historian
        self._workers = workers
        self._generation = 0
        self.busy = False
        self.results: list[HistoryResult] = []
        """The last few results (newest last), for the status line and tests."""

    def request(self, tags: Sequence[str], start_ns: int, end_ns: int, max_points: int) -> int:
        """Ask for history of ``tags`` in ``[start, end]``; returns the request's generation."""
        self._generation += 1
        generation = self._generation
        if not tags or end_ns <= start_ns:
            return generation
        self.busy = True
        historian, gui = self._historian, threading.current_thread()
        wanted = list(tags)
        work: Callable[[], HistoryResult] = lambda: query_history(  # noqa: E731
            historian, wanted, start_ns, end_ns, max_points, generation, gui
        )
        self._workers.submit(work, self._done, self._failed, context=self, name="history")
        return generation

    def _done(self, result: HistoryResult) -> None:
        self.results = [*self.results[-9:], result]
        if result.generation != self._generation:
            log.debug("history result %d dropped (newer request pending)", result.generation)
            return
        self.busy = False
        self.loaded.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        log.warning("history query failed: %s", exc)
