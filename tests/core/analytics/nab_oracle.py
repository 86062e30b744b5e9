"""A literal, loop-by-loop port of NAB v1.1's ``Sweeper`` (nab/sweeper.py): the test oracle."""

from __future__ import annotations

import math
from collections.abc import Sequence


def scaled_sigmoid(position: float) -> float:
    if position > 3.0:
        return -1.0
    return 2 * (1 / (1 + math.exp(5 * position))) - 1.0


def sweep_scores(
    n_rows: int, windows: Sequence[tuple[int, int]], weights: tuple[float, float, float], name: str
) -> list[tuple[int, float, str | None]]:
    """``(row, sweepScore, windowName)`` per row, as ``calcSweepScore`` (probation 0.15)."""
    tp, fp, _ = weights
    probation = min(math.floor(0.15 * n_rows), 0.15 * 5000)
    pending = list(windows)
    cur = None
    cur_name = None
    prev_right = prev_width = None
    points = []
    for i in range(n_rows):
        if pending and i == pending[0][0]:
            cur = pending.pop(0)
            cur_name = f"{name}|{cur[0]}"
        if cur is not None:
            width = float(cur[1] - cur[0] + 1)
            score = scaled_sigmoid(-(cur[1] - i + 1) / width) * tp / scaled_sigmoid(-1.0)
        elif prev_right is None:
            score = -1.0 * fp
        else:
            score = scaled_sigmoid(abs(prev_right - i) / float(prev_width - 1)) * fp
        points.append((i, score, cur_name if i >= probation else "probationary"))
        if cur is not None and i == cur[1]:
            prev_right, prev_width = i, float(cur[1] - cur[0] + 1)
            cur = cur_name = None
    return points


def score_by_threshold(
    points: list[tuple[float, float, str | None]], fn_weight: float
) -> list[tuple[float, float, int, int, int, int]]:
    """``calcScoreByThreshold`` over ``(anomalyScore, sweepScore, windowName)`` points."""
    scorable = sorted(
        [p for p in points if p[2] != "probationary"], key=lambda p: p[0], reverse=True
    )
    parts: dict[str | None, float] = {"fp": 0}
    for p in scorable:
        if p[2] is not None:
            parts[p[2]] = -fn_weight
    tn = sum(1 for p in scorable if p[2] is None)
    fn = len(scorable) - tn
    tp = fp = 0
    threshold = 1.1
    out = []
    for score, sweep, window in scorable:
        if score != threshold:
            out.append((threshold, sum(parts.values()), tp, tn, fp, fn))
            threshold = score
        if window is not None:
            tp, fn = tp + 1, fn - 1
            parts[window] = max(parts[window], sweep)
        else:
            fp, tn = fp + 1, tn - 1
            parts["fp"] += sweep
    out.append((threshold, sum(parts.values()), tp, tn, fp, fn))
    return out
