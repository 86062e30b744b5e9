"""NAB's per-row scoring weights and its threshold sweep (``nab/sweeper.py`` of NAB v1.1).

Every row gets a *sweep score*: inside a window, the scaled sigmoid of its position relative to
the window end (the earliest row is worth exactly ``tp_weight``); outside, a false-positive cost
that the sigmoid softens just after the preceding window (``-fp_weight`` before any window).
A threshold turns anomaly scores into detections (``score >= threshold``); a window counts once,
with its best (earliest) detection or ``-fn_weight``, and every detection outside windows counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.analytics.nab.profiles import CostProfile
from core.analytics.nab.windows import DEFAULT_PROBATION_PERCENT, RowWindow, probation_length

OUTSIDE = -1
"""Window index of a scored row outside every window."""
PROBATIONARY = -2
"""Window index of a row in the probationary period (never scored)."""
START_THRESHOLD = 1.1
"""NAB's first sweep threshold: above every anomaly score, so nothing is detected."""

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def scaled_sigmoid(position: FloatArray) -> FloatArray:
    """NAB's ``scaledSigmoid``: ``2 * sigmoid(-5 x) - 1``, and ``-1`` beyond ``x > 3``."""
    with np.errstate(over="ignore"):
        value = 2.0 * (1.0 / (1.0 + np.exp(5.0 * position))) - 1.0
    return np.where(position > 3.0, -1.0, value)


@dataclass(frozen=True, eq=False)
class RowWeights:
    """Per-row sweep scores of one file and the window each row belongs to."""

    weights: FloatArray
    window_index: IntArray
    """``k`` for window k, :data:`OUTSIDE`, or :data:`PROBATIONARY`."""


def row_weights(
    n_rows: int,
    windows: Sequence[RowWindow],
    profile: CostProfile,
    probation_percent: float = DEFAULT_PROBATION_PERCENT,
) -> RowWeights:
    """Sweep score of every row of a file with the given (sorted, disjoint) row windows."""
    rows = np.arange(n_rows, dtype=np.float64)
    weights = np.full(n_rows, -profile.fp_weight)
    window_index = np.full(n_rows, OUTSIDE, dtype=np.int64)
    max_tp = float(scaled_sigmoid(np.array([-1.0]))[0])
    for k, (first, last) in enumerate(windows):
        width = float(last - first + 1)
        inside = slice(first, last + 1)
        weights[inside] = scaled_sigmoid(-(last - rows[inside] + 1) / width) * (
            profile.tp_weight / max_tp
        )
        window_index[inside] = k
        following = windows[k + 1][0] if k + 1 < len(windows) else n_rows
        after = slice(last + 1, following)
        if width > 1:
            past = np.abs(last - rows[after]) / (width - 1.0)
            weights[after] = scaled_sigmoid(past) * profile.fp_weight
    window_index[: probation_length(n_rows, probation_percent)] = PROBATIONARY
    return RowWeights(weights=weights, window_index=window_index)


@dataclass(frozen=True, eq=False)
class ThresholdSweep:
    """NAB score and confusion counts for every candidate threshold, highest threshold first."""

    thresholds: FloatArray
    scores: FloatArray
    tp: IntArray
    tn: IntArray
    fp: IntArray
    fn: IntArray

    def best_index(self) -> int:
        """Index of the best score; ties go to the highest threshold, as in NAB's stable sort."""
        return int(np.argmax(self.scores))


def sweep_thresholds(
    files: Sequence[tuple[FloatArray, RowWeights]], profile: CostProfile
) -> ThresholdSweep:
    """Score every distinct anomaly score of the files as a threshold (NAB ``calcScoreByThreshold``
    over the concatenated files), in one sort and a few cumulative sums."""
    scores, weights, window_ids = _scorable_rows(files)
    if scores.size == 0:
        return _empty_sweep()
    order = np.argsort(-scores, kind="stable")
    scores, weights, window_ids = scores[order], weights[order], window_ids[order]
    inside = window_ids >= 0
    n_windows = np.unique(window_ids[inside]).size
    base = -profile.fn_weight * n_windows
    delta = np.where(inside, 0.0, weights)
    delta[inside] = _window_gains(weights[inside], window_ids[inside], -profile.fn_weight)
    running = base + np.cumsum(delta)
    ends = np.flatnonzero(np.append(scores[1:] != scores[:-1], True))
    tp_run = np.cumsum(inside)[ends]
    fp_run = np.cumsum(~inside)[ends]
    n_in, n_out = int(inside.sum()), int((~inside).sum())
    thresholds, totals = scores[ends], running[ends]
    if scores[0] != START_THRESHOLD:
        thresholds = np.insert(thresholds, 0, START_THRESHOLD)
        totals = np.insert(totals, 0, base)
        tp_run, fp_run = np.insert(tp_run, 0, 0), np.insert(fp_run, 0, 0)
    return ThresholdSweep(
        thresholds=thresholds,
        scores=totals,
        tp=tp_run.astype(np.int64),
        tn=(n_out - fp_run).astype(np.int64),
        fp=fp_run.astype(np.int64),
        fn=(n_in - tp_run).astype(np.int64),
    )


def _empty_sweep() -> ThresholdSweep:
    """The sweep of files without a scored row: one threshold, nothing detected."""
    zero = np.zeros(1, dtype=np.int64)
    return ThresholdSweep(
        thresholds=np.array([START_THRESHOLD]),
        scores=np.zeros(1),
        tp=zero,
        tn=zero,
        fp=zero,
        fn=zero,
    )


def _scorable_rows(
    files: Sequence[tuple[FloatArray, RowWeights]],
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Concatenate the non-probationary rows of all files; window ids made unique corpus-wide."""
    scores, weights, ids = [], [], []
    offset = 0
    for anomaly_scores, rw in files:
        keep = rw.window_index != PROBATIONARY
        local = rw.window_index[keep]
        scores.append(np.asarray(anomaly_scores, dtype=np.float64)[keep])
        weights.append(rw.weights[keep])
        ids.append(np.where(local >= 0, local + offset, OUTSIDE))
        offset += int(rw.window_index.max(initial=-1)) + 1
    if not scores:
        return np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64)
    return np.concatenate(scores), np.concatenate(weights), np.concatenate(ids)


def _window_gains(weights: FloatArray, window_ids: IntArray, floor: float) -> FloatArray:
    """Score change each in-window detection brings, in sweep order: the rise of its window's
    running best (starting from ``-fn_weight``)."""
    gains = np.zeros(weights.size)
    by_window = np.lexsort((np.arange(weights.size), window_ids))
    bounds = np.flatnonzero(np.diff(window_ids[by_window])) + 1
    for group in np.split(by_window, bounds):
        best = np.maximum.accumulate(np.maximum(weights[group], floor))
        previous = np.concatenate(([floor], best[:-1]))
        gains[group] = best - previous
    return gains
