"""Prediction intervals are honest: on a seasonal series with known noise, forecasts made at
several held-out origins fall inside the nominal 80 % / 90 % bands about that often.

A statistical test with fixed seeds (no timing): each fit sees only the data before its origin,
and the band is compared with the values that follow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest

from core.analytics.forecast import FittedEnsemble, Forecaster, ForecastSettings
from core.analytics.forecast.intervals import IntervalCalibration, calibrate, quantiles
from tests.core.analytics.forecast.conftest import HOUR_NS, START_NS

DAY = 24
HISTORY_DAYS = 21
ORIGINS = 3
SEEDS = (11, 12)
SIGMA = 2.0
Z90 = 1.645
"""Half-width of a 90 % band of N(0, SIGMA) noise, in units of SIGMA."""


def seasonal_series(days: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Hourly: a level, a two-harmonic daily cycle and Gaussian noise of known ``SIGMA``."""
    rng = np.random.default_rng(seed)
    hours = np.arange(days * DAY)
    cycle = 20 * np.sin(2 * np.pi * hours / DAY) + 5 * np.cos(4 * np.pi * hours / DAY)
    values = 50 + cycle + rng.normal(0.0, SIGMA, hours.size)
    return START_NS + hours.astype(np.int64) * HOUR_NS, values


@dataclass
class HeldOut:
    """Band hits per level at every held-out origin, and the ensembles fitted there."""

    hits: dict[float, list[bool]] = field(default_factory=lambda: {0.8: [], 0.9: []})
    fitted: list[FittedEnsemble] = field(default_factory=list)


@pytest.fixture(scope="module")
def held_out() -> HeldOut:
    """Day-ahead forecasts at ORIGINS origins one day apart on each seeded series, each fitted
    only on the days before its origin."""
    found = HeldOut()
    for seed in SEEDS:
        ts, values = seasonal_series(HISTORY_DAYS + ORIGINS, seed)
        for k in range(ORIGINS, 0, -1):
            end = values.size - k * DAY
            settings = ForecastSettings(horizon=DAY, season=DAY, weekly=False)
            fitted = Forecaster(settings).fit(ts[:end], values[:end])
            found.fitted.append(fitted)
            actual = values[end : end + DAY]
            for level, hits in found.hits.items():
                result = fitted.predict(DAY, level)
                hits += list((actual >= result.lower) & (actual <= result.upper))
    return found


@pytest.mark.parametrize(("level", "low", "high"), [(0.9, 0.8, 0.97), (0.8, 0.68, 0.9)])
def test_held_out_coverage_is_close_to_nominal(
    held_out: HeldOut, level: float, low: float, high: float
) -> None:
    coverage = float(np.mean(held_out.hits[level]))
    assert low <= coverage <= high, f"{level:.0%} band covered {coverage:.1%}"


def test_calibration_uses_many_out_of_sample_origins(held_out: HeldOut) -> None:
    widths = []
    for fitted in held_out.fitted:
        calibration = fitted.calibration
        assert calibration.origins > 3 * fitted.metrics.folds
        # the backtest's own leave-one-fold-out figure is honest too
        assert 0.8 <= calibration.coverage <= 0.99
        result = fitted.predict(DAY)
        widths.append(float(np.median(result.upper - result.lower)) / 2)
    # on average the 90 % band is about as wide as the noise alone requires, not much wider
    assert 0.85 * Z90 * SIGMA < np.mean(widths) < 2 * Z90 * SIGMA
    fitted = held_out.fitted[-1]
    result = fitted.predict(DAY)
    # one calibration gives every level; a wider level gives a wider band
    narrow = fitted.predict(DAY, 0.5)
    assert np.all(narrow.upper - narrow.lower <= result.upper - result.lower + 1e-12)


def test_quantiles_follow_the_level_of_the_same_scores() -> None:
    errors = np.random.default_rng(3).normal(0.0, 1.0, (40, 12))
    calibration = calibrate(errors, 0.9, np.repeat(np.arange(4), 10))
    assert quantiles(calibration.scores, 0.9) == (calibration.q_low, calibration.q_high)
    low80, high80 = quantiles(calibration.scores, 0.8)
    assert calibration.q_low < low80 < 0 < high80 < calibration.q_high
    assert (low80, calibration.q_low) == (-high80, -calibration.q_high)  # symmetric bands
    assert 0.8 < calibration.coverage <= 1.0


def test_a_model_pickled_with_one_level_keeps_its_band() -> None:
    legacy = IntervalCalibration.__new__(IntervalCalibration)
    state = {"level": 0.9, "sigma": np.ones(3), "q_low": -1.5, "q_high": 1.2, "coverage": 0.7}
    legacy.__setstate__(state)
    lower, upper = legacy.bands(np.zeros(3))
    assert np.all(lower == -1.5) and np.all(upper == 1.5) and legacy.coverage == 0.7
