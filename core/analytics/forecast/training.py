"""The forecast trainer of the model registry's :class:`~core.analytics.registry.Retrainer`.

``ForecastTrainer(source)`` reads a subject's series for the training window through
``source(subject, start_ns, end_ns) -> (ts_ns, values)`` (the historian, an energy series...),
fits the ensemble and hands back the :class:`FittedEnsemble` with the parameters and backtest
metrics the registry records.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.analytics.forecast.ensemble import FittedEnsemble, Forecaster, ForecastSettings
from core.analytics.forecast.series import FloatArray, IntArray
from core.analytics.registry.retrain import TrainedModel
from core.model import NS_PER_S

log = logging.getLogger(__name__)

SeriesSource = Callable[[str, int, int], tuple[IntArray, FloatArray]]

FORECAST_KIND = "forecast"


def forecast_params(fitted: FittedEnsemble, settings: ForecastSettings) -> dict[str, Any]:
    """What the registry records as parameters of a fitted ensemble."""
    return {
        "horizon": settings.horizon,
        "seasons": list(fitted.seasons.all),
        "level": settings.level,
        "folds": settings.folds,
        "max_history": settings.max_history,
        "members": [spec.name for spec in settings.members],
        "weights": dict(fitted.weights),
        "step_s": fitted.series.step_ns / NS_PER_S,
        "samples": len(fitted.series),
    }


def forecast_metrics(fitted: FittedEnsemble) -> dict[str, float]:
    """Backtest figures of a fitted ensemble (MASE, sMAPE, MAE, seasonal-naive MASE, ...)."""
    return {
        "mase": fitted.metrics.mase,
        "smape": fitted.metrics.smape,
        "mae": fitted.metrics.mae,
        "naive_mase": fitted.naive_metrics.mase,
        "interval_coverage": fitted.calibration.coverage,
        "fit_seconds": fitted.fit_seconds,
        "warnings": float(fitted.warnings.total),
    }


@dataclass
class ForecastTrainer:
    """Fits the forecast ensemble on a subject's training window."""

    source: SeriesSource
    settings: ForecastSettings = field(default_factory=ForecastSettings)

    def __call__(self, subject: str, start_ns: int, end_ns: int) -> TrainedModel:
        """Read, fit, and describe the model."""
        ts_ns, values = self.source(subject, start_ns, end_ns)
        fitted = Forecaster(self.settings).fit(ts_ns, values)
        log.info("trained forecast for %s on %d samples", subject, len(fitted.series))
        return TrainedModel(
            fitted, forecast_params(fitted, self.settings), forecast_metrics(fitted)
        )
