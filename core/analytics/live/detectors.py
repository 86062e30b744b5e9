"""The detectors a rule may name, built lazily.

:mod:`core.analytics.anomaly` imports scikit-learn (for its multivariate detector), which takes
over a second; the collector and the command line import this package on every start, so the
detector modules are imported only when a rule's first detector is built.
"""

from __future__ import annotations

from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
DetectorName = Literal["ensemble", "seasonal", "ewma_cusum", "discord", "resonance"]


class StreamDetector(Protocol):
    """A causal detector: one score in [0, 1] per sample, using samples up to it only."""

    def update(self, ts_ns: IntArray, values: FloatArray) -> FloatArray:
        """Feed the next samples (timestamps non-decreasing); their scores."""
        ...


def make_detector(name: DetectorName) -> StreamDetector:
    """A fresh detector: ``ensemble`` (spikes, shifts, drift, stuck, noise), ``seasonal``
    (seasonal residual, robust z), ``ewma_cusum`` (level shifts and drift), ``discord`` (a
    changed cycle shape) or ``resonance`` (novel window shapes, adaptive resonance)."""
    if name == "ensemble":
        from core.analytics.anomaly.ensemble import EnsembleDetector

        return EnsembleDetector()
    if name == "seasonal":
        from core.analytics.anomaly.seasonal import SeasonalRobustDetector

        return SeasonalRobustDetector()
    if name == "ewma_cusum":
        from core.analytics.anomaly.change import EwmaCusumDetector

        return EwmaCusumDetector()
    if name == "discord":
        from core.analytics.anomaly.discord import DiscordDetector

        return DiscordDetector()
    if name == "resonance":
        from core.analytics.anomaly.resonance import ResonanceDetector

        return ResonanceDetector()
    raise ValueError(f"unknown detector {name!r}")
