"""The ensemble: beats seasonal naive on the shared NAB series, weights, intervals, fallbacks."""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import pytest

from core.analytics.forecast import (
    NAIVE,
    Forecaster,
    ForecastError,
    ForecastSettings,
    RegularSeries,
    Seasons,
    forecast,
    resample_mean,
)
from core.analytics.forecast.members import Fitted
from core.analytics.nab import read_series_csv
from tests.core.analytics.forecast.conftest import HOUR_NS, plant_load

HALF_HOUR_NS = 1800 * 1_000_000_000


@pytest.mark.parametrize(
    ("name", "step_ns", "season"),
    [
        ("realKnownCause/nyc_taxi.csv", HALF_HOUR_NS, 48),
        ("realKnownCause/ambient_temperature_system_failure.csv", HOUR_NS, 24),
    ],
    ids=["nyc_taxi", "ambient_temperature"],
)
def test_beats_seasonal_naive_on_nab(nab_root: Path, name: str, step_ns: int, season: int) -> None:
    ts_ns, values = read_series_csv(nab_root / "data" / name)
    recent = resample_mean(ts_ns, values, step_ns).tail(28 * season)
    result = forecast(recent.ts_ns, recent.values, season, season=season)
    assert result.metrics.mase < 1.0
    assert result.metrics.mae < result.naive_metrics.mae
    assert result.metrics.smape < result.naive_metrics.smape
    assert result.metrics.folds == 3
    assert sum(result.weights.values()) == pytest.approx(1.0)
    assert result.horizon == season
    assert result.ts_ns[0] == recent.ts_ns[-1] + step_ns
    assert np.all(result.lower <= result.mean) and np.all(result.mean <= result.upper)
    assert result.seasons == (season, 7 * season)
    assert 0.75 <= result.interval_coverage <= 1.0  # leave-one-fold-out, was 0.68-0.69


def test_week_ahead_forecast_of_hourly_load() -> None:
    ts, values = plant_load(days=35)
    fitted = Forecaster(ForecastSettings(horizon=168, folds=2)).fit(ts, values)
    result = fitted.predict()
    assert result.horizon == 168
    assert result.step_ns == HOUR_NS
    assert result.metrics.mase < result.naive_metrics.mase
    truth_ts, truth = plant_load(days=42)
    assert truth_ts[-168] == result.ts_ns[0]
    assert np.mean(np.abs(result.mean - truth[-168:])) < 6.0
    with pytest.raises(ValueError):
        fitted.predict(0)
    longer = fitted.predict(200)
    assert longer.horizon == 200
    assert np.all(np.diff(longer.upper[-40:] - longer.mean[-40:]) >= -1e-9)
    buffer = io.BytesIO()
    joblib.dump(fitted, buffer)
    buffer.seek(0)
    np.testing.assert_allclose(joblib.load(buffer).predict(24).mean, fitted.predict(24).mean)


def test_summary_weights_and_trimming() -> None:
    ts, values = plant_load(days=10)
    result = forecast(ts, values, 24, settings=ForecastSettings(trim_ratio=1.2))
    summary = result.summary()
    assert set(summary["members"]) == {"ets", "sarimax", "forest", NAIVE}
    assert summary["backtest"]["folds"] == 3
    assert summary["step_s"] == 3600.0
    assert set(summary["weights"]) <= {"ets", "sarimax", "forest"}
    scores = {n: s.metrics.mase for n, s in result.members.items() if s.metrics and n != NAIVE}
    for name, mase in scores.items():
        if mase > 1.2 * min(scores.values()):
            assert result.weights.get(name, 0.0) == 0.0
    for figure in (result.metrics.mase, result.metrics.smape, result.naive_metrics.mase):
        assert math.isfinite(figure)


@dataclass(frozen=True)
class FailingSpec:
    name: str = "broken"

    def fit(self, train: RegularSeries, seasons: Seasons, horizon: int) -> Fitted:
        raise np.linalg.LinAlgError("singular matrix")


@dataclass
class NoisyFitted:
    level: float

    def predict(self, horizon: int) -> np.ndarray:
        warnings.warn("predicting loudly", RuntimeWarning, stacklevel=1)
        return np.full(horizon, self.level)


@dataclass(frozen=True)
class NoisySpec:
    """A mean forecaster that warns like statsmodels does."""

    name: str = "noisy"

    def fit(self, train: RegularSeries, seasons: Seasons, horizon: int) -> NoisyFitted:
        warnings.warn("did not converge", UserWarning, stacklevel=1)
        return NoisyFitted(float(np.mean(train.values)))


def test_failed_members_fall_back_to_seasonal_naive() -> None:
    ts, values = plant_load(days=10)
    result = forecast(ts, values, 24, members=[FailingSpec()])
    assert result.weights == {NAIVE: 1.0}
    assert result.members["broken"].error.startswith("LinAlgError")
    np.testing.assert_allclose(result.mean, values[-24:])
    assert result.metrics.mase == pytest.approx(result.naive_metrics.mase)


def test_warnings_are_captured_and_counted() -> None:
    ts, values = plant_load(days=10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = forecast(ts, values, 24, members=[NoisySpec(), FailingSpec()])
    assert result.weights == {"noisy": 1.0}
    # 3 folds + refit: a fit and a predict each; then the final predict
    assert result.warnings == 9


def test_irregular_gappy_input() -> None:
    ts, values = plant_load(days=10)
    keep = np.random.default_rng(5).random(ts.size) > 0.1
    values = values.copy()
    values[::37] = np.nan
    result = forecast(ts[keep] + 60 * 1_000_000_000, values[keep], 12)
    assert result.step_ns == HOUR_NS
    assert np.all(np.isfinite(result.mean))


@pytest.mark.parametrize(
    ("days", "horizon", "folds"),
    [(2, 24, 3), (10, 0, 3), (10, 24, 0)],
    ids=["too-short", "horizon-0", "folds-0"],
)
def test_unforecastable_inputs(days: int, horizon: int, folds: int) -> None:
    ts, values = plant_load(days=days)
    with pytest.raises(ForecastError):
        Forecaster(ForecastSettings(horizon=horizon, folds=folds)).fit(ts, values)
