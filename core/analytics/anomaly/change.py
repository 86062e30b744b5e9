"""Change detection: a two-sided CUSUM over standardised residuals, and the EWMA/CUSUM detector.

The CUSUM accumulates deviations beyond a slack ``k`` (in standard deviations); it signals when a
sum passes ``h`` and then restarts, so it catches level shifts and slow drifts that no single
sample reveals, once per change.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Self

import numpy as np

from core.analytics.anomaly.base import DetectorBase, IntArray
from core.analytics.anomaly.calibrate import NoveltyShaper, TailCalibrator
from core.analytics.anomaly.rolling import FloatArray

log = logging.getLogger(__name__)

_MEAN_ABS_TO_SIGMA = math.sqrt(math.pi / 2.0)


class Cusum:
    """Two-sided tabular CUSUM with restart; ``push`` gives ``max(S+, S-) / h`` per sample."""

    def __init__(self, slack: float = 0.5, limit: float = 8.0, clip: float = 4.0) -> None:
        if slack < 0 or limit <= 0 or clip <= 0:
            raise ValueError("bad CUSUM settings")
        self.slack = slack
        self.limit = limit
        self.clip = clip
        self._high = 0.0
        self._low = 0.0

    def push(self, z: FloatArray) -> FloatArray:
        """CUSUM statistic per standardised residual."""
        return np.array([self.step(value) for value in z.tolist()], dtype=np.float64)

    def step(self, z: float) -> float:
        """Statistic after one residual (a NaN residual leaves the sums alone and gives 0); a value
        above 1 is a signal, after which the sums restart."""
        if math.isnan(z):
            return 0.0
        clipped = min(max(z, -self.clip), self.clip)
        self._high = max(0.0, self._high + clipped - self.slack)
        self._low = max(0.0, self._low - clipped - self.slack)
        statistic = max(self._high, self._low) / self.limit
        if statistic > 1.0:
            self._high = self._low = 0.0
        return statistic


@dataclass(frozen=True)
class EwmaCusumSettings:
    """Settings of :class:`EwmaCusumDetector`."""

    alpha: float = 0.005
    """EWMA weight of a new sample for the mean and the mean absolute deviation."""
    warmup: int = 30
    slack: float = 0.5
    limit: float = 16.0
    alert_horizon: int = 200


class EwmaCusumDetector(DetectorBase):
    """Detector (b): residual to an EWMA mean, scaled by an EWMA of absolute deviations, into a
    CUSUM; after a signal the mean restarts at the new level. Updates are winsorised at 4 sigma
    so a spike barely moves the baseline."""

    def __init__(self, settings: EwmaCusumSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or EwmaCusumSettings()
        self._cusum = Cusum(self.settings.slack, self.settings.limit)
        self._tail = TailCalibrator()
        self._shaper = NoveltyShaper(self.settings.alert_horizon)
        self._mean = math.nan
        self._deviation = 0.0
        self._seen = 0

    def fresh(self) -> Self:
        """A new detector with the same settings."""
        return type(self)(self.settings)

    def _update_usable(self, ts: IntArray, values: FloatArray) -> FloatArray:
        statistic = np.zeros(values.size)
        for i, value in enumerate(values.tolist()):
            z = self._standardise(value)
            alarm = self._cusum.step(z)
            if alarm > 1.0:
                statistic[i] = alarm + abs(z)
                self._mean = value
        return self._shaper.push(self._tail.push(statistic))

    def _standardise(self, value: float) -> float:
        """z of ``value`` against the state before it, then fold it into the EWMA state."""
        alpha = self.settings.alpha
        if self._seen == 0:
            self._mean = value
        scale = max(self._deviation * _MEAN_ABS_TO_SIGMA, 1e-9 * (abs(self._mean) + 1.0))
        z = (value - self._mean) / scale if self._seen >= self.settings.warmup else math.nan
        limit = 4.0 * scale if self._seen >= self.settings.warmup else math.inf
        step = min(max(value - self._mean, -limit), limit)
        rate = max(alpha, 1.0 / (self._seen + 1))
        self._deviation += rate * (abs(step) - self._deviation)
        self._mean += rate * step
        self._seen += 1
        return z
