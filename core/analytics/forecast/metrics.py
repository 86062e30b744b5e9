"""Forecast accuracy: seasonal-naive reference, MAE, MASE and sMAPE.

- MASE (Hyndman & Koehler 2006): the forecast's mean absolute error divided by the in-sample
  mean absolute error of the seasonal-naive forecast (``y[t] - y[t - season]``) on the training
  data of the same fold. Below 1 means better than seasonal naive on average.
- sMAPE: ``100 * mean(2 |y - f| / (|y| + |f|))`` in percent (terms with ``y = f = 0`` count 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.analytics.forecast.series import FloatArray

NAIVE = "seasonal_naive"
"""Name of the seasonal-naive reference (and of the fallback forecast)."""


def seasonal_naive(history: FloatArray, horizon: int, season: int) -> FloatArray:
    """Repeat the last ``season`` values (the last value when ``season`` is 1)."""
    period = max(1, min(season, history.size))
    last_cycle = history[-period:]
    reps = -(-horizon // period)
    return np.tile(last_cycle, reps)[:horizon].astype(np.float64)


def naive_scale(history: FloatArray, season: int) -> float:
    """In-sample mean absolute seasonal difference (MASE's denominator); falls back to the
    one-step difference when the history is shorter than two seasons, and never returns 0."""
    lag = season if history.size > 2 * season else 1
    diffs = np.abs(history[lag:] - history[:-lag]) if history.size > lag else np.zeros(1)
    scale = float(np.mean(diffs))
    if scale > 0:
        return scale
    return max(float(np.mean(np.abs(history))) * 1e-9, 1e-12)


def mae(actual: FloatArray, forecast: FloatArray) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(actual - forecast)))


def smape(actual: FloatArray, forecast: FloatArray) -> float:
    """Symmetric mean absolute percentage error, in percent (0..200)."""
    denom = np.abs(actual) + np.abs(forecast)
    terms = np.divide(
        2.0 * np.abs(actual - forecast), denom, out=np.zeros_like(denom), where=denom > 0
    )
    return float(100.0 * np.mean(terms))


@dataclass(frozen=True)
class BacktestMetrics:
    """Accuracy of one forecaster over the folds of a rolling-origin backtest."""

    mase: float
    smape: float
    mae: float
    folds: int

    def to_dict(self) -> dict[str, float | int]:
        """JSON-friendly figures."""
        return {"mase": self.mase, "smape": self.smape, "mae": self.mae, "folds": self.folds}


def fold_metrics(actuals: FloatArray, forecasts: FloatArray, scales: FloatArray) -> BacktestMetrics:
    """Metrics over folds: ``actuals``/``forecasts`` are ``(folds, horizon)``, ``scales`` the
    per-fold MASE denominators; each figure is the mean over folds."""
    folds = actuals.shape[0]
    if folds == 0:
        return BacktestMetrics(math.nan, math.nan, math.nan, 0)
    maes = np.array([mae(actuals[f], forecasts[f]) for f in range(folds)])
    smapes = np.array([smape(actuals[f], forecasts[f]) for f in range(folds)])
    return BacktestMetrics(
        mase=float(np.mean(maes / scales)),
        smape=float(np.mean(smapes)),
        mae=float(np.mean(maes)),
        folds=folds,
    )
