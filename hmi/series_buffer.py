"""A growable time series of (ts, value, quality) for live plots: capacity-doubling numpy arrays.

Appending never copies the whole buffer per sample (unlike ``np.roll``): the arrays double when
full, and old points are dropped by moving a start offset (compacted once it passes half the
capacity). Reading returns views. Points are kept in strictly increasing time order.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

INITIAL_CAPACITY = 256

Ts = npt.NDArray[np.int64]
Values = npt.NDArray[np.float64]
Qual = npt.NDArray[np.uint8]


class SeriesBuffer:
    """Time-ordered samples of one tag."""

    def __init__(self, capacity: int = INITIAL_CAPACITY) -> None:
        capacity = max(capacity, 4)
        self._ts = np.empty(capacity, dtype=np.int64)
        self._values = np.empty(capacity, dtype=np.float64)
        self._quality = np.empty(capacity, dtype=np.uint8)
        self._start = 0
        self._end = 0

    def __len__(self) -> int:
        return self._end - self._start

    @property
    def capacity(self) -> int:
        """Allocated points."""
        return len(self._ts)

    @property
    def last_ts(self) -> int | None:
        """Time of the newest point."""
        return int(self._ts[self._end - 1]) if len(self) else None

    @property
    def first_ts(self) -> int | None:
        """Time of the oldest point."""
        return int(self._ts[self._start]) if len(self) else None

    def append(self, ts: Ts, values: Values, quality: Qual) -> int:
        """Append points newer than the newest one; returns how many were kept."""
        if len(ts) == 0:
            return 0
        last = self.last_ts
        if last is not None:
            keep = ts > last
            if not keep.all():
                ts, values, quality = ts[keep], values[keep], quality[keep]
        n = len(ts)
        if n == 0:
            return 0
        self._reserve(n)
        end = self._end
        self._ts[end : end + n] = ts
        self._values[end : end + n] = values
        self._quality[end : end + n] = quality
        self._end = end + n
        return n

    def _reserve(self, extra: int) -> None:
        if self._end + extra <= self.capacity:
            return
        size = len(self)
        if self._start and size + extra <= self.capacity // 2:
            self._move(self.capacity)
            return
        capacity = self.capacity
        while capacity < size + extra:
            capacity *= 2
        self._move(capacity)

    def _move(self, capacity: int) -> None:
        size = len(self)
        s, e = self._start, self._end
        ts = np.empty(capacity, dtype=np.int64)
        values = np.empty(capacity, dtype=np.float64)
        quality = np.empty(capacity, dtype=np.uint8)
        ts[:size], values[:size], quality[:size] = (
            self._ts[s:e],
            self._values[s:e],
            self._quality[s:e],
        )
        self._ts, self._values, self._quality = ts, values, quality
        self._start, self._end = 0, size

    def trim_before(self, ts_ns: int) -> None:
        """Forget points older than ``ts_ns`` (cheap: moves the start offset)."""
        cut = int(np.searchsorted(self._ts[self._start : self._end], ts_ns, side="left"))
        self._start += cut
        if self._start == self._end:
            self._start = self._end = 0

    def clear(self) -> None:
        """Forget every point."""
        self._start = self._end = 0

    def replace(self, ts: Ts, values: Values, quality: Qual, keep_newer: bool = True) -> None:
        """Take a history series, keeping buffered points newer than its end (the live tail)
        unless ``keep_newer`` is off."""
        if not keep_newer:
            self.clear()
        newer_from = int(ts[-1]) if len(ts) else None
        tail = self.view()
        if newer_from is not None:
            keep = tail[0] > newer_from
            tail = (tail[0][keep], tail[1][keep], tail[2][keep])
        merged = (
            np.concatenate([ts, tail[0]]),
            np.concatenate([values, tail[1]]),
            np.concatenate([quality, tail[2]]),
        )
        self.clear()
        order_ok = len(merged[0]) < 2 or bool(np.all(np.diff(merged[0]) > 0))
        if not order_ok:
            _, unique = np.unique(merged[0], return_index=True)
            merged = (merged[0][unique], merged[1][unique], merged[2][unique])
        self.append(*merged)

    def view(self) -> tuple[Ts, Values, Qual]:
        """The points (views into the buffer: copy before keeping them)."""
        s, e = self._start, self._end
        return self._ts[s:e], self._values[s:e], self._quality[s:e]

    def window(self, start_ns: int, end_ns: int) -> tuple[Ts, Values, Qual]:
        """The points with ``start <= ts <= end`` (views)."""
        ts, values, quality = self.view()
        lo = int(np.searchsorted(ts, start_ns, side="left"))
        hi = int(np.searchsorted(ts, end_ns, side="right"))
        return ts[lo:hi], values[lo:hi], quality[lo:hi]

    def value_at(self, ts_ns: int) -> tuple[int, float, int] | None:
        """The newest point at or before ``ts_ns``."""
        ts, values, quality = self.view()
        i = int(np.searchsorted(ts, ts_ns, side="right")) - 1
        if i < 0:
            return None
        return int(ts[i]), float(values[i]), int(quality[i])
