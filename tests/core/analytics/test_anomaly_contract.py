"""The detector contract under hostile input: scores in [0, 1], causal, batch-independent,
whatever mix of NaN, infinities, gaps, constant stretches and huge values the stream holds;
and the stuck-sensor tracker's "novel run" rule."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.analytics.anomaly import (
    DetectorBase,
    DiscordDetector,
    EnsembleDetector,
    EwmaCusumDetector,
    FlatlineTracker,
    ResonanceDetector,
    SeasonalRobustDetector,
)
from tests.core.analytics.synthetic import DAY, START_NS, STEP_NS

DETECTORS = [
    EnsembleDetector,
    SeasonalRobustDetector,
    EwmaCusumDetector,
    DiscordDetector,
    ResonanceDetector,
]
SLOW = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PIECES = st.sampled_from(["noise", "constant", "nan", "inf", "huge", "spikes", "zeros"])


def _piece(kind: str, size: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "noise":
        return rng.normal(10.0, 2.0, size)
    if kind == "constant":
        return np.full(size, float(rng.integers(-5, 5)))
    if kind == "nan":
        return np.full(size, np.nan)
    if kind == "inf":
        return np.where(rng.random(size) < 0.5, np.inf, -np.inf)
    if kind == "huge":
        return rng.normal(0.0, 1e12, size)
    if kind == "spikes":
        return np.where(rng.random(size) < 0.05, 100.0, 0.0)
    return np.zeros(size)


@st.composite
def hostile_stream(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """``(ts_ns, values)``: pieces of different kinds, with random gaps in the timestamps."""
    seed = draw(st.integers(0, 2**16))
    kinds = draw(st.lists(st.tuples(PIECES, st.integers(1, 300)), min_size=1, max_size=8))
    rng = np.random.default_rng(seed)
    values = np.concatenate([_piece(kind, size, rng) for kind, size in kinds])
    steps = np.where(rng.random(values.size) < 0.02, rng.integers(2, 500, values.size), 1)
    ts = START_NS + np.cumsum(steps).astype(np.int64) * STEP_NS
    return ts, values


@SLOW
@given(st.sampled_from(DETECTORS), hostile_stream())
def test_scores_stay_in_unit_interval_on_hostile_input(
    make: type[DetectorBase], stream: tuple[np.ndarray, np.ndarray]
) -> None:
    ts, values = stream
    scores = make().score_series(ts, values)
    assert scores.shape == values.shape
    assert np.all(np.isfinite(scores))
    assert np.all((scores >= 0.0) & (scores <= 1.0))
    assert np.all(scores[~np.isfinite(values)] == 0.0)


@SLOW
@given(st.sampled_from(DETECTORS), hostile_stream(), st.integers(1, 2000), hostile_stream())
def test_a_prefix_scores_the_same_whatever_follows(
    make: type[DetectorBase],
    stream: tuple[np.ndarray, np.ndarray],
    cut: int,
    future: tuple[np.ndarray, np.ndarray],
) -> None:
    ts, values = stream
    cut = min(cut, values.size)
    other = values.copy()
    tail = future[1][: values.size - cut]
    other[cut : cut + tail.size] = tail
    np.testing.assert_array_equal(
        make().score_series(ts, values)[:cut], make().score_series(ts, other)[:cut]
    )


@SLOW
@given(st.sampled_from(DETECTORS), hostile_stream(), st.lists(st.integers(1, 500), max_size=6))
def test_batch_split_never_changes_scores_on_hostile_input(
    make: type[DetectorBase], stream: tuple[np.ndarray, np.ndarray], sizes: list[int]
) -> None:
    ts, values = stream
    detector = make()
    parts, start = [], 0
    for size in [*sizes, values.size]:
        parts.append(detector.update(ts[start : start + size], values[start : start + size]))
        start += size
    np.testing.assert_allclose(np.concatenate(parts), make().score_series(ts, values), atol=1e-9)


@pytest.mark.parametrize("make", [EnsembleDetector, DiscordDetector])
def test_a_single_long_stream_scores_causally_sample_by_sample(make: type[DetectorBase]) -> None:
    rng = np.random.default_rng(11)
    n = 3 * DAY
    ts = START_NS + np.arange(n, dtype=np.int64) * STEP_NS
    values = 50 + 10 * np.sin(2 * np.pi * np.arange(n) / DAY) + rng.normal(0, 1, n)
    values[2 * DAY : 2 * DAY + 40] = values[2 * DAY]
    whole = make().score_series(ts, values)
    assert np.any(whole > 0.0)
    detector = make()
    one_by_one = np.concatenate(
        [detector.update(ts[i : i + 1], values[i : i + 1]) for i in range(n)]
    )
    np.testing.assert_allclose(one_by_one, whole, atol=1e-9)


def _bursty(runs: list[int], rng: np.random.Generator) -> np.ndarray:
    """Active stretches (values change every sample) separated by idle runs of zeros."""
    parts = [rng.uniform(1.0, 2.0, 500)]
    for run in runs:
        parts += [np.zeros(run), rng.uniform(1.0, 2.0, 200)]
    return np.concatenate(parts)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**16), st.lists(st.integers(2, 80), min_size=1, max_size=6))
def test_flatline_reports_each_run_at_most_once_and_only_when_novel(
    seed: int, runs: list[int]
) -> None:
    values = _bursty(runs, np.random.default_rng(seed))
    surprise = FlatlineTracker(window=400, min_count=60).push(values)
    starts = np.cumsum([500] + [run + 200 for run in runs[:-1]])
    longest = 0
    for start, run in zip(starts, runs, strict=True):
        reports = np.count_nonzero(surprise[start : start + run])
        assert reports <= 1
        if run <= longest:
            assert reports == 0, (run, longest)
        longest = max(longest, run)
    assert np.all(surprise >= 0.0)


def test_flatline_ignores_idle_runs_it_has_seen_before_but_flags_a_new_one() -> None:
    rng = np.random.default_rng(4)
    values = _bursty([30, 30, 30, 30, 120], rng)
    surprise = FlatlineTracker().push(values)
    reports = np.flatnonzero(surprise)
    assert reports.size == 2  # the first idle run, then the stuck one: longer than any before
    stuck_start = 500 + 4 * (30 + 200)
    assert (
        stuck_start + 30 <= reports[-1] < stuck_start + 120
    )  # one repeat longer than any run before


def test_a_stuck_sensor_on_a_moving_signal_is_flagged() -> None:
    rng = np.random.default_rng(2)
    values = rng.normal(0.0, 1.0, 1000)
    values[800:] = values[800]
    surprise = FlatlineTracker().push(values)
    assert np.flatnonzero(surprise).tolist() == [800 + int(np.argmax(surprise[800:] > 0))]
    assert 800 < np.flatnonzero(surprise)[0] < 810
