"""Detectors find injected faults quickly and stay quiet on clean periodic noise."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.analytics.anomaly import (
    DetectorBase,
    EnsembleDetector,
    EwmaCusumDetector,
    SeasonalRobustDetector,
    TailCalibrator,
)
from tests.core.analytics.synthetic import FAULT_AT, START_NS, STEP_NS, daily_signal, inject

WARMUP = 400
SEEDS = [0, 1, 2]


@pytest.fixture(scope="module")
def clean_scores() -> dict[tuple[str, int], np.ndarray]:
    out = {}
    for seed in SEEDS:
        ts, values = daily_signal(seed)
        for make in (EnsembleDetector, SeasonalRobustDetector):
            out[make.__name__, seed] = make().score_series(ts, values)
    return out


@pytest.mark.parametrize(
    "make", [EnsembleDetector, SeasonalRobustDetector], ids=lambda m: m.__name__
)
@pytest.mark.parametrize("seed", SEEDS)
def test_clean_periodic_noise_stays_low(
    clean_scores: dict[tuple[str, int], np.ndarray], make: type[DetectorBase], seed: int
) -> None:
    assert clean_scores[make.__name__, seed][WARMUP:].max() < 0.5


@pytest.mark.parametrize(
    ("make", "fault", "within", "floor"),
    [
        (EnsembleDetector, "spike", 1, 0.5),
        (EnsembleDetector, "level_shift", 5, 0.5),
        (EnsembleDetector, "flatline", 10, 0.35),
        (EnsembleDetector, "noise_change", 20, 0.5),
        (SeasonalRobustDetector, "spike", 1, 0.5),
        (SeasonalRobustDetector, "level_shift", 5, 0.5),
        (SeasonalRobustDetector, "noise_change", 20, 0.5),
    ],
)
@pytest.mark.parametrize("seed", SEEDS)
def test_fault_is_flagged_within_n_samples(
    clean_scores: dict[tuple[str, int], np.ndarray],
    make: type[DetectorBase],
    fault: str,
    within: int,
    floor: float,
    seed: int,
) -> None:
    ts, values = daily_signal(seed)
    scores = make().score_series(ts, inject(values, fault))
    peak = scores[FAULT_AT : FAULT_AT + within].max()
    assert peak >= floor
    assert peak > clean_scores[make.__name__, seed][WARMUP:].max()


def test_ewma_cusum_flags_a_level_shift_on_a_steady_process() -> None:
    rng = np.random.default_rng(3)
    n = 3000
    ts = START_NS + np.arange(n, dtype=np.int64) * STEP_NS
    values = 20 + rng.normal(0, 1, n)
    values[2500:] += 3
    scores = EwmaCusumDetector().score_series(ts, values)
    assert scores[2500:2560].max() > 2 * scores[600:2500].max()
    assert scores[2500:2560].max() > 0.3


@pytest.mark.parametrize("make", [EnsembleDetector, SeasonalRobustDetector, EwmaCusumDetector])
@pytest.mark.parametrize(
    "values",
    [
        np.full(700, 45.0),
        np.where(np.arange(700) % 2 == 0, 1.0, 0.0),
        np.concatenate([np.full(350, np.nan), np.linspace(0, 1e12, 350)]),
        np.array([math.inf, -math.inf, math.nan, 1.0] * 175),
    ],
    ids=["flat", "square", "nan_then_huge_ramp", "non_finite"],
)
def test_scores_stay_in_unit_interval(make: type[DetectorBase], values: np.ndarray) -> None:
    ts = START_NS + np.arange(values.size, dtype=np.int64) * STEP_NS
    scores = make().score_series(ts, values)
    assert scores.shape == values.shape
    assert np.all((scores >= 0.0) & (scores <= 1.0))
    assert np.all(scores[~np.isfinite(values)] == 0.0)


def test_a_flat_signal_never_alerts() -> None:
    ts = START_NS + np.arange(2000, dtype=np.int64) * STEP_NS
    assert EnsembleDetector().score_series(ts, np.full(2000, 45.0)).max() == 0.0


def test_out_of_order_samples_are_ignored() -> None:
    ts, values = daily_signal(0, days=2)
    detector = EnsembleDetector()
    first = detector.update(ts[:300], values[:300])
    stale = detector.update(ts[:5], values[:5] + 1000)
    rest = detector.update(ts[300:], values[300:])
    assert np.all(stale == 0.0)
    np.testing.assert_allclose(
        np.concatenate([first, rest]), EnsembleDetector().score_series(ts, values)
    )


def test_update_rejects_misaligned_input() -> None:
    with pytest.raises(ValueError, match="aligned"):
        EnsembleDetector().update(np.zeros(3, dtype=np.int64), np.zeros(4))


def test_tail_calibrator_grows_with_rarity() -> None:
    rng = np.random.default_rng(0)
    calibrator = TailCalibrator(min_history=200)
    calibrator.push(np.abs(rng.normal(size=1000)))
    surprise = calibrator.push(np.array([0.5, 2.0, 4.0, 8.0, math.nan]))
    assert surprise[0] < surprise[1] < surprise[2] < surprise[3]
    assert surprise[4] == 0.0
