"""The recent normal samples of a tag, and the baseline an anomaly is judged against.

Consecutive repeats of a value are collapsed (only run lengths are kept), so a stuck sensor the
detector missed does not turn the baseline into one constant whose spread is zero: the baseline
keeps describing the signal before the run.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

BASELINE_SAMPLES = 256
"""Distinct recent normal values the baseline is computed from."""
FLAT_RUN = 5
"""A run of this many equal samples is a flat line."""
_RUNS_KEPT = 64
_MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True, slots=True)
class Baseline:
    """Median and robust sigma of the normal signal; whether a flat line would be unusual."""

    median: float
    sigma: float
    flat_is_abnormal: bool


class NormalHistory:
    """Recent normal values (repeats collapsed) and the lengths of recent runs of equal values."""

    def __init__(self) -> None:
        self._values: deque[float] = deque(maxlen=BASELINE_SAMPLES)
        self._runs: deque[int] = deque(maxlen=_RUNS_KEPT)
        self._last = math.nan
        self._run = 0

    def __len__(self) -> int:
        return len(self._values)

    def add(self, value: float) -> None:
        """Remember one normal sample."""
        if value == self._last:
            self._run += 1
            return
        if self._run:
            self._runs.append(self._run)
        self._last, self._run = value, 1
        self._values.append(value)

    def extend(self, values: Iterable[float]) -> None:
        """Remember several normal samples, oldest first."""
        for value in values:
            self.add(value)

    def restart(self, values: Iterable[float]) -> None:
        """Forget everything, then learn ``values`` (the signal settled at a new normal)."""
        self._values.clear()
        self._runs.clear()
        self._last, self._run = math.nan, 0
        self.extend(values)

    def baseline(self, fallback: float) -> Baseline:
        """The baseline now (``fallback`` is the median when nothing was learned yet)."""
        values = np.fromiter(self._values, dtype=np.float64, count=len(self._values))
        if values.size == 0:
            return Baseline(fallback, _sigma_floor(fallback), False)
        median = float(np.median(values))
        sigma = _MAD_TO_SIGMA * float(np.median(np.abs(values - median)))
        sigma = sigma if sigma > 0 else float(values.std())
        runs = list(self._runs)
        flat_abnormal = len(runs) >= 2 * FLAT_RUN and max(runs) < FLAT_RUN
        return Baseline(median, max(sigma, _sigma_floor(median)), flat_abnormal)


def _sigma_floor(median: float) -> float:
    return 1e-9 * (abs(median) + 1.0)
