"""Causality: changing the future never changes past scores; batching never changes scores."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.analytics.anomaly import (
    DetectorBase,
    EnsembleDetector,
    EwmaCusumDetector,
    IsolationForestDetector,
    IsolationForestSettings,
    SeasonalRobustDetector,
)
from tests.core.analytics.synthetic import DAY, daily_signal

DETECTORS = [EnsembleDetector, SeasonalRobustDetector, EwmaCusumDetector]
N = 3 * DAY  # long enough for the seasonal baseline and the calibrators to be live


@st.composite
def _future_change(draw: st.DrawFn) -> tuple[int, int, int, str, float]:
    seed = draw(st.integers(0, 2**16))
    make = draw(st.integers(0, len(DETECTORS) - 1))
    cut = draw(st.integers(1, N - 1))
    kind = draw(st.sampled_from(["spike", "shift", "nan", "flat", "noise"]))
    size = draw(st.floats(-1e6, 1e6, allow_nan=False))
    return seed, make, cut, kind, size


def _alter(values: np.ndarray, cut: int, kind: str, size: float, seed: int) -> np.ndarray:
    out = values.copy()
    if kind == "spike":
        out[cut] += size
    elif kind == "shift":
        out[cut:] += size
    elif kind == "nan":
        out[cut::3] = np.nan
    elif kind == "flat":
        out[cut:] = size
    else:
        out[cut:] = np.random.default_rng(seed).normal(0, abs(size) + 1, out.size - cut)
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_future_change())
def test_future_data_never_changes_past_scores(case: tuple[int, int, int, str, float]) -> None:
    seed, make, cut, kind, size = case
    ts, values = daily_signal(seed % 7, days=3)
    detector = DETECTORS[make]()
    original = detector.score_series(ts, values)
    altered = detector.score_series(ts, _alter(values, cut, kind, size, seed))
    np.testing.assert_array_equal(original[:cut], altered[:cut])
    assert np.all((altered >= 0) & (altered <= 1))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(DETECTORS) - 1), st.lists(st.integers(1, 400), min_size=1, max_size=12))
def test_batch_split_gives_the_same_scores(make: int, sizes: list[int]) -> None:
    ts, values = daily_signal(make, days=3)
    whole = DETECTORS[make]().score_series(ts, values)
    detector: DetectorBase = DETECTORS[make]()
    parts, start = [], 0
    for size in [*sizes, N]:
        parts.append(detector.update(ts[start : start + size], values[start : start + size]))
        start += size
    np.testing.assert_allclose(np.concatenate(parts), whole, rtol=0, atol=1e-9)


def test_isolation_forest_is_causal_and_batch_independent() -> None:
    rng = np.random.default_rng(5)
    n = 700
    ts = np.arange(n, dtype=np.int64) * 1_000_000_000
    rows = rng.normal(size=(n, 2))
    settings_ = IsolationForestSettings(n_estimators=30, refit_every=100, min_train=100)
    whole = IsolationForestDetector(2, settings_).score_series(ts, rows)
    changed = rows.copy()
    changed[400:] += 50.0
    np.testing.assert_array_equal(
        IsolationForestDetector(2, settings_).score_series(ts, changed)[:400], whole[:400]
    )
    detector = IsolationForestDetector(2, settings_)
    parts = [
        detector.update(ts[a:b], rows[a:b]) for a, b in [(0, 33), (33, 250), (250, 251), (251, n)]
    ]
    np.testing.assert_array_equal(np.concatenate(parts), whole)
