"""Seasonal naive, MASE, sMAPE and the interval calibration."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.analytics.forecast import calibrate, mae, naive_scale, seasonal_naive, smape
from core.analytics.forecast.metrics import fold_metrics


@pytest.mark.parametrize(
    ("history", "horizon", "season", "expected"),
    [
        ([1, 2, 3, 4, 5, 6], 4, 3, [4, 5, 6, 4]),
        ([1, 2, 3], 2, 1, [3, 3]),
        ([1, 2], 3, 5, [1, 2, 1]),
    ],
)
def test_seasonal_naive(
    history: list[float], horizon: int, season: int, expected: list[float]
) -> None:
    assert seasonal_naive(np.array(history, float), horizon, season).tolist() == expected


def test_mase_of_seasonal_naive_on_its_own_scale_is_one() -> None:
    rng = np.random.default_rng(3)
    y = np.tile(np.arange(24.0), 10) + rng.normal(0, 1, 240)
    history, future = y[:216], y[216:]
    scale = naive_scale(history, 24)
    expected = np.mean(np.abs(history[24:] - history[:-24]))
    assert scale == pytest.approx(expected)
    metrics = fold_metrics(
        future[None, :], seasonal_naive(history, 24, 24)[None, :], np.array([scale])
    )
    assert metrics.mase == pytest.approx(mae(future, seasonal_naive(history, 24, 24)) / scale)
    assert 0.5 < metrics.mase < 1.5


def test_naive_scale_never_zero() -> None:
    assert naive_scale(np.ones(100), 24) > 0


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=30),
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=30),
)
def test_smape_bounds(a: list[float], f: list[float]) -> None:
    n = min(len(a), len(f))
    value = smape(np.array(a[:n]), np.array(f[:n]))
    assert 0.0 <= value <= 200.0 + 1e-9


def test_smape_known_value() -> None:
    assert smape(np.array([100.0, 0.0]), np.array([110.0, 0.0])) == pytest.approx(
        100 * (20 / 210) / 2
    )


def test_calibrated_interval_covers_gaussian_errors_at_its_level() -> None:
    rng = np.random.default_rng(7)
    growth = np.sqrt(np.arange(1, 49))
    errors = rng.normal(0, 1, (6, 48)) * growth
    cal = calibrate(errors, 0.9)
    assert 0.8 <= cal.coverage <= 0.98
    fresh = rng.normal(0, 1, (200, 48)) * growth
    lower, upper = cal.bands(np.zeros(48))
    inside = np.mean((fresh >= lower) & (fresh <= upper))
    assert 0.82 <= inside <= 0.97
    assert np.all(np.diff(cal.spread(96)) >= 0)
    assert cal.spread(96).size == 96


def test_bands_always_contain_the_point_forecast() -> None:
    biased = np.abs(np.random.default_rng(1).normal(0, 1, (3, 10))) + 5.0
    cal = calibrate(biased, 0.8)
    mean = np.linspace(0, 9, 10)
    lower, upper = cal.bands(mean)
    assert np.all(lower <= mean) and np.all(mean <= upper)
    assert math.isfinite(cal.coverage)


def test_single_fold_has_no_held_out_coverage() -> None:
    assert math.isnan(calibrate(np.ones((1, 5)), 0.9).coverage)
    with pytest.raises(ValueError):
        calibrate(np.ones((2, 5)), 1.0)
