"""Fetched history kept per tag and bucket width, so a pan only reads what is new.

A request for ``[start, end]`` at about ``max_points`` is served at a bucket width from a fixed
ladder (:func:`bucket_width`); the range is widened to whole buckets of that width, aligned on
multiples of it, so the min/max buckets do not move as the view pans (no peak flickers) and
spans fetched at different times fit together. :class:`SpanCache` remembers, per (tag, width),
which aligned intervals are stored or being fetched and the points of the stored ones; a request
asks only for its gaps, a sub-pixel pan has none.

No Qt here: the loader (:mod:`.history`) owns the signals; :func:`fetch_spans` is its worker job.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from core.model import NS_PER_S, now_ns

log = logging.getLogger(__name__)

_MS = NS_PER_S // 1000
LADDER_NS: tuple[int, ...] = (
    *(k * _MS for k in (1, 2, 5, 10, 20, 50, 100, 200, 500)),
    *(k * NS_PER_S for k in (1, 2, 3, 5, 10, 15, 20, 30)),
    *(k * 60 * NS_PER_S for k in (1, 2, 3, 5, 10, 15, 20, 30)),
    *(k * 3600 * NS_PER_S for k in (1, 2, 3, 4, 6, 8, 12, 24, 48, 168)),
)
"""Bucket widths (multiples of each other where the store's rollups need it: >= 1 min is whole
minutes, >= 1 h whole hours)."""
MAX_LINES = 48
"""(tag, width) lines kept (least recently used dropped first)."""
MAX_LINE_POINTS = 400_000
"""Points per line before it is emptied and refilled around the view."""
TTL_S = 120.0
"""Seconds a line is trusted: late data (spool replay, buffered devices) shows after this."""
FRESH_MARGIN_NS = 10 * NS_PER_S
"""The newest stretch before a fetch's own time is never marked complete (still arriving)."""

Interval = tuple[int, int]
"""``[a, b)`` in epoch nanoseconds, aligned to the line's width."""
Arrays = tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.uint8]]
"""Time stamps, values and qualities of points in time order."""


def bucket_width(span_ns: int, max_points: int) -> int:
    """The ladder width that shows ``span_ns`` in at most ``max_points`` min/max points."""
    buckets = max(1, max_points // 2 - 1)
    wanted = -(-max(span_ns, 1) // buckets)
    return next((w for w in LADDER_NS if w >= wanted), LADDER_NS[-1])


def align(start_ns: int, end_ns: int, width_ns: int) -> Interval:
    """``[start, end]`` widened to whole aligned buckets."""
    return start_ns - start_ns % width_ns, end_ns - end_ns % width_ns + width_ns


def subtract(a: int, b: int, taken: list[Interval]) -> list[Interval]:
    """The parts of ``[a, b)`` outside the sorted, disjoint ``taken`` intervals."""
    gaps: list[Interval] = []
    cursor = a
    for x, y in taken:
        if y <= cursor or x >= b:
            continue
        if x > cursor:
            gaps.append((cursor, x))
        cursor = max(cursor, y)
    if cursor < b:
        gaps.append((cursor, b))
    return gaps


def union(intervals: list[Interval], new: Interval) -> list[Interval]:
    """Sorted, merged intervals with ``new`` added."""
    merged: list[Interval] = []
    for x, y in sorted([*intervals, new]):
        if merged and x <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], y))
        else:
            merged.append((x, y))
    return merged


@dataclass(slots=True)
class Line:
    """The stored points of one tag at one width, and what they cover."""

    width_ns: int
    covered: list[Interval] = field(default_factory=list)
    pending: list[Interval] = field(default_factory=list)
    ts: npt.NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))
    values: npt.NDArray[np.float64] = field(default_factory=lambda: np.empty(0, np.float64))
    quality: npt.NDArray[np.uint8] = field(default_factory=lambda: np.empty(0, np.uint8))
    born: float = field(default_factory=time.monotonic)
    source: str = ""
    """Where the newest points came from (``raw``, ``raw/decimated``, ``rollup_1m`` ...)."""

    def add(self, gap: Interval, arrays: Arrays) -> None:
        """Store the points fetched for ``gap`` (only where nothing is stored yet)."""
        ts, values, quality = arrays
        for a, b in subtract(*gap, self.covered):
            keep = slice(*np.searchsorted(ts, (a, b), side="left"))
            at = int(np.searchsorted(self.ts, a, side="left"))
            self.ts = np.concatenate([self.ts[:at], ts[keep], self.ts[at:]])
            self.values = np.concatenate([self.values[:at], values[keep], self.values[at:]])
            self.quality = np.concatenate([self.quality[:at], quality[keep], self.quality[at:]])
            self.covered = union(self.covered, (a, b))

    def window(self, start_ns: int, end_ns: int) -> Arrays:
        """Stored points with ``start <= ts <= end`` (views)."""
        lo = int(np.searchsorted(self.ts, start_ns, side="left"))
        hi = int(np.searchsorted(self.ts, end_ns, side="right"))
        return self.ts[lo:hi], self.values[lo:hi], self.quality[lo:hi]


