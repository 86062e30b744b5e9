"""The per-device IsolationForest flags a broken correlation between two channels."""

from __future__ import annotations

import numpy as np
import pytest

from core.analytics.anomaly import IsolationForestDetector, IsolationForestSettings

SETTINGS = IsolationForestSettings(n_estimators=50)


def _correlated(seed: int, n: int = 1400) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    ts = np.arange(n, dtype=np.int64) * 1_000_000_000
    flow = np.sin(np.arange(n) / 30 + 1.0) + 0.05 * rng.normal(size=n)
    power = 2 * flow + 0.05 * rng.normal(size=n)
    return ts, np.column_stack([flow, power])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_broken_correlation_is_flagged(seed: int) -> None:
    ts, rows = _correlated(seed)
    broken = rows.copy()
    part = slice(950, 975)  # near a crest, the second channel stops following the first
    broken[part, 1] = -broken[part, 1]
    scores = IsolationForestDetector(2, SETTINGS).score_series(ts, broken)
    clean = scores[300:940]
    assert scores[part].max() > max(clean.max(), 0.3)
    assert np.median(scores[part]) > 1.5 * np.quantile(clean, 0.99)


def test_rows_with_missing_values_score_zero_and_shapes_are_checked() -> None:
    ts, rows = _correlated(3, n=300)
    rows[250, 0] = np.nan
    detector = IsolationForestDetector(2, SETTINGS)
    scores = detector.update(ts, rows)
    assert scores[250] == 0.0
    assert np.all((scores >= 0) & (scores <= 1))
    with pytest.raises(ValueError, match="shape"):
        detector.update(ts[:3], rows[:3, :1])
    with pytest.raises(ValueError, match="channel"):
        IsolationForestDetector(0)


def test_single_channel_accepts_a_flat_array() -> None:
    ts, rows = _correlated(4, n=400)
    scores = IsolationForestDetector(1, SETTINGS).score_series(ts, rows[:, 0])
    assert scores.shape == (400,)
