"""The adaptive-resonance detector: its ART memory, its Haar features, and what it flags."""

from __future__ import annotations

import numpy as np
import pytest

from core.analytics.anomaly import EnsembleDetector, EnsembleSettings, ResonanceDetector
from core.analytics.anomaly.art import DualVigilanceArt
from core.analytics.anomaly.resonance_encode import haar
from tests.core.analytics.synthetic import DAY, FAULT_AT, daily_signal, inject


def test_art_learns_a_known_input_and_founds_a_cluster_for_a_novel_one() -> None:
    art = DualVigilanceArt(4, energy=3, rho_lb=0.5, rho_ub=0.9)
    known = np.array([0.2, 0.4, 0.6, 0.8])
    assert not art.present(known).new_cluster  # the first input only starts the memory
    founded = art.present(known)
    assert founded.new_cluster and art.categories == 2
    again = art.present(known)
    assert again.similarity == pytest.approx(1.0) and again.energy == pytest.approx(1.0)
    assert not again.new_cluster and art.categories == 2
    novel = art.present(np.array([1.0, 0.9, 0.1, 0.0]))
    assert novel.new_cluster and novel.similarity < 0.5 and art.categories == 3


def test_art_without_learning_remembers_nothing() -> None:
    art = DualVigilanceArt(2, energy=1, rho_lb=0.9, rho_ub=0.95)
    art.present(np.array([0.5, 0.5]))
    art.present(np.array([0.0, 1.0]), learn=False)
    assert art.categories == 1


def test_art_memory_is_bounded_and_forgets_the_least_recently_matched() -> None:
    art = DualVigilanceArt(2, energy=1, rho_lb=0.99, rho_ub=0.99, capacity=3)
    a, b, c = np.array([0.0, 0.0]), np.array([1.0, 1.0]), np.array([0.5, 0.5])
    art.present(a)
    assert art.present(a).new_cluster and art.present(b).new_cluster
    assert not art.present(a).new_cluster  # a matched again: b is now the stalest
    assert art.present(c).new_cluster and art.categories == 3
    assert not art.present(a).new_cluster and not art.present(c).new_cluster
    assert art.present(b).new_cluster and art.categories == 3


def test_haar_is_orthonormal_and_ordered_coarse_to_fine() -> None:
    x = np.array([4.0, 2.0, 5.0, 5.0, 1.0, 3.0, 0.0, 8.0])
    coefficients = haar(x)
    assert np.linalg.norm(coefficients) == pytest.approx(np.linalg.norm(x))
    assert coefficients[0] == pytest.approx(x.sum() / np.sqrt(8))
    np.testing.assert_allclose(coefficients[4:], (x[0::2] - x[1::2]) / np.sqrt(2))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_quiet_on_a_normal_cycle_and_alerts_on_faults(seed: int) -> None:
    ts, values = daily_signal(seed, days=8)
    clean = ResonanceDetector().score_series(ts, values)
    assert clean[3 * DAY : FAULT_AT + DAY].max() == 0.0
    for fault in ("spike", "flatline", "noise_change"):
        scores = ResonanceDetector().score_series(ts, inject(values, fault))
        assert scores[FAULT_AT : FAULT_AT + DAY].max() > 0.25, fault
        assert np.count_nonzero(scores) <= np.count_nonzero(clean) + 6, fault


def test_the_ensemble_takes_the_resonance_novelty_only_when_weighted() -> None:
    ts, values = daily_signal(3, days=8)
    faulty = inject(values, "noise_change")
    plain = EnsembleDetector(EnsembleSettings(resonance_weight=0.0)).score_series(ts, faulty)
    mixed = EnsembleDetector().score_series(ts, faulty)
    novelty = ResonanceDetector().score_series(ts, faulty)
    weight = EnsembleSettings().resonance_weight
    np.testing.assert_allclose(mixed, np.maximum(plain, weight * novelty))
    assert np.any(mixed > plain)


def test_sample_by_sample_scores_match_the_whole_series() -> None:
    ts, values = daily_signal(1, days=7)
    faulty = inject(values, "noise_change")
    whole = ResonanceDetector().score_series(ts, faulty)
    assert np.any(whole > 0.0)
    detector = ResonanceDetector()
    one_by_one = [detector.update(ts[i : i + 1], faulty[i : i + 1]) for i in range(ts.size)]
    np.testing.assert_array_equal(np.concatenate(one_by_one), whole)
