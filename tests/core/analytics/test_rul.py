"""Remaining useful life: recovers the failure time of synthetic degradations within its band."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from core.analytics import rul

HOUR_S = 3600.0
DAY_S = 86_400.0
START_NS = 1_700_000_000 * 1_000_000_000
THRESHOLD = 4.0

Trend = Callable[[np.ndarray], np.ndarray]
TRENDS: dict[str, tuple[Trend, str]] = {
    # vibration RMS: a healthy baseline, then exponential growth (bearing wear)
    "exponential": (lambda t: 1.0 + 0.2 * np.exp(t / (10 * DAY_S)), "exponential"),
    # a linear wear indicator
    "linear": (lambda t: 1.0 + 0.5 * t / (30 * DAY_S), "linear"),
}


def degradation(kind: str, seed: int, sign: float = 1.0) -> tuple[np.ndarray, np.ndarray, float]:
    """Hourly samples for 25 days, and the true remaining life (trend reaches the threshold)."""
    trend, _ = TRENDS[kind]
    t = np.arange(600) * HOUR_S
    values = trend(t) + np.random.default_rng(seed).normal(0, 0.08, t.size)
    fine = np.arange(0, 400 * DAY_S, 60.0)
    failure_s = fine[np.argmax(trend(fine) >= THRESHOLD)]
    ts_ns = START_NS + (t * 1e9).astype(np.int64)
    return ts_ns, sign * values, failure_s - t[-1]


@pytest.mark.parametrize("kind", list(TRENDS))
def test_recovers_the_failure_time_within_its_band(kind: str) -> None:
    inside = 0
    for seed in range(12):
        ts_ns, values, true_life = degradation(kind, seed)
        est = rul.estimate(ts_ns, values, THRESHOLD, seed=seed)
        assert est.model == TRENDS[kind][1]
        assert est.status == "degrading"
        assert est.lower_s <= est.time_to_failure_s <= est.upper_s
        assert est.time_to_failure_s == pytest.approx(true_life, rel=0.1)
        assert est.failure_ts_ns == ts_ns[-1] + round(est.time_to_failure_s * 1e9)
        inside += est.lower_s <= true_life <= est.upper_s
    assert inside >= 9  # a 90 % band: at least 9 of 12 independent noise draws


def test_falling_health_index() -> None:
    ts_ns, values, true_life = degradation("exponential", 1, sign=-1.0)
    est = rul.estimate(ts_ns, values, -THRESHOLD)
    assert est.lower_s <= true_life <= est.upper_s


def test_deterministic_for_a_seed() -> None:
    ts_ns, values, _ = degradation("exponential", 2)
    assert rul.estimate(ts_ns, values, THRESHOLD, seed=4) == rul.estimate(
        ts_ns, values, THRESHOLD, seed=4
    )


def test_fit_quality_is_reported() -> None:
    ts_ns, values, _ = degradation("exponential", 3)
    est = rul.estimate(ts_ns, values, THRESHOLD)
    assert est.quality.r_squared > 0.95
    assert est.quality.rmse == pytest.approx(0.08, rel=0.2)
    assert est.quality.samples == 600
    assert est.replicates > 150


def test_already_past_the_threshold_is_failed() -> None:
    ts_ns, values, _ = degradation("exponential", 0)
    est = rul.estimate(ts_ns, values, 2.0)
    assert est.time_to_failure_s == 0.0
    assert est.status == "failed"


@pytest.mark.parametrize("direction", [1.0, -1.0], ids=["flat", "improving"])
def test_no_trend_towards_the_threshold(direction: float) -> None:
    t = np.arange(400, dtype=np.int64)
    ts_ns = START_NS + t * 3600 * 1_000_000_000
    values = 2.0 - 0.001 * t * (direction > 0) - 0.002 * t * (direction < 0)
    est = rul.estimate(ts_ns, values, THRESHOLD, models=("linear",), boots=50)
    assert math.isinf(est.time_to_failure_s)
    assert est.status == "stable"
    assert est.failure_ts_ns is None


def test_noise_only_gives_an_open_band() -> None:
    t = np.arange(400, dtype=np.int64)
    values = np.random.default_rng(9).normal(1.0, 0.1, t.size)
    est = rul.estimate(START_NS + t * 3_600_000_000_000, values, THRESHOLD, boots=100)
    assert math.isinf(est.upper_s)
    assert est.status in {"stable", "uncertain"}


@pytest.mark.parametrize(
    ("ts", "values", "kwargs"),
    [
        (np.arange(5), np.arange(5.0), {}),
        (np.zeros(20, dtype=np.int64), np.arange(20.0), {}),
        (np.arange(20), np.arange(20.0), {"level": 1.5}),
        (np.arange(20), np.arange(20.0), {"models": ("quadratic",)}),
    ],
    ids=["too-few", "no-span", "bad-level", "unknown-model"],
)
def test_bad_inputs(ts: np.ndarray, values: np.ndarray, kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        rul.estimate(ts * 1_000_000_000, values, THRESHOLD, **kwargs)  # type: ignore[arg-type]
