"""Prediction intervals calibrated on the backtest errors of the ensemble.

The ensemble's backtest errors ``e[fold, step]`` give a spread per lead time ``sigma[step]``
(root mean square over folds, smoothed over neighbouring steps and made non-decreasing with
lead time). The errors divided by that spread are pooled over folds and steps, and their
empirical quantiles at ``(1 - level) / 2`` and ``(1 + level) / 2`` (with the split-conformal
finite-sample correction) scale the band: ``mean + q * sigma[step]``. So the interval reaches
its nominal coverage on the backtest by construction; :attr:`IntervalCalibration.coverage` is the
honest figure — each fold scored with a calibration made from the *other* folds.

Beyond the backtest horizon the spread grows with the square root of the lead time. The band
always contains the point forecast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.analytics.forecast.series import FloatArray


@dataclass(frozen=True)
class IntervalCalibration:
    """Spread per lead time and the standardised quantiles of the band."""

    level: float
    sigma: FloatArray
    q_low: float
    q_high: float
    coverage: float
    """Leave-one-fold-out coverage on the backtest (NaN with a single fold)."""

    def spread(self, horizon: int) -> FloatArray:
        """``sigma`` for ``horizon`` lead times, extended by ``sqrt(lead / backtest horizon)``."""
        known = self.sigma.size
        if horizon <= known:
            return self.sigma[:horizon].copy()
        lead = np.arange(known + 1, horizon + 1, dtype=np.float64)
        extra = self.sigma[-1] * np.sqrt(lead / known)
        return np.concatenate((self.sigma, extra))

    def bands(self, mean: FloatArray) -> tuple[FloatArray, FloatArray]:
        """``(lower, upper)`` around the point forecasts ``mean``."""
        spread = self.spread(mean.size)
        return mean + self.q_low * spread, mean + self.q_high * spread


def calibrate(errors: FloatArray, level: float) -> IntervalCalibration:
    """Calibrate on ``errors`` (``actual - forecast``, shape ``(folds, horizon)``)."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"interval level must be in (0, 1), got {level}")
    sigma = _spread(errors)
    q_low, q_high = _quantiles(errors / sigma, level)
    return IntervalCalibration(level, sigma, q_low, q_high, _held_out_coverage(errors, level))


def _spread(errors: FloatArray) -> FloatArray:
    rms = np.sqrt(np.mean(errors**2, axis=0))
    half = max(1, rms.size // 16)
    kernel = np.ones(2 * half + 1)
    padded = np.pad(rms, half, mode="edge")
    smooth = np.convolve(padded, kernel / kernel.sum(), mode="valid")
    overall = float(np.sqrt(np.mean(errors**2)))
    floor = max(overall * 1e-3, 1e-12)
    return np.maximum(np.maximum.accumulate(smooth), floor)


def _quantiles(standardised: FloatArray, level: float) -> tuple[float, float]:
    flat = np.sort(standardised.ravel())
    n = flat.size
    tail = (1.0 - level) / 2.0
    k_high = min(n - 1, math.ceil((n + 1) * (1.0 - tail)) - 1)
    k_low = max(0, math.floor((n + 1) * tail) - 1)
    return min(float(flat[k_low]), 0.0), max(float(flat[k_high]), 0.0)


def _held_out_coverage(errors: FloatArray, level: float) -> float:
    folds = errors.shape[0]
    if folds < 2:
        return math.nan
    hits = []
    for fold in range(folds):
        others = np.delete(errors, fold, axis=0)
        sigma = _spread(others)
        q_low, q_high = _quantiles(others / sigma, level)
        held = errors[fold]
        hits.append(np.mean((held >= q_low * sigma) & (held <= q_high * sigma)))
    return float(np.mean(hits))
