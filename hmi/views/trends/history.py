"""History for the trend: min/max-decimated spans fetched in a worker, kept, newest request wins.

Every pan or zoom asks for the visible range at about two points per pixel. The range is cut
to whole buckets of a fixed ladder width (:mod:`.span_cache`) and only the parts not fetched yet
are queried, in a worker (``Historian.history`` reads raw rows, the 1-minute or the 1-hour
rollups and keeps each bucket's minimum and maximum, so no peak disappears). A request whose
spans are all known is answered at once, on the GUI thread, without a query; a fetch
superseded before it reaches a span nobody wants any more skips it; once a request is answered,
half a view on either side is fetched ahead in the background.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from core.model import NS_PER_S, now_ns
from core.store.queries import Series, decimate
from hmi.views.trends.span_cache import (
    FRESH_MARGIN_NS,
    Arrays,
    Fetched,
    Interval,
    SpanCache,
    align,
    bucket_width,
    fetch_spans,
    subtract,
)
from hmi.workers import WorkerPool

log = logging.getLogger(__name__)

MIN_POINTS = 200
MAX_POINTS = 4000
ROLLUP_SPANS = ((14 * 86_400, 3600), (6 * 3600, 60))
"""(spans longer than, bucket) in seconds: the resolution worth reading for long spans."""
PREFETCH_FRACTION = 0.5
"""Of the visible span, fetched ahead on either side once the view is drawn."""
FRESH_TTL_NS = 5 * NS_PER_S
"""How long the not-cached newest stretch of a fetch answers requests."""


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
    """Worker that ran the last query this answer needed ("cache": none was needed)."""
    on_gui_thread: bool = False
    elapsed_s: float = 0.0
    fetched: int = 0
    """Spans queried for this answer (0: every point came from the cache)."""


@dataclass(slots=True)
class Wanted:
    """The newest request, until it is answered."""

    generation: int
    tags: tuple[str, ...]
    start_ns: int
    end_ns: int
    max_points: int
    width_ns: int
    fetched: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    last: Fetched | None = None

    @property
    def aligned(self) -> Interval:
        """The range in whole buckets."""
        return align(self.start_ns, self.end_ns, self.width_ns)


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


def describe(result: HistoryResult, sources: set[str]) -> str:
    """The status line of an answer."""
    points = sum(len(s) for s in result.series.values())
    where = "from the cache" if not result.fetched else f"in {result.elapsed_s * 1000:.0f} ms"
    failed = f"; {len(result.errors)} tag(s) failed" if result.errors else ""
    named = ", ".join(sorted(s for s in sources if s)) or "none"
    return f"history: {named}, {points:,} points {where}{failed}"


class HistoryLoader(QObject):
    """Issues history requests and hands back the answer to the newest one."""

    loaded = Signal(object)
    """:class:`HistoryResult` of the newest request."""

    def __init__(self, historian: Any, workers: WorkerPool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._historian = historian
        self._workers = workers
        self._generation = 0
        self._want: Wanted | None = None
        self._shown: Wanted | None = None
        self._fresh: dict[tuple[str, int], tuple[Interval, Arrays, int]] = {}
        """Per line, the newest stretch of the last fetch near now (not cached: still arriving)."""
        self.cache = SpanCache()
        self.busy = False
        self.queries = 0
        """Spans queried so far (tests, the status line)."""
        self.results: list[HistoryResult] = []
        """The last few answers (newest last), for the status line and tests."""

    def request(self, tags: Sequence[str], start_ns: int, end_ns: int, max_points: int) -> int:
        """Ask for history of ``tags`` in ``[start, end]``; returns the request's generation.
        When every span is known, ``loaded`` is emitted before this returns."""
        self._generation += 1
        if not tags or end_ns <= start_ns:
            self._want, self.busy = None, False
            return self._generation
        width = bucket_width(end_ns - start_ns, max_points)
        want = Wanted(self._generation, tuple(tags), start_ns, end_ns, max_points, width)
        self._want, self.busy = want, True
        self._deliver()
        return want.generation

    def ready(self, tags: Sequence[str], start_ns: int, end_ns: int, max_points: int) -> bool:
        """Would a request be answered from the cache alone?"""
        width = bucket_width(end_ns - start_ns, max_points)
        a, b = align(start_ns, end_ns, width)
        return all(not self._missing(tag, width, a, b) for tag in tags)

    # -- fetching -------------------------------------------------------------------------------
    def _missing(self, tag: str, width: int, a: int, b: int) -> list[Interval]:
        gaps = self.cache.missing(tag, width, a, b)
        fresh = self._fresh_of(tag, width)
        return [g for x, y in gaps for g in subtract(x, y, [fresh[0]])] if fresh else gaps

    def _fresh_of(self, tag: str, width: int) -> tuple[Interval, Arrays, int] | None:
        fresh = self._fresh.get((tag, width))
        return fresh if fresh and now_ns() - fresh[2] < FRESH_TTL_NS else None

    def _fetch(self, tags: Sequence[str], width: int, a: int, b: int) -> None:
        """Queue a worker job for what of ``[a, b)`` is neither known nor being fetched."""
        spans = [(t, g) for t in tags for g in self.cache.gaps(t, width, a, b)]
        if not spans:
            return
        for tag, gap in spans:
            self.cache.reserve(tag, width, gap)
        historian, gui = self._historian, threading.current_thread()
        work = lambda: fetch_spans(historian, width, spans, self._needed, gui)  # noqa: E731
        failed = lambda exc: self._failed(exc, width, spans)  # noqa: E731
        self._workers.submit(work, self._fetched, failed, context=self, name="history")

    def _needed(self, width: int, gap: Interval) -> bool:
        """Still worth reading (asked from the worker: superseded fetches skip spans)."""
        want = self._want or self._shown
        if want is None or want.width_ns != width:
            return False
        a, b = want.aligned
        ahead = int((b - a) * PREFETCH_FRACTION) + width
        return gap[0] < b + ahead and gap[1] > a - ahead

    def _fetched(self, done: Fetched) -> None:
        for tag, gap, arrays, source in done.spans:
            self.cache.release(tag, done.width_ns, gap)
            if arrays is None:
                continue
            self.queries += 1
            self.cache.store(tag, done.width_ns, gap, arrays, done.at_ns, source)
            if gap[1] > done.at_ns - FRESH_MARGIN_NS:
                self._fresh[(tag, done.width_ns)] = (gap, arrays, done.at_ns)
        want = self._want
        if want is not None and want.width_ns == done.width_ns:
            want.fetched += sum(1 for s in done.spans if s[2] is not None)
            want.errors.update(done.errors)
            want.last = done
        self._deliver()

    def _failed(self, exc: BaseException, width: int, spans: list[tuple[str, Interval]]) -> None:
        for tag, gap in spans:
            self.cache.release(tag, width, gap)
        log.warning("history query failed: %s", exc)
        want = self._want
        if want is not None and want.width_ns == width:
            want.errors.update({tag: str(exc) for tag, _gap in spans})
            self._deliver()

    # -- answering ------------------------------------------------------------------------------
    def _deliver(self) -> None:
        """Answer the newest request once nothing it needs is missing (fetching what is)."""
        want = self._want
        if want is None:
            return
        a, b = want.aligned
        waiting = [
            t for t in want.tags if t not in want.errors and self._missing(t, want.width_ns, a, b)
        ]
        if waiting:
            self._fetch(waiting, want.width_ns, a, b)
            return
        result = self._answer(want)
        self._want, self._shown, self.busy = None, want, False
        self.results = [*self.results[-9:], result]
        self.loaded.emit(result)
        self._prefetch(want)

    def _answer(self, want: Wanted) -> HistoryResult:
        series = {t: self._series(t, want) for t in want.tags if t not in want.errors}
        last = want.last
        return HistoryResult(
            want.generation, want.start_ns, want.end_ns, want.max_points, series,
            dict(want.errors), last.thread_name if last else "cache",
            bool(last and last.on_gui_thread), last.elapsed_s if last else 0.0, want.fetched,
        )  # fmt: skip

    def _series(self, tag: str, want: Wanted) -> Series:
        line = self.cache.line(tag, want.width_ns)
        ts, values, quality = line.window(want.start_ns, want.end_ns)
        fresh = self._fresh_of(tag, want.width_ns)
        if fresh is not None:
            ts, values, quality = _with_fresh((ts, values, quality), fresh[1], want, line.covered)
        series = Series(-1, ts, values, quality, line.source)
        if len(series) > want.max_points:
            series = decimate(series, want.aligned[0], want.width_ns)
        return series

    def _prefetch(self, want: Wanted) -> None:
        """Fetch half a view either side of an answered request, in the background."""
        a, b = want.aligned
        ahead = int((b - a) * PREFETCH_FRACTION) // want.width_ns * want.width_ns
        horizon = now_ns() - now_ns() % want.width_ns
        self._fetch(want.tags, want.width_ns, a - ahead, min(b + ahead, max(b, horizon)))


def _with_fresh(cached: Arrays, fresh: Arrays, want: Wanted, covered: list[Interval]) -> Arrays:
    """The cached window plus the fresh points that lie in none of the cached spans."""
    ts = fresh[0]
    inside = (ts >= want.start_ns) & (ts <= want.end_ns)
    for x, y in covered:
        inside &= (ts < x) | (ts >= y)
    if not inside.any():
        return cached
    ts = np.concatenate([cached[0], ts[inside]])
    order = np.argsort(ts, kind="stable")
    values = np.concatenate([cached[1], fresh[1][inside]])[order]
    return ts[order], values, np.concatenate([cached[2], fresh[2][inside]])[order]
