"""Rolling statistics and EWMA against brute-force references."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.analytics.baseline import decayed_sum, ewma, ewma_stats, rolling_stats
from core.model import NS_PER_S


def reference_ewma(
    ts: np.ndarray, x: np.ndarray, halflife_s: float
) -> tuple[list[float], list[float]]:
    mean, var, last = np.nan, 0.0, None
    means, stds = [], []
    for t, v in zip(ts.tolist(), x.tolist(), strict=True):
        if np.isfinite(v):
            if last is None:
                mean, var = v, 0.0
            else:
                d = 2.0 ** (-(t - last) / NS_PER_S / halflife_s)
                diff = v - mean
                mean = d * mean + (1 - d) * v
                var = d * (var + (1 - d) * diff * diff)
            last = t
        means.append(mean)
        stds.append(np.sqrt(var) if last is not None else np.nan)
    return means, stds


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(st.integers(1, 600), min_size=1, max_size=200),
    seed=st.integers(0, 2**31),
    halflife=st.floats(0.5, 5000),
)
def test_ewma_matches_the_recursion(steps: list[int], seed: int, halflife: float) -> None:
    rng = np.random.default_rng(seed)
    ts = np.cumsum(np.array(steps, dtype=np.int64)) * NS_PER_S
    x = rng.normal(100, 20, ts.size)
    x[rng.random(ts.size) < 0.05] = np.nan
    mean, std = ewma_stats(ts, x, halflife)
    ref_mean, ref_std = reference_ewma(ts, x, halflife)
    np.testing.assert_allclose(mean, ref_mean, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(std, ref_std, rtol=1e-7, atol=1e-7)


def test_ewma_of_a_step_reaches_half_way_after_one_halflife() -> None:
    ts = np.arange(0, 1201, dtype=np.int64) * NS_PER_S
    x = np.where(ts < 100 * NS_PER_S, 0.0, 10.0)
    out = ewma(ts, x, halflife_s=60)
    assert out[159] == pytest.approx(10.0 * (1 - 2 ** (-60 / 60)), rel=1e-9)
    assert out[-1] == pytest.approx(10.0 * (1 - 2 ** (-1101 / 60)), rel=1e-9)


def test_decayed_sum_survives_very_long_series_without_overflow() -> None:
    n = 200_000
    decay = np.full(n, 0.5)  # forgets fast: exp(cumsum(log d)) would underflow at once
    out = decayed_sum(decay, np.ones(n))
    assert np.isfinite(out).all()
    assert out[-1] == pytest.approx(2.0)


@settings(max_examples=40, deadline=None)
@given(
    steps=st.lists(st.integers(1, 120), min_size=1, max_size=150),
    window=st.integers(1, 900),
    seed=st.integers(0, 2**31),
)
def test_rolling_stats_match_brute_force(steps: list[int], window: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    ts = np.cumsum(np.array(steps, dtype=np.int64)) * NS_PER_S
    x = rng.normal(1e6, 3, ts.size)  # a large offset: the sums must not cancel
    result = rolling_stats(ts, x, window, min_count=2)
    for i in range(ts.size):
        inside = x[(ts > ts[i] - window * NS_PER_S) & (ts <= ts[i])]
        assert result.count[i] == inside.size
        if inside.size >= 2:
            assert result.mean[i] == pytest.approx(inside.mean(), rel=1e-12)
            assert result.std[i] == pytest.approx(inside.std(ddof=1), rel=1e-6, abs=1e-6)
        else:
            assert np.isnan(result.std[i])


def test_rolling_stats_ignore_non_finite_values() -> None:
    ts = np.arange(5, dtype=np.int64) * NS_PER_S
    result = rolling_stats(ts, np.array([1.0, np.nan, 3.0, np.inf, 5.0]), window_s=10)
    assert result.count.tolist() == [1, 1, 2, 2, 3]
    assert result.mean[-1] == pytest.approx(3.0)


@pytest.mark.parametrize("bad", [np.array([2, 1], dtype=np.int64), np.array([1], dtype=np.int64)])
def test_inputs_are_checked(bad: np.ndarray) -> None:
    with pytest.raises(ValueError):
        rolling_stats(bad, np.array([1.0, 2.0]), 10)
