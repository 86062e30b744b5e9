"""Causal rolling statistics over streams fed in batches.

Every statistic for sample ``i`` uses only samples before ``i`` (or up to ``i`` where stated), and
feeding a stream in any batch split gives the same numbers as feeding it at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
MAD_TO_SIGMA = 1.4826
Z_CAP = 1000.0


@dataclass(frozen=True, eq=False)
class WindowStats:
    """Median, MAD and mean absolute deviation (about the median) of each preceding window."""

    median: FloatArray
    mad: FloatArray
    mean_abs: FloatArray

    def robust_z(self, values: FloatArray) -> FloatArray:
        """``(x - median) / scale``, scale = 1.4826 MAD floored by half the mean absolute
        deviation (sparse or discrete signals have MAD 0) and by 1e-6 |median|; capped at 1000."""
        scale = np.maximum(MAD_TO_SIGMA * self.mad, 0.5 * self.mean_abs)
        scale = np.maximum(scale, 1e-6 * np.abs(self.median) + 1e-12)
        with np.errstate(invalid="ignore"):
            z = (values - self.median) / scale
        return np.clip(z, -Z_CAP, Z_CAP)


class RollingWindow:
    """The recent values of a stream and the statistics of the window preceding each new value.

    Statistics are refreshed every ``stride`` values: the values of one stride block (aligned on
    the stream's own count) share the statistics of the ``size`` values before the block. That is
    causal, independent of how the stream is batched, and ``stride`` times cheaper. Statistics are
    NaN until ``min_count`` values were seen.
    """

    def __init__(self, size: int, min_count: int = 30, stride: int = 8) -> None:
        if size < 2 or not 1 <= min_count <= size or stride < 1:
            raise ValueError(f"bad rolling window size={size} min_count={min_count}")
        self.size = size
        self.min_count = min_count
        self.stride = stride
        self._history: FloatArray = np.zeros(0)
        self._count = 0

    def push_stats(self, values: FloatArray) -> WindowStats:
        """Statistics of the window before each of ``values`` (finite), then remember them."""
        first = self._count
        base = first - self._history.size
        combined = np.concatenate([self._history, values])
        block_of = (first + np.arange(values.size)) // self.stride
        blocks, position = np.unique(block_of, return_inverse=True)
        padded = np.concatenate([np.full(self.size, np.nan), combined])
        windows = sliding_window_view(padded, self.size)[blocks * self.stride - base]
        stats = np.full((3, blocks.size), np.nan)
        full = ~np.isnan(windows[:, 0])
        if full.any():
            stats[:, full] = _window_stats(windows[full], nan_aware=False)
        partial = ~full & (np.count_nonzero(~np.isnan(windows), axis=1) >= self.min_count)
        if partial.any():
            stats[:, partial] = _window_stats(windows[partial], nan_aware=True)
        self._history = combined[-(self.size + self.stride) :]
        self._count += values.size
        per_value = stats[:, position]
        return WindowStats(median=per_value[0], mad=per_value[1], mean_abs=per_value[2])


def _preceding_windows(
    history: FloatArray, values: FloatArray, size: int, fill: float
) -> FloatArray:
    """Row j: the ``size`` values before ``values[j]`` (history first, ``fill`` where none)."""
    padded = np.concatenate([np.full(size, fill), history, values])
    return sliding_window_view(padded[:-1], size)[history.size : history.size + values.size]


def _window_stats(windows: FloatArray, nan_aware: bool) -> FloatArray:
    median_of = np.nanmedian if nan_aware else np.median
    mean_of = np.nanmean if nan_aware else np.mean
    median = median_of(windows, axis=1)
    deviation = np.abs(windows - median[:, None])
    return np.vstack([median, median_of(deviation, axis=1), mean_of(deviation, axis=1)])


class RollingMax:
    """Maximum of the ``size`` values preceding each new value (0 before any value)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._history: FloatArray = np.zeros(0)

    def push_preceding_max(self, values: FloatArray) -> FloatArray:
        """Preceding maxima of ``values``, then remember them."""
        windows = _preceding_windows(self._history, values, self.size, 0.0)
        self._history = np.concatenate([self._history, values])[-self.size :]
        return np.asarray(windows.max(axis=1), dtype=np.float64)


class RollingMean:
    """Mean of the ``size`` values ending at each new value, inclusive (NaN until ``min_count``)."""

    def __init__(self, size: int, min_count: int = 1) -> None:
        self.size = size
        self.min_count = min_count
        self._history: FloatArray = np.zeros(0)

    def push(self, values: FloatArray) -> FloatArray:
        """Trailing means including each value, then remember the values."""
        windows = _preceding_windows(self._history, values, self.size, np.nan)
        self._history = np.concatenate([self._history, values])[-self.size :]
        inclusive = np.concatenate([windows[:, 1:], values[:, None]], axis=1)
        counts = np.count_nonzero(~np.isnan(inclusive), axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.nansum(inclusive, axis=1) / counts
        return np.where(counts >= self.min_count, means, np.nan)


def push_robust_z(window: RollingWindow, values: FloatArray) -> tuple[FloatArray, WindowStats]:
    """Robust z of each value against the window before it; only finite values enter the window.

    Non-finite values get NaN z and NaN statistics."""
    finite = np.isfinite(values)
    stats = window.push_stats(values[finite])
    z = np.full(values.size, np.nan)
    z[finite] = stats.robust_z(values[finite])
    aligned = np.full((3, values.size), np.nan)
    aligned[:, finite] = np.vstack([stats.median, stats.mad, stats.mean_abs])
    return z, WindowStats(median=aligned[0], mad=aligned[1], mean_abs=aligned[2])


class GrowableSeries:
    """Append-only (timestamp, value) buffer with amortised growth and cheap trimming of old data."""

    def __init__(self, capacity: int = 1024) -> None:
        self._ts = np.zeros(capacity, dtype=np.int64)
        self._values = np.zeros(capacity)
        self._start = 0
        self._end = 0

    @property
    def ts(self) -> npt.NDArray[np.int64]:
        """Timestamps held, oldest first (a view)."""
        return self._ts[self._start : self._end]

    @property
    def values(self) -> FloatArray:
        """Values held, oldest first (a view)."""
        return self._values[self._start : self._end]

    def append(self, ts: npt.NDArray[np.int64], values: FloatArray) -> None:
        """Add samples at the end, growing or compacting the storage as needed."""
        needed = self._end + ts.size
        if needed > self._ts.size:
            held = self._end - self._start
            capacity = max(self._ts.size, 2 * (held + ts.size))
            new_ts, new_values = np.zeros(capacity, dtype=np.int64), np.zeros(capacity)
            new_ts[:held], new_values[:held] = self.ts, self.values
            self._ts, self._values, self._start, self._end = new_ts, new_values, 0, held
        self._ts[self._end : self._end + ts.size] = ts
        self._values[self._end : self._end + ts.size] = values
        self._end += ts.size

    def drop_before(self, ts_min: int) -> None:
        """Forget samples older than ``ts_min``."""
        self._start += int(np.searchsorted(self.ts, ts_min, side="left"))
