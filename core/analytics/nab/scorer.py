"""NAB v1.1 scoring: one file at a threshold, a corpus, threshold optimisation, normalisation.

Pure functions over numpy arrays returning frozen dataclasses. A detection is a row whose anomaly
score is ``>= threshold``; rows of the probationary period are never scored.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.analytics.nab.profiles import CostProfile
from core.analytics.nab.sweep import (
    OUTSIDE,
    PROBATIONARY,
    FloatArray,
    RowWeights,
    row_weights,
    sweep_thresholds,
)
from core.analytics.nab.windows import DEFAULT_PROBATION_PERCENT, RowWindow

log = logging.getLogger(__name__)

NULL_DETECTOR_SCORE = 0.5
"""What NAB's Null detector outputs for every row."""


@dataclass(frozen=True, eq=False)
class ScoredSeries:
    """One data file: the detector's anomaly score per row and the file's row windows."""

    name: str
    anomaly_scores: FloatArray
    windows: tuple[RowWindow, ...]


@dataclass(frozen=True)
class FileScore:
    """One row of NAB's ``<detector>_<profile>_scores.csv``."""

    name: str
    profile: str
    threshold: float
    score: float
    tp: int
    tn: int
    fp: int
    fn: int
    total_count: int


@dataclass(frozen=True)
class OptimizedThreshold:
    """The threshold with the best corpus score for a profile, and that raw score."""

    profile: str
    threshold: float
    score: float
    tp: int
    tn: int
    fp: int
    fn: int


@dataclass(frozen=True)
class CorpusScore:
    """A detector's corpus result for one profile: raw, Null, Perfect and normalised scores."""

    profile: str
    threshold: float
    score: float
    null_score: float
    perfect_score: float
    normalized: float
    files: tuple[FileScore, ...]


def score_file(
    anomaly_scores: FloatArray,
    windows: Sequence[RowWindow],
    profile: CostProfile,
    threshold: float,
    *,
    name: str = "",
    probation_percent: float = DEFAULT_PROBATION_PERCENT,
) -> FileScore:
    """NAB score and confusion counts of one file at a threshold (NAB ``scoreDataSet``)."""
    scores = np.asarray(anomaly_scores, dtype=np.float64)
    rw = row_weights(scores.size, windows, profile, probation_percent)
    scored = rw.window_index != PROBATIONARY
    detected = scored & (scores >= threshold)
    outside = rw.window_index == OUTSIDE
    inside = scored & ~outside
    total = float(np.sum(rw.weights[detected & outside])) + _windows_total(rw, detected, profile)
    return FileScore(
        name=name,
        profile=profile.name,
        threshold=float(threshold),
        score=total,
        tp=int(np.count_nonzero(detected & inside)),
        tn=int(np.count_nonzero(~detected & outside)),
        fp=int(np.count_nonzero(detected & outside)),
        fn=int(np.count_nonzero(~detected & inside)),
        total_count=int(scores.size),
    )


def _windows_total(rw: RowWeights, detected: np.ndarray, profile: CostProfile) -> float:
    """Each scored window: its best detection's weight, or ``-fn_weight`` when it has none."""
    total = 0.0
    scored_ids = np.unique(rw.window_index[rw.window_index >= 0])
    for window_id in scored_ids:
        hits = rw.weights[detected & (rw.window_index == window_id)]
        total += max(-profile.fn_weight, float(hits.max())) if hits.size else -profile.fn_weight
    return total


def optimize_threshold(
    series: Sequence[ScoredSeries],
    profile: CostProfile,
    probation_percent: float = DEFAULT_PROBATION_PERCENT,
) -> OptimizedThreshold:
    """The threshold maximising the corpus score: NAB ``optimizeThreshold`` sweeps every distinct
    anomaly score of the corpus (plus 1.1, where nothing is detected) and keeps the best."""
    sweep = sweep_thresholds(_weighted(series, profile, probation_percent), profile)
    best = sweep.best_index()
    log.debug(
        "best %s threshold %.6f score %.4f",
        profile.name,
        sweep.thresholds[best],
        sweep.scores[best],
    )
    return OptimizedThreshold(
        profile=profile.name,
        threshold=float(sweep.thresholds[best]),
        score=float(sweep.scores[best]),
        tp=int(sweep.tp[best]),
        tn=int(sweep.tn[best]),
        fp=int(sweep.fp[best]),
        fn=int(sweep.fn[best]),
    )


def _weighted(
    series: Sequence[ScoredSeries], profile: CostProfile, probation_percent: float
) -> list[tuple[FloatArray, RowWeights]]:
    return [
        (
            s.anomaly_scores,
            row_weights(len(s.anomaly_scores), s.windows, profile, probation_percent),
        )
        for s in series
    ]


def null_score(
    series: Sequence[ScoredSeries],
    profile: CostProfile,
    probation_percent: float = DEFAULT_PROBATION_PERCENT,
) -> float:
    """Corpus score of NAB's Null detector (constant 0.5) at its own optimal threshold."""
    null = [
        ScoredSeries(s.name, np.full(len(s.anomaly_scores), NULL_DETECTOR_SCORE), s.windows)
        for s in series
    ]
    return optimize_threshold(null, profile, probation_percent).score


def perfect_score(series: Sequence[ScoredSeries], profile: CostProfile) -> float:
    """Corpus score of a detector that catches every window at its first row."""
    return profile.tp_weight * sum(len(s.windows) for s in series)


def normalize(score: float, null: float, perfect: float) -> float:
    """NAB's normalised score: 0 for the Null detector, 100 for the Perfect one."""
    if perfect == null:
        raise ValueError("perfect and null scores are equal: the corpus has no window")
    return 100.0 * (score - null) / (perfect - null)


def score_corpus(
    series: Sequence[ScoredSeries],
    profile: CostProfile,
    threshold: float | None = None,
    probation_percent: float = DEFAULT_PROBATION_PERCENT,
) -> CorpusScore:
    """Score every file at one threshold (the optimal one when ``threshold`` is None) and
    normalise the sum against the Null and Perfect detectors."""
    if threshold is None:
        threshold = optimize_threshold(series, profile, probation_percent).threshold
    files = tuple(
        score_file(
            s.anomaly_scores,
            s.windows,
            profile,
            threshold,
            name=s.name,
            probation_percent=probation_percent,
        )
        for s in series
    )
    raw = sum(f.score for f in files)
    null = null_score(series, profile, probation_percent)
    perfect = perfect_score(series, profile)
    return CorpusScore(
        profile=profile.name,
        threshold=float(threshold),
        score=raw,
        null_score=null,
        perfect_score=perfect,
        normalized=normalize(raw, null, perfect),
        files=files,
    )
