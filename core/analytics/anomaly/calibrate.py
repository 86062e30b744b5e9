"""From a raw anomaly statistic to a score in [0, 1]: per-stream tail calibration, then alerting.

:class:`TailCalibrator` turns a non-negative statistic (|z|, a CUSUM sum...) into a *surprise*,
``-log10`` of its estimated exceedance probability under the stream's own recent history: the
bulk is read from the empirical 95th percentile and the tail is extrapolated as exponential
(peaks over threshold, mean excess refitted every ``refit_every`` values). This normalises very
different signals onto one scale, so that one threshold serves them all.

:class:`NoveltyShaper` makes the stream of surprises an alert stream: a sample scores by how much
its surprise exceeds the largest surprise of the preceding ``horizon`` samples, so a lasting
anomaly raises one alert at its onset instead of an alarm flood.

:class:`AlertFrequency` discounts an alert by how often the stream has already raised alerts at
least as strong (``weight * log10(1 + count)``, counts fading with a half-life in samples): the
first alert of its size in a stream keeps its full score, the tenth of that size in a chattering
stream (a pump's start-ups, a noisy utilisation signal) is damped, as ISA-18.2 asks of nuisance
alarms. Counts may be kept per cause (the statistic that raised the alert), so a stream whose
steps chatter still raises its first level shift at full strength.
"""

from __future__ import annotations

import logging
import math

import numpy as np

from core.analytics.anomaly.base import IntArray
from core.analytics.anomaly.rolling import FloatArray, RollingMax

log = logging.getLogger(__name__)

_LN10 = math.log(10.0)


class TailCalibrator:
    """Surprise (``-log10`` exceedance probability) of each value against the stream's past."""

    def __init__(
        self,
        history: int = 3000,
        quantile: float = 0.95,
        min_history: int = 200,
        refit_every: int = 32,
    ) -> None:
        if not 0.5 <= quantile < 1.0 or min_history < 10 or refit_every < 1:
            raise ValueError("bad tail calibrator settings")
        self.history = history
        self.quantile = quantile
        self.min_history = min_history
        self.refit_every = refit_every
        self._past: FloatArray = np.zeros(0)
        self._count = 0
        self._fit: tuple[float, float] | None = None

    def push(self, statistic: FloatArray) -> FloatArray:
        """Surprise of each value (0 for NaN, which is not remembered), then remember them."""
        out = np.zeros(statistic.size)
        valid = np.flatnonzero(np.isfinite(statistic))
        values = np.abs(statistic[valid])
        result = np.zeros(values.size)
        done = 0
        while done < values.size:
            if self._count % self.refit_every == 0:
                self._refit()
            take = self.refit_every - self._count % self.refit_every
            segment = values[done : done + take]
            result[done : done + segment.size] = self._surprise(segment)
            self._past = np.concatenate([self._past, segment])[-self.history :]
            self._count += segment.size
            done += segment.size
        out[valid] = result
        return out

    def _refit(self) -> None:
        if self._past.size < self.min_history:
            self._fit = None
            return
        threshold = float(np.quantile(self._past, self.quantile))
        excess = self._past[self._past > threshold] - threshold
        mean_excess = float(excess.mean()) if excess.size else 0.0
        self._fit = (threshold, max(mean_excess, 1e-3 * abs(threshold), 1e-9))

    def _surprise(self, values: FloatArray) -> FloatArray:
        if self._fit is None:
            return np.zeros(values.size)
        threshold, mean_excess = self._fit
        tail_base = -math.log10(1.0 - self.quantile)
        tail = tail_base + (values - threshold) / (mean_excess * _LN10)
        fraction = np.clip(values / max(threshold, 1e-12), 0.0, 1.0)
        bulk = -np.log10(np.maximum(1e-12, 1.0 - self.quantile * fraction))
        return np.where(values > threshold, tail, bulk)


class AlertFrequency:
    """Discount of each alert gain by the (fading) count of the stream's earlier alerts at least
    as strong and of the same cause: ``max(gain - weight * log10(1 + count), 0)``.

    Gains up to ``floor`` are not alerts (left as they are, not counted). Earlier alerts are kept
    in one histogram per cause over ``[0, cap]`` with ``resolution`` wide bins, so memory stays
    bounded; each count halves every ``halflife`` samples.
    """

    def __init__(
        self,
        weight: float = 0.5,
        halflife: float = 20_000.0,
        cap: float = 8.0,
        floor: float = 0.05,
        resolution: float = 0.01,
        causes: int = 1,
    ) -> None:
        if weight < 0 or halflife <= 0 or cap <= 0 or floor < 0 or resolution <= 0 or causes < 1:
            raise ValueError("bad alert frequency settings")
        self.weight = weight
        self.floor = floor
        self.resolution = resolution
        self._decay = math.log(2.0) / halflife
        self._counts = np.zeros((causes, math.ceil(cap / resolution) + 1))
        self._clock = 0
        self._last_alert = 0

    def push(self, gain: FloatArray, cause: IntArray | None = None) -> FloatArray:
        """Discounted gains, then remember the alerts among ``gain``; ``cause`` (aligned with
        ``gain``, each in ``[0, causes)``; all 0 when None) says whose earlier alerts count."""
        out = np.array(gain, dtype=np.float64)
        causes = self._causes(out, cause)
        for i in np.flatnonzero(out > self.floor).tolist():
            now = self._clock + i
            self._counts *= math.exp(-self._decay * (now - self._last_alert))
            self._last_alert = now
            counts = self._counts[int(causes[i])]
            level = min(int(out[i] / self.resolution), counts.size - 1)
            stronger = float(counts[level:].sum())
            counts[level] += 1.0
            out[i] = max(out[i] - self.weight * math.log10(1.0 + stronger), 0.0)
        self._clock += out.size
        return out

    def _causes(self, gain: FloatArray, cause: IntArray | None) -> IntArray:
        if cause is None:
            return np.zeros(gain.size, dtype=np.int64)
        causes = np.asarray(cause, dtype=np.int64)
        known = self._counts.shape[0]
        if causes.shape != gain.shape or (
            causes.size and not 0 <= causes.min() <= causes.max() < known
        ):
            raise ValueError(f"causes must be aligned with the gains and in [0, {known})")
        return causes


class NoveltyShaper:
    """Score = ``1 - exp(-gain / tau)``, gain = how far a (capped) surprise rises above the
    largest of the preceding ``horizon`` surprises, discounted by ``frequency`` when given."""

    def __init__(
        self,
        horizon: int = 200,
        cap: float = 8.0,
        tau: float = 4.0,
        frequency: AlertFrequency | None = None,
    ) -> None:
        if horizon < 1 or cap <= 0 or tau <= 0:
            raise ValueError("bad novelty shaper settings")
        self.cap = cap
        self.tau = tau
        self._recent = RollingMax(horizon)
        self._frequency = frequency

    def push(self, surprise: FloatArray, cause: IntArray | None = None) -> FloatArray:
        """Scores in [0, 1] for a batch of surprises, then remember them; ``cause`` (which
        statistic raised each surprise) is handed to ``frequency``."""
        capped = np.minimum(np.maximum(surprise, 0.0), self.cap)
        gain = np.maximum(capped - self._recent.push_preceding_max(capped), 0.0)
        if self._frequency is not None:
            gain = self._frequency.push(gain, cause)
        return np.asarray(1.0 - np.exp(-gain / self.tau), dtype=np.float64)
