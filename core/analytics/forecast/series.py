"""Regular series for forecasting: step inference, gap filling, resampling and seasons.

Every model of the ensemble works on a :class:`RegularSeries` — equally spaced samples with no
gaps — indexed by its *absolute* step number (``ts_ns // step_ns``), so seasonal phases, Fourier
terms and calendar features agree between backtest folds and the final forecast.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.model import NS_PER_S

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DAY_NS = 86_400 * NS_PER_S
WEEK_NS = 7 * DAY_NS
MIN_CYCLES = 3
"""A season (daily, weekly) is inferred only when the history holds this many cycles of it."""


class ForecastError(ValueError):
    """The series cannot be forecast (too short, no finite values, bad settings)."""


@dataclass(frozen=True, eq=False)
class RegularSeries:
    """Equally spaced, gap-free samples: ``values[i]`` is at ``(origin + i) * step_ns``."""

    origin: int
    """Absolute step number of the first sample (``ts_ns // step_ns``)."""
    step_ns: int
    values: FloatArray

    def __len__(self) -> int:
        return int(self.values.size)

    @property
    def ts_ns(self) -> IntArray:
        """Timestamps of the samples."""
        return self.steps(0, len(self)) * self.step_ns

    def steps(self, first: int, count: int) -> IntArray:
        """Absolute step numbers of ``count`` samples from relative position ``first``."""
        return np.arange(self.origin + first, self.origin + first + count, dtype=np.int64)

    def head(self, count: int) -> RegularSeries:
        """The first ``count`` samples (a training prefix of a backtest fold)."""
        return RegularSeries(self.origin, self.step_ns, self.values[:count])

    def tail(self, count: int) -> RegularSeries:
        """The last ``count`` samples (history trimmed for speed)."""
        start = max(0, len(self) - count)
        return RegularSeries(self.origin + start, self.step_ns, self.values[start:])

    def future_ts(self, horizon: int) -> IntArray:
        """Timestamps of the ``horizon`` steps after the last sample."""
        return self.steps(len(self), horizon) * self.step_ns


def infer_step(ts_ns: IntArray) -> int:
    """The sampling step: the median positive difference of the sorted timestamps."""
    diffs = np.diff(np.sort(ts_ns))
    diffs = diffs[diffs > 0]
    if diffs.size == 0:
        raise ForecastError("cannot infer a sampling step from fewer than two distinct times")
    return int(np.median(diffs))


def regularize(ts_ns: IntArray, values: FloatArray, step_ns: int | None = None) -> RegularSeries:
    """Put ``(ts_ns, values)`` on a grid of ``step_ns`` (inferred when None).

    Samples are snapped to the nearest grid step (several in one step are averaged); steps
    without a finite sample are filled by linear interpolation between their neighbours.
    """
    ts = np.asarray(ts_ns, dtype=np.int64)
    vals = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(vals)
    if finite.sum() < 2:
        raise ForecastError("fewer than two finite values")
    ts, vals = ts[finite], vals[finite]
    step = step_ns or infer_step(ts)
    if step <= 0:
        raise ForecastError(f"step must be positive, got {step} ns")
    slots = (ts + step // 2) // step
    origin = int(slots.min())
    index = slots - origin
    sums = np.bincount(index, weights=vals)
    counts = np.bincount(index)
    filled = counts > 0
    grid = np.arange(sums.size)
    regular = np.interp(grid, grid[filled], sums[filled] / counts[filled])
    if not filled.all():
        log.debug("filled %d empty step(s) of %d by interpolation", (~filled).sum(), grid.size)
    return RegularSeries(origin, step, regular.astype(np.float64))


def resample_mean(ts_ns: IntArray, values: FloatArray, step_ns: int) -> RegularSeries:
    """Aggregate onto a coarser grid: the mean of the samples in each ``[k*step, (k+1)*step)``."""
    ts = np.asarray(ts_ns, dtype=np.int64)
    vals = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(vals)
    if finite.sum() < 2:
        raise ForecastError("fewer than two finite values")
    buckets = ts[finite] // step_ns
    return regularize(buckets * step_ns, vals[finite], step_ns)


@dataclass(frozen=True)
class Seasons:
    """The primary season (the seasonal-naive baseline and ETS) and further ones (Fourier terms,
    lag features), all in steps; a primary of 1 means no seasonality."""

    primary: int
    extra: tuple[int, ...] = ()

    @property
    def all(self) -> tuple[int, ...]:
        """Every season longer than one step, primary first."""
        return tuple(s for s in (self.primary, *self.extra) if s > 1)


def infer_seasons(step_ns: int, length: int, season: int | None = None) -> Seasons:
    """``season``, or else the daily cycle when it is a whole number of steps and the history
    holds :data:`MIN_CYCLES` days, or else the weekly cycle likewise, or else 1; plus the weekly
    cycle as a further season when it is longer and the history holds :data:`MIN_CYCLES` weeks."""
    if season is not None and season < 1:
        raise ForecastError(f"season must be >= 1, got {season}")
    weekly = _calendar_cycle(step_ns, WEEK_NS, length)
    daily = _calendar_cycle(step_ns, DAY_NS, length)
    primary = season if season is not None else (daily if daily > 1 else weekly)
    extra = (weekly,) if weekly > max(primary, 1) else ()
    return Seasons(primary, extra)


def _calendar_cycle(step_ns: int, cycle_ns: int, length: int) -> int:
    if step_ns >= cycle_ns or cycle_ns % step_ns:
        return 1
    steps = cycle_ns // step_ns
    return steps if steps * MIN_CYCLES <= length else 1


def horizon_steps(duration_s: float, step_ns: int) -> int:
    """Steps covering ``duration_s`` seconds (e.g. the next 24 h or 7 days), at least 1."""
    if duration_s <= 0:
        raise ForecastError(f"horizon must be positive, got {duration_s} s")
    return max(1, -(-round(duration_s * NS_PER_S) // step_ns))
