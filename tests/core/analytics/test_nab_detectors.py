"""The detectors on the NAB subset: scored once per session, checked against honest floors."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from core.analytics.anomaly import DetectorBase, EnsembleDetector, SeasonalRobustDetector
from core.analytics.nab import PROFILES, LabeledSeries, ScoredSeries, probation_length, score_corpus

# Measured on the 18-file subset (standard / low FP / low FN): ensemble 67.0 / 58.7 / 72.7,
# seasonal robust z 56.8 / 49.3 / 61.8. Floors leave room for numeric noise, not for regressions.
FLOORS = {
    "ensemble": (EnsembleDetector, (64.0, 55.0, 69.0)),
    "seasonal": (SeasonalRobustDetector, (50.0, 42.0, 56.0)),
}


@pytest.fixture(scope="module")
def detector_scores(nab_corpus: list[LabeledSeries]) -> dict[str, list[ScoredSeries]]:
    out: dict[str, list[ScoredSeries]] = {}
    for name, (make, _) in FLOORS.items():
        factory: Callable[[], DetectorBase] = make
        out[name] = [
            ScoredSeries(f.name, factory().score_series(f.ts_ns, f.values), f.windows)
            for f in nab_corpus
        ]
    return out


@pytest.mark.parametrize("name", list(FLOORS))
def test_nab_normalized_score_floor(
    detector_scores: dict[str, list[ScoredSeries]], name: str
) -> None:
    floors = FLOORS[name][1]
    for profile, floor in zip(PROFILES, floors, strict=True):
        result = score_corpus(detector_scores[name], profile)
        assert result.normalized >= floor, (name, profile.name, result.normalized)


def test_no_alert_on_the_clean_artificial_files(
    detector_scores: dict[str, list[ScoredSeries]],
) -> None:
    threshold = score_corpus(detector_scores["ensemble"], PROFILES[0]).threshold
    for series in detector_scores["ensemble"]:
        if series.name.startswith("artificialNoAnomaly/"):
            scored = series.anomaly_scores[probation_length(series.anomaly_scores.size) :]
            assert np.count_nonzero(scored >= threshold) == 0, series.name
