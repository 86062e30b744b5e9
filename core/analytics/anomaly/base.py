"""What every streaming anomaly detector offers, and the input hygiene they share."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Protocol, Self

import numpy as np
import numpy.typing as npt

from core.analytics.anomaly.rolling import FloatArray

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
_NO_TIMESTAMP = np.iinfo(np.int64).min


class StreamDetector(Protocol):
    """A causal detector: the score of a sample depends only on the samples up to it."""

    def update(self, ts_ns: IntArray, values: FloatArray) -> FloatArray:
        """Feed the next samples of the stream; one score in [0, 1] per sample."""
        ...

    def score_series(self, ts_ns: IntArray, values: FloatArray) -> FloatArray:
        """Scores of a whole series by a fresh detector with the same settings."""
        ...


class DetectorBase(ABC):
    """Validates input, skips unusable samples, clips scores to [0, 1].

    A sample is unusable (score 0, not remembered) when its value is not finite or its timestamp
    is older than one already accepted; out-of-order or bad-quality samples thus never disturb
    the detector state.
    """

    def __init__(self) -> None:
        self._last_ts = _NO_TIMESTAMP

    def update(self, ts_ns: IntArray, values: FloatArray) -> FloatArray:
        """Feed the next samples (int64 ns timestamps, float values); scores in [0, 1]."""
        ts = np.asarray(ts_ns, dtype=np.int64)
        x = np.asarray(values, dtype=np.float64)
        if ts.ndim != 1 or ts.shape != x.shape:
            raise ValueError(f"timestamps {ts.shape} and values {x.shape} must be 1-D and aligned")
        finite = np.isfinite(x)
        stamps = np.where(finite, ts, _NO_TIMESTAMP)
        latest_before = np.maximum.accumulate(np.concatenate([[self._last_ts], stamps]))[:-1]
        usable = finite & (ts >= latest_before)
        scores = np.zeros(x.size)
        if usable.any():
            self._last_ts = int(ts[usable][-1])
            scores[usable] = self._update_usable(ts[usable], x[usable])
        return np.clip(np.nan_to_num(scores), 0.0, 1.0)

    def score_series(self, ts_ns: IntArray, values: FloatArray) -> FloatArray:
        """Scores of a whole series by a fresh detector with this one's settings."""
        return self.fresh().update(ts_ns, values)

    @abstractmethod
    def fresh(self) -> Self:
        """A new detector with the same settings and no history."""

    @abstractmethod
    def _update_usable(self, ts: IntArray, values: FloatArray) -> FloatArray:
        """Scores of usable samples (finite values, timestamps in order)."""
