"""Regularising, resampling and season inference of forecast inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.analytics.forecast import (
    ForecastError,
    Seasons,
    horizon_steps,
    infer_seasons,
    infer_step,
    regularize,
    resample_mean,
)

MIN_NS = 60 * 1_000_000_000
HALF_HOUR_NS = 30 * MIN_NS


def test_regularize_fills_gaps_and_averages_duplicates() -> None:
    ts = np.array([0, 1, 1, 3, 4], dtype=np.int64) * MIN_NS
    values = np.array([0.0, 1.0, 3.0, 6.0, np.nan])
    series = regularize(ts, values, MIN_NS)
    assert series.origin == 0
    assert series.values.tolist() == [0.0, 2.0, 4.0, 6.0]
    assert series.ts_ns.tolist() == [0, MIN_NS, 2 * MIN_NS, 3 * MIN_NS]
    assert series.future_ts(2).tolist() == [4 * MIN_NS, 5 * MIN_NS]


def test_regularize_infers_the_step_and_snaps_jitter() -> None:
    ts = np.array([0, 61, 119, 181, 240], dtype=np.int64) * 1_000_000_000
    series = regularize(ts, np.arange(5.0))
    assert series.step_ns == 60 * 1_000_000_000
    assert series.values.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 500), st.floats(-1e6, 1e6, allow_nan=False)),
        min_size=2,
        max_size=60,
        unique_by=lambda pair: pair[0],
    )
)
def test_regularize_spans_the_input_and_stays_within_its_range(
    pairs: list[tuple[int, float]],
) -> None:
    ts = np.array([p[0] for p in pairs], dtype=np.int64) * MIN_NS
    values = np.array([p[1] for p in pairs])
    series = regularize(ts, values, MIN_NS)
    assert len(series) == ts.max() // MIN_NS - ts.min() // MIN_NS + 1
    assert np.all(np.isfinite(series.values))
    assert values.min() - 1e-6 <= series.values.min()
    assert series.values.max() <= values.max() + 1e-6


def test_resample_mean_aggregates_buckets() -> None:
    ts = np.arange(12, dtype=np.int64) * 10 * MIN_NS
    series = resample_mean(ts, np.arange(12.0), HALF_HOUR_NS)
    assert series.step_ns == HALF_HOUR_NS
    assert series.values.tolist() == [1.0, 4.0, 7.0, 10.0]


@pytest.mark.parametrize(
    ("step_ns", "length", "season", "expected"),
    [
        (HALF_HOUR_NS, 48 * 21, None, Seasons(48, (336,))),
        (HALF_HOUR_NS, 48 * 20, None, Seasons(48, ())),
        (HALF_HOUR_NS, 48 * 21, 24, Seasons(24, (336,))),
        (HALF_HOUR_NS, 48 * 2, None, Seasons(1, ())),
        (7 * MIN_NS, 10_000, None, Seasons(1440, ())),
        (11 * MIN_NS, 10_000, None, Seasons(1, ())),
        (86_400 * 1_000_000_000, 100, None, Seasons(7, ())),
    ],
    ids=["daily+weekly", "daily", "explicit", "too-short", "weekly-only", "no-cycle", "daily-data"],
)
def test_infer_seasons(step_ns: int, length: int, season: int | None, expected: Seasons) -> None:
    assert infer_seasons(step_ns, length, season) == expected


@pytest.mark.parametrize(
    ("duration_s", "step_ns", "steps"),
    [(86_400, HALF_HOUR_NS, 48), (7 * 86_400, 3600 * 1_000_000_000, 168), (100, MIN_NS, 2)],
)
def test_horizon_steps(duration_s: float, step_ns: int, steps: int) -> None:
    assert horizon_steps(duration_s, step_ns) == steps


@pytest.mark.parametrize(
    "call",
    [
        lambda: infer_step(np.array([5, 5, 5], dtype=np.int64)),
        lambda: regularize(np.array([0, 1], dtype=np.int64), np.array([1.0, np.nan])),
        lambda: infer_seasons(MIN_NS, 100, 0),
        lambda: horizon_steps(0, MIN_NS),
    ],
    ids=["no-step", "one-finite", "season-0", "horizon-0"],
)
def test_bad_inputs_raise_forecast_error(call: object) -> None:
    with pytest.raises(ForecastError):
        call()  # type: ignore[operator]
