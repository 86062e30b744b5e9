"""The injected-fault evaluation set (bench.anomaly_inject) and its scoring (bench.anomaly_eval)."""

from __future__ import annotations

import numpy as np
import pytest

from bench.anomaly_eval import bootstrap_interval, held_out_raw, normalized_part
from bench.anomaly_inject import FAULTS, InjectedSeries, inject, injected_corpus, neutral_rows
from core.analytics.nab import STANDARD, LabeledSeries, ScoredSeries, probation_length
from tests.core.analytics.synthetic import DAY, daily_signal

TRANSIENT = {"spike", "variance", "stuck", "pattern_break", "damping", "holiday"}


def _bases() -> list[LabeledSeries]:
    ts, clean = daily_signal(seed=1, days=20)
    _, real = daily_signal(seed=2, days=20)
    labelled = ((3000, 3300),)
    return [
        LabeledSeries("artificialNoAnomaly/clean.csv", ts, clean, ()),
        LabeledSeries("realKnownCause/plant.csv", ts, real, labelled),
        LabeledSeries("artificialWithAnomaly/skipped.csv", ts, real, labelled),
    ]


@pytest.fixture(scope="module")
def injected() -> list[InjectedSeries]:
    return injected_corpus(_bases(), seed=7, replicates=2)


def test_the_set_is_deterministic_per_seed(injected: list[InjectedSeries]) -> None:
    again = injected_corpus(_bases(), seed=7, replicates=2)
    other = injected_corpus(_bases(), seed=8, replicates=2)
    assert [v.onset for v in again] == [v.onset for v in injected]
    assert all(
        np.array_equal(a.series.values, b.series.values)
        for a, b in zip(again, injected, strict=True)
    )
    assert [v.onset for v in other] != [v.onset for v in injected]


def test_every_kind_is_injected_into_each_normal_base(injected: list[InjectedSeries]) -> None:
    assert {v.base for v in injected} == {
        "artificialNoAnomaly/clean.csv",
        "realKnownCause/plant.csv",
    }
    # no holiday: the synthetic signal has no weekly pattern, so a Sunday is like any other day
    assert {v.kind for v in injected} == set(FAULTS) - {"holiday"}
    assert len(injected) == 2 * (len(FAULTS) - 1) * 2


def test_a_holiday_on_a_weekly_signal_is_the_previous_sunday() -> None:
    ts, daily = daily_signal(seed=3, days=21)
    weekday = (ts // (86_400 * 10**9) + 3) % 7
    values = daily - np.where(weekday == 6, 45.0, 0.0)
    onset = int(np.flatnonzero((weekday == 2) & (np.arange(ts.size) > 8 * DAY))[0]) + 30
    faulty = inject(values, ts, "holiday", onset, np.random.default_rng(0))
    changed = np.flatnonzero(faulty != values)
    assert changed[0] == onset and changed.size == DAY - 30  # until midnight
    assert np.all(faulty[changed] < 20.0)


def test_windows_are_nab_like_and_clear_of_labelled_anomalies(
    injected: list[InjectedSeries],
) -> None:
    for v in injected:
        n = v.series.values.size
        ((first, last),) = v.series.windows
        assert first >= probation_length(n)
        assert last - first == 2 * (int(0.1 * n) // 2)
        assert first < v.onset < last and v.onset - first == last - v.onset
        assert not v.neutral[first : last + 1].any()


def test_faults_start_at_the_onset_and_transients_end_in_their_window(
    injected: list[InjectedSeries],
) -> None:
    bases = {b.name: b for b in _bases()}
    for v in injected:
        changed = np.flatnonzero(v.series.values != bases[v.base].values)
        assert changed.size and changed[0] >= v.onset, v.kind
        if v.kind in TRANSIENT:
            assert changed[-1] <= v.series.windows[0][1], v.kind
        else:
            assert changed[-1] == v.series.values.size - 1, v.kind


def test_neutral_rows_cover_a_labelled_window_and_one_width_after() -> None:
    base = _bases()[1]
    mask = neutral_rows(base)
    assert np.array_equal(np.flatnonzero(mask), np.arange(3000, 3602))
    variant = InjectedSeries(base, base.name, "spike", 0, mask)
    masked = variant.masked(np.ones(base.values.size))
    assert masked[mask].sum() == 0 and masked[~mask].all()


def test_a_perfect_detector_scores_100_held_out_and_in_every_resample(
    injected: list[InjectedSeries],
) -> None:
    series = []
    for v in injected:
        scores = np.zeros(v.series.values.size)
        scores[v.series.windows[0][0]] = 1.0
        series.append(ScoredSeries(v.series.name, scores, v.series.windows))
    groups = [v.base for v in injected]
    raw = held_out_raw(series, STANDARD, groups)
    assert normalized_part(series, raw, [True] * len(series), STANDARD) == pytest.approx(100.0)
    low, high = bootstrap_interval(series, raw, groups, STANDARD, draws=50)
    assert low == pytest.approx(100.0) and high == pytest.approx(100.0)
