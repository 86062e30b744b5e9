"""Detector (c): the ensemble for industrial signals.

One residual model (seasonal or level, see :mod:`.seasonal`) feeds four statistics, each
calibrated against the stream's own history into a surprise (``-log10`` probability):

- the robust z of the value: spikes, dips, out-of-season values;
- the robust z of the first difference: steps and spikes riding on trends;
- a CUSUM over the robust z: level shifts and slow drift;
- the short/long volatility ratio: noise growing or vanishing;

plus the run-length surprise of a stuck sensor. The largest surprise becomes the score through
the novelty shaper: one alert at the onset of an anomaly, not an alarm flood; alerts of a size
the stream has often raised before are discounted (:class:`.AlertFrequency`). Optionally a share
of the second-largest surprise is added (:func:`corroborated`: an anomaly two statistics agree
on outranks one that only a single statistic sees); that trades precision for recall (on the
NAB files and on injected faults: better reward-low-FN, worse reward-low-FP, standard within
noise), so it is off by default.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Self

import numpy as np

from core.analytics.anomaly.base import DetectorBase, IntArray
from core.analytics.anomaly.calibrate import AlertFrequency, NoveltyShaper, TailCalibrator
from core.analytics.anomaly.change import Cusum
from core.analytics.anomaly.quality import FlatlineTracker, VolatilityTracker
from core.analytics.anomaly.rolling import FloatArray
from core.analytics.anomaly.seasonal import ResidualModel, ResidualSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EnsembleSettings:
    """Settings of :class:`EnsembleDetector`."""

    residual: ResidualSettings = field(default_factory=ResidualSettings)
    cusum_slack: float = 0.5
    cusum_limit: float = 8.0
    volatility_short: int = 16
    alert_horizon: int = 200
    surprise_cap: float = 8.0
    frequency_weight: float = 0.5
    """Discount per decade of earlier alerts at least as strong (0 disables it)."""
    frequency_halflife: float = 20_000.0
    """Samples after which an earlier alert counts half."""
    corroboration: float = 0.0
    """Share of the second-largest surprise added to the largest (0: the largest alone; 0.4
    favours recall)."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.corroboration <= 1.0:
            raise ValueError(f"corroboration {self.corroboration} is not in [0, 1]")


def corroborated(surprises: FloatArray, weight: float) -> FloatArray:
    """Per column of ``surprises`` (statistics x samples): the largest plus ``weight`` times the
    second largest; the largest alone when there is a single statistic or ``weight`` is 0."""
    if surprises.shape[0] < 2 or weight == 0.0:
        return np.asarray(surprises.max(axis=0), dtype=np.float64)
    top_two = np.partition(surprises, surprises.shape[0] - 2, axis=0)[-2:]
    return np.asarray(top_two[1] + weight * top_two[0], dtype=np.float64)


class EnsembleDetector(DetectorBase):
    """Spikes, level shifts, drift, stuck sensors and noise changes, one score per sample."""

    def __init__(self, settings: EnsembleSettings | None = None) -> None:
        super().__init__()
        s = self.settings = settings or EnsembleSettings()
        self._residual = ResidualModel(s.residual)
        self._cusum = Cusum(s.cusum_slack, s.cusum_limit)
        self._volatility = VolatilityTracker(s.volatility_short, s.residual.window)
        self._flatline = FlatlineTracker(s.residual.window)
        self._tails = [TailCalibrator() for _ in range(4)]
        frequency = AlertFrequency(s.frequency_weight, s.frequency_halflife, cap=s.surprise_cap)
        self._shaper = NoveltyShaper(s.alert_horizon, cap=s.surprise_cap, frequency=frequency)

    def fresh(self) -> Self:
        """A new detector with the same settings."""
        return type(self)(self.settings)

    def _update_usable(self, ts: IntArray, values: FloatArray) -> FloatArray:
        combined = corroborated(self.surprises(ts, values), self.settings.corroboration)
        return self._shaper.push(combined)

    def surprises(self, ts: IntArray, values: FloatArray) -> FloatArray:
        """Per-component surprises, shape (5, n): level, difference, CUSUM, volatility, flatline.

        Advances the state like :meth:`update` but without the alert shaping (for diagnosis)."""
        z, dz = self._residual.push(ts, values)
        statistics = (
            np.abs(z),
            np.abs(dz),
            self._cusum.push(z),
            np.abs(self._volatility.push(values)),
        )
        calibrated = [tail.push(stat) for tail, stat in zip(self._tails, statistics, strict=True)]
        return np.vstack([*calibrated, self._flatline.push(values)])
