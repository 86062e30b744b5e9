"""Detector (c): the ensemble for industrial signals.

One residual model (seasonal or level, see :mod:`.seasonal`) feeds four statistics, each
calibrated against the stream's own history into a surprise (``-log10`` probability):

- the robust z of the value: spikes, dips, out-of-season values;
- the robust z of the first difference: steps and spikes riding on trends;
- a CUSUM over the robust z: level shifts and slow drift;
- the short/long volatility ratio: noise growing or vanishing;

plus the run-length surprise of a stuck sensor. The largest surprise becomes the score through
the novelty shaper: one alert at the onset of an anomaly, not an alarm flood; alerts of a size
the stream has often raised before from the same statistic are discounted
(:class:`.AlertFrequency` with one cause per statistic: steps that chatter do not damp the first
level shift).

Beside these, an adaptive-resonance memory of the stream's window shapes (:mod:`.resonance`,
ARTime's method) scores windows unlike any seen before; the final score is the larger of the
shaped surprise and ``resonance_weight`` times that novelty. It catches slow drifts and changed
cycle shapes, which move no statistic far from its own history.
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
from core.analytics.anomaly.resonance import ResonanceNovelty, ResonanceSettings
from core.analytics.anomaly.rolling import FloatArray
from core.analytics.anomaly.seasonal import ResidualModel, ResidualSettings

log = logging.getLogger(__name__)

STATISTICS = 5
"""Rows of :meth:`EnsembleDetector.surprises`: level, difference, CUSUM, volatility, flatline."""


@dataclass(frozen=True)
class EnsembleSettings:
    """Settings of :class:`EnsembleDetector`."""

    residual: ResidualSettings = field(default_factory=ResidualSettings)
    cusum_slack: float = 0.5
    cusum_limit: float = 8.0
    volatility_short: int = 16
    alert_horizon: int = 200
    surprise_cap: float = 8.0
    frequency_weight: float = 1.0
    """Discount per decade of earlier alerts of the same statistic at least as strong (0 disables
    it)."""
    frequency_halflife: float = 20_000.0
    """Samples after which an earlier alert counts half."""
    resonance: ResonanceSettings = field(default_factory=ResonanceSettings)
    resonance_weight: float = 0.4
    """Weight of the adaptive-resonance novelty in the score (0 disables it)."""


class EnsembleDetector(DetectorBase):
    """Spikes, level shifts, drift, stuck sensors, noise changes and novel shapes, one score per
    sample."""

    def __init__(self, settings: EnsembleSettings | None = None) -> None:
        super().__init__()
        s = self.settings = settings or EnsembleSettings()
        self._residual = ResidualModel(s.residual)
        self._cusum = Cusum(s.cusum_slack, s.cusum_limit)
        self._volatility = VolatilityTracker(s.volatility_short, s.residual.window)
        self._flatline = FlatlineTracker(s.residual.window)
        self._tails = [TailCalibrator() for _ in range(4)]
        frequency = AlertFrequency(
            s.frequency_weight, s.frequency_halflife, cap=s.surprise_cap, causes=STATISTICS
        )
        self._shaper = NoveltyShaper(s.alert_horizon, cap=s.surprise_cap, frequency=frequency)
        self._resonance = ResonanceNovelty(s.resonance) if s.resonance_weight > 0 else None

    def fresh(self) -> Self:
        """A new detector with the same settings."""
        return type(self)(self.settings)

    def _update_usable(self, ts: IntArray, values: FloatArray) -> FloatArray:
        surprises = self.surprises(ts, values)
        scores = self._shaper.push(surprises.max(axis=0), cause=np.argmax(surprises, axis=0))
        if self._resonance is None:
            return scores
        novelty = self.settings.resonance_weight * self._resonance.push(values)
        return np.asarray(np.maximum(scores, novelty), dtype=np.float64)

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