class SpanCache:
    """Lines per (tag, width), least recently used dropped first."""

    def __init__(self, max_lines: int = MAX_LINES, ttl_s: float = TTL_S) -> None:
        self._lines: OrderedDict[tuple[str, int], Line] = OrderedDict()
        self._max_lines = max_lines
        self._ttl_s = ttl_s

    def line(self, tag: str, width_ns: int) -> Line:
        """The line of a tag at a width (a fresh one when missing or expired)."""
        key = (tag, width_ns)
        line = self._lines.get(key)
        if line is None or time.monotonic() - line.born > self._ttl_s:
            line = Line(width_ns, pending=line.pending if line else [])
            self._lines[key] = line
        self._lines.move_to_end(key)
        while len(self._lines) > self._max_lines:
            self._lines.popitem(last=False)
        return line

    def gaps(self, tag: str, width_ns: int, a: int, b: int) -> list[Interval]:
        """What of ``[a, b)`` is neither stored nor being fetched."""
        line = self.line(tag, width_ns)
        return subtract(a, b, union_all(line.covered, line.pending))

    def missing(self, tag: str, width_ns: int, a: int, b: int) -> list[Interval]:
        """What of ``[a, b)`` is not stored yet (being fetched or not)."""
        return subtract(a, b, self.line(tag, width_ns).covered)

    def reserve(self, tag: str, width_ns: int, gap: Interval) -> None:
        """Mark a gap as being fetched."""
        line = self.line(tag, width_ns)
        line.pending = union(line.pending, gap)

    def release(self, tag: str, width_ns: int, gap: Interval) -> None:
        """A fetch of ``gap`` ended (stored, failed or skipped)."""
        key = (tag, width_ns)
        line = self._lines.get(key)
        if line is not None:
            line.pending = [p for x, y in line.pending for p in subtract(x, y, [gap])]

    def store(
        self, tag: str, width_ns: int, gap: Interval, arrays: Arrays, fetched_ns: int, source: str
    ) -> None:
        """Keep the points of a fetched gap; the still-arriving newest stretch stays a gap."""
        line = self.line(tag, width_ns)
        if len(arrays[0]):
            line.source = source
        a, b = gap
        b = min(b, max(a, (fetched_ns - FRESH_MARGIN_NS) // width_ns * width_ns))
        if b <= a:
            return
        if len(line.ts) + len(arrays[0]) > MAX_LINE_POINTS:
            log.debug("history cache line %s/%d full: emptied", tag, width_ns)
            self._lines[(tag, width_ns)] = line = Line(
                width_ns, pending=line.pending, source=source
            )
        line.add((a, b), arrays)


def union_all(first: list[Interval], second: list[Interval]) -> list[Interval]:
    """The merged union of two interval lists."""
    merged = list(first)
    for interval in second:
        merged = union(merged, interval)
    return merged


@dataclass(frozen=True, slots=True)
class Fetched:
    """What one worker job read: per (tag, span) the points, or None when skipped."""

    width_ns: int
    spans: list[tuple[str, Interval, Arrays | None, str]]
    errors: dict[str, str]
    thread_name: str
    on_gui_thread: bool
    elapsed_s: float
    at_ns: int


def fetch_spans(
    historian: Any,
    width_ns: int,
    spans: Sequence[tuple[str, Interval]],
    needed: Callable[[int, Interval], bool],
    gui_thread: threading.Thread,
) -> Fetched:
    """Query each span at ``width_ns`` (in a worker); spans no longer needed are skipped,
    unknown tags reported, not raised."""
    began = time.perf_counter()
    out: list[tuple[str, Interval, Arrays | None, str]] = []
    errors: dict[str, str] = {}
    for tag, (a, b) in spans:
        if tag in errors or not needed(width_ns, (a, b)):
            out.append((tag, (a, b), None, ""))
            continue
        try:
            got = historian.history(tag, a, b - 1, 2 * ((b - a) // width_ns))
        except (KeyError, ValueError) as exc:
            errors[tag] = str(exc)
            out.append((tag, (a, b), None, ""))
            continue
        out.append((tag, (a, b), (got.ts_ns, got.values, got.quality), got.source))
    current = threading.current_thread()
    return Fetched(
        width_ns, out, errors, current.name, current is gui_thread,
        time.perf_counter() - began, now_ns(),
    )  # fmt: skip
