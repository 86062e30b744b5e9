"""Corroboration in the ensemble: the largest surprise plus a share of the second largest."""

from __future__ import annotations

import numpy as np
import pytest

from core.analytics.anomaly import EnsembleDetector, EnsembleSettings
from core.analytics.anomaly.ensemble import corroborated
from tests.core.analytics.synthetic import DAY, FAULT_AT, daily_signal, inject


def test_weight_zero_is_the_largest_surprise_alone() -> None:
    surprises = np.random.default_rng(3).exponential(1.0, (5, 400))
    assert np.array_equal(corroborated(surprises, 0.0), surprises.max(axis=0))


def test_the_second_largest_adds_its_share() -> None:
    surprises = np.array([[1.0, 5.0, 0.0], [4.0, 2.0, 0.0], [3.0, 5.0, 0.0]])
    assert np.allclose(corroborated(surprises, 0.5), [4.0 + 1.5, 5.0 + 2.5, 0.0])


def test_two_agreeing_statistics_outrank_one_alone() -> None:
    alone = corroborated(np.array([[6.0], [0.5], [0.2]]), 0.4)
    agreed = corroborated(np.array([[6.0], [4.0], [0.2]]), 0.4)
    assert agreed[0] > alone[0] >= 6.0


def test_a_single_statistic_is_returned_as_it_is() -> None:
    row = np.array([[0.0, 2.0, 7.0]])
    assert np.array_equal(corroborated(row, 0.4), row[0])


@pytest.mark.parametrize("weight", [-0.1, 1.5])
def test_settings_reject_a_weight_outside_0_1(weight: float) -> None:
    with pytest.raises(ValueError, match="corroboration"):
        EnsembleSettings(corroboration=weight)


def test_the_ensemble_flags_a_level_shift_with_and_without_corroboration() -> None:
    ts, values = daily_signal(seed=5)
    faulty = inject(values, "level_shift")
    plain = EnsembleDetector().score_series(ts, faulty)
    corroborating = EnsembleDetector(EnsembleSettings(corroboration=0.4)).score_series(ts, faulty)
    for scores in (plain, corroborating):
        assert scores[FAULT_AT : FAULT_AT + 20].max() > 0.3
        assert scores[DAY:FAULT_AT].max() < scores[FAULT_AT : FAULT_AT + 20].max()
