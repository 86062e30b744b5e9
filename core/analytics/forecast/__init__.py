"""Forecasting per tag or energy series: a backtest-weighted ensemble with calibrated intervals.

Typical use::

    result = forecast(ts_ns, values, horizon=48, season=48)     # next 24 h of 30-min data
    result.mean, result.lower, result.upper                     # 90 % interval by default
    result.metrics.mase, result.naive_metrics.mase              # backtest vs seasonal naive

or, to keep the fitted model (the model registry stores it)::

    fitted = Forecaster(ForecastSettings(horizon=336)).fit(ts_ns, values)
    fitted.predict(336)

Members: Holt-Winters ETS and a Fourier-regression SARIMAX (statsmodels), a random forest on
lag and calendar features (scikit-learn); weights ``1 / MASE`` from a rolling-origin backtest.
statsmodels' warnings are captured, counted (``Forecast.warnings``) and logged at DEBUG.
"""

from core.analytics.forecast.backtest import FoldPlan, plan_folds
from core.analytics.forecast.cli import read_csv_series, run_forecast_cli, write_forecast
from core.analytics.forecast.ensemble import (
    DEFAULT_MEMBERS,
    FittedEnsemble,
    Forecaster,
    ForecastSettings,
    forecast,
)
from core.analytics.forecast.forest import ForestSpec
from core.analytics.forecast.intervals import IntervalCalibration, calibrate
from core.analytics.forecast.members import EtsSpec, MemberSpec, SarimaxSpec
from core.analytics.forecast.metrics import (
    NAIVE,
    BacktestMetrics,
    mae,
    naive_scale,
    seasonal_naive,
    smape,
)
from core.analytics.forecast.result import Forecast, MemberScore
from core.analytics.forecast.series import (
    DAY_NS,
    WEEK_NS,
    ForecastError,
    RegularSeries,
    Seasons,
    horizon_steps,
    infer_seasons,
    infer_step,
    regularize,
    resample_mean,
)

__all__ = [
    "DAY_NS",
    "DEFAULT_MEMBERS",
    "NAIVE",
    "WEEK_NS",
    "BacktestMetrics",
    "EtsSpec",
    "FittedEnsemble",
    "FoldPlan",
    "Forecast",
    "ForecastError",
    "ForecastSettings",
    "Forecaster",
    "ForestSpec",
    "IntervalCalibration",
    "MemberScore",
    "MemberSpec",
    "RegularSeries",
    "SarimaxSpec",
    "Seasons",
    "calibrate",
    "forecast",
    "horizon_steps",
    "infer_seasons",
    "infer_step",
    "mae",
    "naive_scale",
    "plan_folds",
    "read_csv_series",
    "regularize",
    "resample_mean",
    "run_forecast_cli",
    "seasonal_naive",
    "smape",
    "write_forecast",
]
