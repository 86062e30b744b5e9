"""Seasonal residual with robust z-scores (median/MAD over a rolling window).

The season is read from the timestamps: the baseline of a sample is the median of the values
observed one, two, ... ``seasons`` periods earlier at the same phase (nearest sample within half
the sampling interval, which is learned from the first samples). A sample is judged against the
seasonal residual only where the season explains the signal clearly better than its recent level
(mean absolute deviation ratio below ``selection_ratio``); otherwise against the level itself.
Both the value and its first difference are scored, so spikes on trends stand out too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Self

import numpy as np

from core.analytics.anomaly.base import DetectorBase, IntArray
from core.analytics.anomaly.calibrate import AlertFrequency, NoveltyShaper, TailCalibrator
from core.analytics.anomaly.rolling import FloatArray, GrowableSeries, RollingWindow, push_robust_z

log = logging.getLogger(__name__)

DAY_NS = 86_400 * 1_000_000_000
WEEK_NS = 7 * DAY_NS
_INTERVAL_SAMPLES = 64


class SeasonalBaseline:
    """Median of the same-phase values of the previous seasons (NaN where too few exist)."""

    def __init__(self, period_ns: int = DAY_NS, seasons: int = 5, min_seasons: int = 2) -> None:
        if period_ns <= 0 or not 1 <= min_seasons <= seasons:
            raise ValueError("bad seasonal baseline settings")
        self.period_ns = period_ns
        self.seasons = seasons
        self.min_seasons = min_seasons
        self._past = GrowableSeries()
        self._tolerance: int | None = None

    def push(self, ts: IntArray, values: FloatArray) -> FloatArray:
        """Baseline of each sample (timestamps non-decreasing), then remember the samples."""
        baseline = np.full(values.size, np.nan)
        start = self._learn_tolerance(ts)
        if self._tolerance is not None and start < ts.size:
            baseline[start:] = self._lagged_median(ts, values, start, self._tolerance)
        self._past.append(ts, values)
        if self._past.ts.size:
            horizon = self.seasons * self.period_ns + (self._tolerance or 0)
            self._past.drop_before(int(self._past.ts[-1]) - horizon)
        return baseline

    def _learn_tolerance(self, ts: IntArray) -> int:
        """Learn half the median sampling interval from the first samples; index of the first
        sample of this batch that may get a baseline."""
        if self._tolerance is not None:
            return 0
        seen = self._past.ts.size
        take = max(0, min(ts.size, _INTERVAL_SAMPLES - seen))
        head = np.concatenate([self._past.ts, ts[:take]])
        if head.size < _INTERVAL_SAMPLES:
            return ts.size
        self._tolerance = max(1, int(np.median(np.diff(head))) // 2)
        log.debug("seasonal baseline: sampling tolerance %d ns", self._tolerance)
        return take

    def _lagged_median(
        self, batch_ts: IntArray, batch_values: FloatArray, start: int, tolerance: int
    ) -> FloatArray:
        """Baselines of ``batch_ts[start:]``, looking up the past and the whole batch."""
        all_ts = np.concatenate([self._past.ts, batch_ts])
        all_values = np.concatenate([self._past.values, batch_values])
        own = np.arange(self._past.ts.size + start, all_ts.size)
        ts = batch_ts[start:]
        lagged = np.full((self.seasons, ts.size), np.nan)
        for k in range(1, self.seasons + 1):
            target = ts - k * self.period_ns
            right = np.clip(np.searchsorted(all_ts, target), 0, all_ts.size - 1)
            left = np.clip(right - 1, 0, all_ts.size - 1)
            nearest = np.where(
                np.abs(all_ts[left] - target) < np.abs(all_ts[right] - target), left, right
            )
            ok = (np.abs(all_ts[nearest] - target) <= tolerance) & (nearest < own)
            lagged[k - 1] = np.where(ok, all_values[nearest], np.nan)
        counts = np.count_nonzero(~np.isnan(lagged), axis=0)
        result = np.full(ts.size, np.nan)
        enough = counts >= self.min_seasons
        if enough.any():
            result[enough] = np.nanmedian(lagged[:, enough], axis=0)
        return result


@dataclass(frozen=True)
class ResidualSettings:
    """Settings of :class:`ResidualModel`."""

    periods_ns: tuple[int, ...] = (DAY_NS,)
    """Candidate seasons; per sample the best-fitting one is used."""
    seasons: int = 5
    window: int = 400
    min_count: int = 30
    selection_ratio: float = 0.7


class _Track:
    """One candidate explanation of the signal: its residual's windows and last residual."""

    def __init__(self, settings: ResidualSettings, period_ns: int | None) -> None:
        self.baseline = SeasonalBaseline(period_ns, settings.seasons) if period_ns else None
        self.value_window = RollingWindow(settings.window, settings.min_count)
        self.diff_window = RollingWindow(settings.window, settings.min_count)
        self.previous = np.nan

    def push(self, ts: IntArray, values: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """``(z, z_of_difference, mean_abs_deviation)`` of this track's residual."""
        residual = values if self.baseline is None else values - self.baseline.push(ts, values)
        z, stats = push_robust_z(self.value_window, residual)
        previous = np.concatenate([[self.previous], residual[:-1]])
        if residual.size:
            self.previous = float(residual[-1])
        dz, _ = push_robust_z(self.diff_window, residual - previous)
        return z, dz, stats.mean_abs


class ResidualModel:
    """Robust z of the value and of its first difference, against the seasonal residual where a
    season fits (the best-fitting season, when clearly better than the recent level) and against
    the recent level elsewhere."""

    def __init__(self, settings: ResidualSettings) -> None:
        self._ratio = settings.selection_ratio
        self._level = _Track(settings, None)
        self._seasons = [_Track(settings, period) for period in settings.periods_ns]

    def push(self, ts: IntArray, values: FloatArray) -> tuple[FloatArray, FloatArray]:
        """``(z, z_of_difference)`` per sample (NaN during warm-up)."""
        z, dz, level_fit = self._level.push(ts, values)
        best_fit = self._ratio * level_fit
        for track in self._seasons:
            z_season, dz_season, fit = track.push(ts, values)
            with np.errstate(invalid="ignore"):
                better = np.isfinite(z_season) & (fit < best_fit)
            z = np.where(better, z_season, z)
            dz = np.where(better, dz_season, dz)
            best_fit = np.where(better, fit, best_fit)
        return z, dz


@dataclass(frozen=True)
class SeasonalRobustSettings:
    """Settings of :class:`SeasonalRobustDetector`."""

    residual: ResidualSettings = field(default_factory=ResidualSettings)
    alert_horizon: int = 200
    frequency_weight: float = 0.5
    """Discount per decade of earlier alerts at least as strong (0 disables it)."""
    frequency_halflife: float = 20_000.0


class SeasonalRobustDetector(DetectorBase):
    """Detector (a): seasonal residual, robust z of level and difference, calibrated per stream."""

    def __init__(self, settings: SeasonalRobustSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or SeasonalRobustSettings()
        self._residual = ResidualModel(self.settings.residual)
        self._level_tail = TailCalibrator()
        self._diff_tail = TailCalibrator()
        s = self.settings
        frequency = AlertFrequency(s.frequency_weight, s.frequency_halflife)
        self._shaper = NoveltyShaper(s.alert_horizon, frequency=frequency)

    def fresh(self) -> Self:
        """A new detector with the same settings."""
        return type(self)(self.settings)

    def _update_usable(self, ts: IntArray, values: FloatArray) -> FloatArray:
        z, dz = self._residual.push(ts, values)
        surprise = np.maximum(self._level_tail.push(np.abs(z)), self._diff_tail.push(np.abs(dz)))
        return self._shaper.push(surprise)
