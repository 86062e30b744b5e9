"""Alert-frequency discount: a stream's first alert of a size keeps its score, repeats of the
same cause fade, the memory fades with its half-life, and batching never changes the result."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.analytics.anomaly import AlertFrequency, EnsembleDetector, EnsembleSettings, NoveltyShaper
from tests.core.analytics.synthetic import START_NS, STEP_NS


def _pulses(gain: float, count: int, spacing: int) -> np.ndarray:
    out = np.zeros(count * spacing)
    out[::spacing] = gain
    return out


def test_first_alert_is_kept_and_repeats_of_its_size_fade() -> None:
    discounted = AlertFrequency(weight=0.5, halflife=1e12).push(_pulses(2.0, 20, 50))
    alerts = discounted[::50]
    assert alerts[0] == pytest.approx(2.0)
    assert np.all(np.diff(alerts) < 0.0)
    assert alerts[9] == pytest.approx(2.0 - 0.5 * np.log10(10.0), abs=1e-3)
    assert np.all(discounted >= 0.0)


def test_a_stronger_alert_than_any_before_is_not_discounted() -> None:
    frequency = AlertFrequency(weight=1.0)
    frequency.push(_pulses(1.0, 50, 10))
    assert frequency.push(np.array([3.0]))[0] == pytest.approx(3.0)


def test_small_gains_are_neither_discounted_nor_counted() -> None:
    frequency = AlertFrequency(weight=1.0, floor=0.05)
    small = np.full(100, 0.04)
    np.testing.assert_array_equal(frequency.push(small), small)
    assert frequency.push(np.array([0.5]))[0] == pytest.approx(0.5)


def test_counts_fade_with_the_half_life() -> None:
    frequency = AlertFrequency(weight=1.0, halflife=100.0)
    frequency.push(_pulses(2.0, 9, 1))
    later = frequency.push(np.concatenate([np.zeros(1000), [2.0]]))[-1]
    fresh = AlertFrequency(weight=1.0, halflife=100.0)
    fresh.push(_pulses(2.0, 9, 1))
    soon = fresh.push(np.array([2.0]))[0]
    assert soon == pytest.approx(1.0, abs=0.05)
    assert later > 1.95


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0.0, 10.0, allow_nan=False), min_size=1, max_size=300),
    st.lists(st.integers(1, 50), max_size=8),
)
def test_batch_split_never_changes_the_discount(gains: list[float], sizes: list[int]) -> None:
    values = np.array(gains)
    cause = np.arange(values.size, dtype=np.int64) % 3
    frequency, parts, start = AlertFrequency(halflife=50.0, causes=3), [], 0
    for size in [*sizes, values.size]:
        part = slice(start, start + size)
        parts.append(frequency.push(values[part], cause[part]))
        start += size
    whole = AlertFrequency(halflife=50.0, causes=3).push(values, cause)
    np.testing.assert_allclose(np.concatenate(parts), whole, atol=1e-12)
    assert np.all((whole >= 0.0) & (whole <= values))


def test_alerts_of_another_cause_do_not_count() -> None:
    chatter = _pulses(2.0, 20, 50)
    own = AlertFrequency(weight=1.0, halflife=1e12, causes=2)
    own.push(chatter, np.zeros(chatter.size, dtype=np.int64))
    other = AlertFrequency(weight=1.0, halflife=1e12, causes=2)
    other.push(chatter, np.ones(chatter.size, dtype=np.int64))
    first = np.array([2.0])
    assert other.push(first, np.array([0]))[0] == pytest.approx(2.0)
    assert own.push(first, np.array([0]))[0] == pytest.approx(2.0 - np.log10(21.0), abs=1e-3)


@pytest.mark.parametrize("cause", [[0, 2], [0], [-1, 0]])
def test_causes_must_be_aligned_and_known(cause: list[int]) -> None:
    with pytest.raises(ValueError, match="causes"):
        AlertFrequency(causes=2).push(np.array([1.0, 1.0]), np.array(cause, dtype=np.int64))


def test_shaper_hands_the_cause_to_the_frequency() -> None:
    surprises = np.concatenate([_pulses(6.0, 30, 300), [6.0] + [0.0] * 299])
    cause = np.zeros(surprises.size, dtype=np.int64)
    cause[-300] = 1
    shared = NoveltyShaper(200, frequency=AlertFrequency(weight=1.0)).push(surprises)
    apart = NoveltyShaper(200, frequency=AlertFrequency(weight=1.0, causes=2))
    scores = apart.push(surprises, cause)
    assert scores[-300] == pytest.approx(NoveltyShaper(200).push(surprises)[-300])
    assert shared[-300] < scores[-300] - 0.05


def test_shaper_with_frequency_damps_a_chattering_stream() -> None:
    surprises = _pulses(6.0, 30, 300)
    plain = NoveltyShaper(200).push(surprises)
    damped = NoveltyShaper(200, frequency=AlertFrequency(weight=0.5)).push(surprises)
    assert damped[0] == pytest.approx(plain[0])
    assert damped[-300] < plain[-300]


def test_ensemble_frequency_weight_zero_is_the_plain_shaper() -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(0.0, 1.0, 3000)
    values[::250] += 12.0
    ts = START_NS + np.arange(values.size, dtype=np.int64) * STEP_NS
    plain = EnsembleDetector(EnsembleSettings(frequency_weight=0.0)).score_series(ts, values)
    damped = EnsembleDetector().score_series(ts, values)
    assert np.all(damped <= plain + 1e-12)
    assert np.any(damped < plain - 1e-3)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="alert frequency"):
        AlertFrequency(halflife=0.0)
