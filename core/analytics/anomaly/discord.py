"""Shape anomalies: how far the latest window of a stream lies from every window seen before.

The matrix-profile "discord" idea, streaming and causal: each sample closes a window of the last
``window`` values; the window is reduced to ``points`` piecewise means, centred and scaled by its
own standard deviation (floored at ``floor_fraction`` of the median deviation of the past
windows, so that noise in a quiet stretch is not blown up into a shape). Its statistic is the
Euclidean distance to its nearest neighbour among the last ``history`` past windows, divided by
``sqrt(points)``. Only windows that ended at least ``window`` samples before the current block
are neighbours (no trivial self-match); statistics are computed per block of ``stride`` samples
aligned on the stream's own count, one matrix product per block, so the result does not depend on
how the stream is batched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Self

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from core.analytics.anomaly.base import DetectorBase, IntArray
from core.analytics.anomaly.calibrate import AlertFrequency, NoveltyShaper, TailCalibrator
from core.analytics.anomaly.rolling import FloatArray

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DiscordSettings:
    """Settings of :class:`WindowDiscord` and :class:`DiscordDetector`."""

    window: int = 48
    """Samples per window: about one cycle of the machine or a fraction of the day."""
    points: int = 16
    """Piecewise means per window (``window`` must be a multiple)."""
    history: int = 3000
    """Past windows searched for the nearest neighbour."""
    min_history: int = 200
    """Past windows needed before any statistic."""
    stride: int = 32
    floor_fraction: float = 0.1
    alert_horizon: int = 200


class WindowDiscord:
    """Nearest-neighbour distance of each sample's trailing window to the past windows."""

    def __init__(self, settings: DiscordSettings | None = None) -> None:
        s = self.settings = settings or DiscordSettings()
        if s.points < 2 or s.window % s.points or s.stride < 1 or s.min_history < 1:
            raise ValueError("bad discord settings")
        self._tail: FloatArray = np.zeros(0)
        self._count = 0
        keep = s.history + s.window + s.stride
        self._shapes = _Ring(keep, s.points)

    def push(self, values: FloatArray) -> FloatArray:
        """Statistic per value (finite values; NaN until enough history), then remember them."""
        s = self.settings
        first = self._count
        combined = np.concatenate([self._tail, values])
        self._tail = combined[-(s.window - 1) :] if s.window > 1 else np.zeros(0)
        self._count += values.size
        out = np.full(values.size, np.nan)
        ends = first + np.arange(values.size)
        full = ends >= s.window - 1
        if not full.any():
            return out
        windows = sliding_window_view(combined, s.window)[-int(full.sum()) :]
        centred, spread = _shape_of(windows, s.points)
        out[full] = self._score_blocks(ends[full], centred, spread)
        return out

    def _score_blocks(self, ends: IntArray, centred: FloatArray, spread: FloatArray) -> FloatArray:
        """Score windows block by block against the past windows each block may see, remembering
        the new windows as they become visible."""
        s = self.settings
        out = np.full(ends.size, np.nan)
        blocks = ends // s.stride
        remembered = 0
        for block in np.unique(blocks).tolist():
            newest = block * s.stride - s.window
            visible = int(np.searchsorted(ends, newest, side="right"))
            if visible > remembered:
                part = slice(remembered, visible)
                self._shapes.append(ends[part], centred[part], spread[part])
                remembered = visible
            past, past_spread = self._shapes.before(newest, s.history)
            if past.shape[0] >= s.min_history:
                rows = np.flatnonzero(blocks == block)
                out[rows] = _nearest(
                    centred[rows], spread[rows], past, past_spread, s.floor_fraction
                )
        rest = slice(remembered, ends.size)
        self._shapes.append(ends[rest], centred[rest], spread[rest])
        return out


class _Ring:
    """The most recent window shapes (end index, centred piecewise means, spread)."""

    def __init__(self, capacity: int, points: int) -> None:
        self.capacity = capacity
        self._ends: IntArray = np.zeros(0, dtype=np.int64)
        self._centred: FloatArray = np.zeros((0, points))
        self._spread: FloatArray = np.zeros(0)

    def append(self, ends: IntArray, centred: FloatArray, spread: FloatArray) -> None:
        """Remember new shapes, forgetting the oldest beyond ``capacity``."""
        self._ends = np.concatenate([self._ends, ends])[-self.capacity :]
        self._centred = np.concatenate([self._centred, centred])[-self.capacity :]
        self._spread = np.concatenate([self._spread, spread])[-self.capacity :]

    def before(self, newest: int, count: int) -> tuple[FloatArray, FloatArray]:
        """The last ``count`` shapes ending at or before ``newest``, and their spreads."""
        stop = int(np.searchsorted(self._ends, newest, side="right"))
        start = max(0, stop - count)
        return self._centred[start:stop], self._spread[start:stop]


def _shape_of(windows: FloatArray, points: int) -> tuple[FloatArray, FloatArray]:
    """Piecewise means of each window, centred, and their standard deviation (floored at 1e-9 of
    the window's level, so a constant window's rounding noise is no shape)."""
    reduced = windows.reshape(windows.shape[0], points, -1).mean(axis=2)
    level = reduced.mean(axis=1, keepdims=True)
    centred = reduced - level
    spread = np.sqrt(np.mean(centred * centred, axis=1))
    return centred, np.maximum(spread, 1e-9 * np.abs(level[:, 0]))


def _nearest(
    centred: FloatArray,
    spread: FloatArray,
    past: FloatArray,
    past_spread: FloatArray,
    floor_fraction: float,
) -> FloatArray:
    """Distance from each shape to its nearest past shape, each scaled by its floored spread."""
    floor = floor_fraction * float(np.median(past_spread)) + 1e-300
    query = centred / np.maximum(spread, floor)[:, None]
    reference = past / np.maximum(past_spread, floor)[:, None]
    squared = (
        np.sum(query * query, axis=1)[:, None]
        + np.sum(reference * reference, axis=1)[None, :]
        - 2.0 * (query @ reference.T)
    )
    nearest = np.maximum(squared.min(axis=1), 0.0)
    return np.asarray(np.sqrt(nearest / centred.shape[1]), dtype=np.float64)


class DiscordDetector(DetectorBase):
    """Shape anomalies of one stream: the window discord, calibrated per stream and shaped into
    alerts like the ensemble's; an ``[[anomaly]]`` rule picks it with ``detector = "discord"``.
    Not a member of the ensemble (as one it changed neither the NAB nor the injected-fault
    scores: its surprise is rarely the largest); meant for cyclic signals whose anomalies change
    the shape of a cycle rather than its level, which the ensemble cannot tell from normal."""

    def __init__(self, settings: DiscordSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or DiscordSettings()
        self._discord = WindowDiscord(self.settings)
        self._tail = TailCalibrator()
        frequency = AlertFrequency()
        self._shaper = NoveltyShaper(self.settings.alert_horizon, frequency=frequency)

    def fresh(self) -> Self:
        """A new detector with the same settings."""
        return type(self)(self.settings)

    def _update_usable(self, ts: IntArray, values: FloatArray) -> FloatArray:
        statistic = self._discord.push(values)
        return self._shaper.push(self._tail.push(statistic))
