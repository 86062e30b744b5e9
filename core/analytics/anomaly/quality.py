"""Signal-quality anomalies: a stuck sensor (flatline) and a change of noise level."""

from __future__ import annotations

import logging
import math

import numpy as np

from core.analytics.anomaly.rolling import FloatArray, RollingMean

log = logging.getLogger(__name__)


class FlatlineTracker:
    """Surprise of a run of repeated values, for signals that normally move.

    With ``p`` the fraction of samples that changed in the ``window`` samples before the run, a
    run of ``L`` repeats has probability ``(1 - p) ** L``; its surprise is ``-log10`` of that.
    Signals that change in fewer than half their samples (flat, slow or coarse) never score.
    A run reports once, at the sample where its surprise first reaches ``alarm_level`` and its
    length exceeds every run the stream had before: bursty signals (idle periods between
    activity) have long runs as part of their normal life, a stuck sensor makes a run of a new
    length.
    """

    def __init__(self, window: int = 400, min_count: int = 60, alarm_level: float = 6.0) -> None:
        self.alarm_level = alarm_level
        self._changes = RollingMean(window, min_count)
        self._previous = math.nan
        self._run = 0
        self._run_change_rate = math.nan
        self._last_rate = math.nan
        self._longest = 0
        self._reported = False

    def push(self, values: FloatArray) -> FloatArray:
        """Surprise per sample (0 when moving)."""
        previous = np.concatenate([[self._previous], values[:-1]])
        changed = np.where(np.isnan(previous), np.nan, (values != previous).astype(np.float64))
        rates = self._changes.push(changed)
        rate_before = np.concatenate([[self._last_rate], rates[:-1]])
        out = np.zeros(values.size)
        for i, moved in enumerate(changed.tolist()):
            if moved != 0.0:
                self._longest = max(self._longest, self._run)
                self._run = 0
                continue
            if self._run == 0:
                self._run_change_rate = rate_before[i]
                self._reported = False
            self._run += 1
            out[i] = self._run_surprise()
        if values.size:
            self._previous = float(values[-1])
            self._last_rate = float(rates[-1])
        return out

    def _run_surprise(self) -> float:
        """Surprise of the current run if it reports at this sample, else 0."""
        rate = self._run_change_rate
        if self._reported or not rate > 0.5 or self._run <= self._longest:
            return 0.0
        per_repeat = -math.log10(max(1e-12, 1.0 - min(rate, 0.999)))
        surprise = self._run * per_repeat
        if surprise < self.alarm_level:
            return 0.0
        self._reported = True
        return surprise


class VolatilityTracker:
    """Log ratio of the short-term to the long-term mean absolute first difference: positive
    when the noise grows, negative when the signal calms down or sticks."""

    def __init__(self, short: int = 16, window: int = 400) -> None:
        self._short = RollingMean(short, short)
        self._long = RollingMean(window, 60)
        self._delayed: FloatArray = np.full(short, np.nan)
        self._previous = math.nan

    def push(self, values: FloatArray) -> FloatArray:
        """Log volatility ratio per sample (NaN during warm-up)."""
        previous = np.concatenate([[self._previous], values[:-1]])
        if values.size:
            self._previous = float(values[-1])
        moves = np.abs(values - previous)
        short = self._short.push(moves)
        queue = np.concatenate([self._delayed, moves])
        self._delayed = queue[values.size :]
        long = self._long.push(queue[: values.size])
        floor = 1e-9 + 1e-6 * np.abs(values)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(np.log((short + floor) / (long + floor)), dtype=np.float64)
