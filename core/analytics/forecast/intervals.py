"""Prediction intervals from the out-of-sample errors of the ensemble (split conformal).

The errors ``e[origin, step]`` come from rolling forecast origins (:mod:`.origins`): several
per backtest fold, each forecast made only from data before its origin. They give a spread per
lead time ``sigma[step]`` (root mean square over origins, smoothed over neighbouring steps and
made non-decreasing with lead time). The errors divided by that spread are pooled, and the
``level`` quantile ``q`` of their magnitudes (with the split-conformal finite-sample correction)
scales the band: ``mean +- q * sigma[step]``. The band is symmetric on purpose: the origins of a
backtest span a few days whose errors are correlated, so a lopsided error sample there says
more about those days than about the next ones (two one-sided quantiles undercovered held-out
data). The pooled scores are kept, so a band of any other level comes from the same
calibration. In-sample model variance plays no part: an over-fitted member cannot make the band
narrow.

:attr:`IntervalCalibration.coverage` is the honest figure on the backtest: the origins of each
fold scored with a calibration made from the *other* folds' origins. Beyond the calibrated
horizon the spread grows with the square root of the lead time. The band always contains the
point forecast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.analytics.forecast.series import FloatArray, IntArray


@dataclass(frozen=True)
class IntervalCalibration:
    """Spread per lead time and the pooled standardised errors."""

    level: float
    sigma: FloatArray
    scores: FloatArray
    """Sorted ``|error| / sigma[step]`` of every origin and step."""
    coverage: float
    """Leave-one-fold-out coverage of the ``level`` band (NaN with a single fold)."""
    origins: int = 0
    """Forecast origins the errors came from."""

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Models pickled before the scores were kept (``q_low``/``q_high`` of one level) keep
        their band, the wider side on both sides."""
        if "scores" not in state:
            q = max(-float(state.pop("q_low", 0.0)), float(state.pop("q_high", 0.0)))
            state = {**state, "scores": np.array([q]), "origins": 0}
        self.__dict__.update(state)

    @property
    def q_low(self) -> float:
        """Standardised lower quantile of the ``level`` band."""
        return quantiles(self.scores, self.level)[0]

    @property
    def q_high(self) -> float:
        """Standardised upper quantile of the ``level`` band."""
        return quantiles(self.scores, self.level)[1]

    def spread(self, horizon: int) -> FloatArray:
        """``sigma`` for ``horizon`` lead times, extended by ``sqrt(lead / backtest horizon)``."""
        known = self.sigma.size
        if horizon <= known:
            return self.sigma[:horizon].copy()
        lead = np.arange(known + 1, horizon + 1, dtype=np.float64)
        extra = self.sigma[-1] * np.sqrt(lead / known)
        return np.concatenate((self.sigma, extra))

    def bands(self, mean: FloatArray, level: float | None = None) -> tuple[FloatArray, FloatArray]:
        """``(lower, upper)`` around the point forecasts ``mean`` (default: the calibrated
        level)."""
        q_low, q_high = quantiles(self.scores, self.level if level is None else level)
        spread = self.spread(mean.size)
        return mean + q_low * spread, mean + q_high * spread


def calibrate(
    errors: FloatArray, level: float, folds: IntArray | None = None
) -> IntervalCalibration:
    """Calibrate on ``errors`` (``actual - forecast``, shape ``(origins, horizon)``); ``folds``
    names the backtest fold of each origin (default: one fold per origin)."""
    _check_level(level)
    groups = np.arange(errors.shape[0]) if folds is None else np.asarray(folds)
    sigma = spread_per_step(errors)
    scores = np.sort(np.abs(errors / sigma).ravel())
    coverage = held_out_coverage(errors, groups, level)
    return IntervalCalibration(level, sigma, scores, coverage, int(errors.shape[0]))


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"interval level must be in (0, 1), got {level}")


def spread_per_step(errors: FloatArray) -> FloatArray:
    """RMS error per lead time, smoothed over neighbouring steps and non-decreasing."""
    rms = np.sqrt(np.mean(errors**2, axis=0))
    half = max(1, rms.size // 16)
    kernel = np.ones(2 * half + 1)
    padded = np.pad(rms, half, mode="edge")
    smooth = np.convolve(padded, kernel / kernel.sum(), mode="valid")
    overall = float(np.sqrt(np.mean(errors**2)))
    floor = max(overall * 1e-3, 1e-12)
    return np.maximum(np.maximum.accumulate(smooth), floor)


def quantiles(scores: FloatArray, level: float) -> tuple[float, float]:
    """``(-q, q)``: the split-conformal ``level`` quantile ``q`` of the absolute standardised
    errors (index ``ceil((n + 1) * level)``), so the band is symmetric about the forecast."""
    _check_level(level)
    magnitudes = np.sort(np.abs(scores).ravel())
    n = magnitudes.size
    k = min(n - 1, math.ceil((n + 1) * level) - 1)
    q = float(magnitudes[max(k, 0)])
    return -q, q


def held_out_coverage(errors: FloatArray, folds: IntArray, level: float) -> float:
    """Share of each fold's errors inside a band calibrated on the other folds, averaged."""
    names = np.unique(folds)
    if names.size < 2:
        return math.nan
    hits = []
    for fold in names:
        others = errors[folds != fold]
        sigma = spread_per_step(others)
        q_low, q_high = quantiles(others / sigma, level)
        held = errors[folds == fold]
        hits.append(np.mean((held >= q_low * sigma) & (held <= q_high * sigma)))
    return float(np.mean(hits))
