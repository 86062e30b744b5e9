"""Novel window shapes by adaptive resonance: an ARTime-style detector (after Mark Hampton's
ARTime, the leader of the Numenta Anomaly Benchmark), written for this package's causal contract.

The stream is cut into blocks of ``step`` samples (``step`` chosen so that the probation period
holds ``windows_per_probation`` feature windows); each block becomes one value: its mean, or its
extreme farthest from a fast moving average when that extreme departs from the mean by more than
``spike_fraction`` of it (a spike survives the down-sampling). The value is scaled to [0, 1]
(ARTime uses the whole file's range; a causal detector only knows the probation period's, so
that range widened by ``range_margin`` on each side is used, values beyond it clipped),
quantised to ``levels`` levels and snapped to the running median level when within ``chomp``
of it. The last ``window`` values form a feature vector: the Haar wavelet coefficients of the
window rescaled to [0, 1], then the window itself.

A :class:`.DualVigilanceArt` memory learns the windows; a window that founds a new cluster is an
anomaly, scored by how far below the vigilances its best match lies (plus how far its latest
level is from that category's), unless alerts are masked: for ``1.5 * window`` values after an
anomaly and after each vigilance update until ``1.5 * window`` values pass without a new
cluster, an anomaly needs a match clearly worse than the last anomaly's. The vigilances adapt:
at the end of probation they are set from a trial run; then every half probation period and
shortly after each anomaly, the upper one tracks the mean match (capped at 0.97) and the lower
one rises toward the recent worst match or sinks by the recent shortfall below the upper one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Self

import numpy as np

from core.analytics.anomaly.art import DualVigilanceArt
from core.analytics.anomaly.base import DetectorBase, IntArray
from core.analytics.anomaly.resonance_encode import Downsampler, WindowEncoder, initial_vigilance
from core.analytics.anomaly.rolling import FloatArray

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResonanceSettings:
    """Settings of :class:`ResonanceDetector`."""

    probation: int = 600
    """Samples learnt before any alert (NAB's probation: 15 % of a file, at most 750)."""
    window: int = 8
    """Down-sampled values per feature window (a power of two)."""
    windows_per_probation: int = 13
    levels: int = 80
    chomp: float = 0.075
    spike_fraction: float = 0.1
    range_margin: float = 0.0
    """Widening of the probation's range on each side, as a fraction of it."""
    initial_rho: float = 0.8
    widen: bool = True
    """Stretch the scale to every new extreme after probation (else clip to the probation's
    range)."""

    @property
    def step(self) -> int:
        """Samples per down-sampled value."""
        return max(1, self.probation // (self.window * self.windows_per_probation))

    @property
    def trend(self) -> int:
        """Down-sampled values in the probation period."""
        return max(2 * self.window, self.probation // self.step)


class _Vigilant:
    """ARTime's alerting and vigilance adaptation around one ART memory."""

    def __init__(self, s: ResonanceSettings) -> None:
        self.s = s
        self.art = DualVigilanceArt(2 * s.window, energy=2 * s.window - 1)
        self.mask = int(s.window * 1.5)
        self.last_anomaly = 0
        self.last_anomaly_sim = 0.0
        self.last_update = 0
        self.mask_after_cat = False
        self.quiet = 0
        self.anomalies = 0
        self.worst_sim = 0.0
        """The worst match in the latest anomaly's masking period."""
        self.worst_sim_sum = 0.0
        """Sum of the worst match of each earlier anomaly's masking period."""
        self.trend = s.trend
        self.sim_window = np.ones(self.trend // 2 + 1)
        self.shortfall = np.zeros(self.trend + 1)
        self.sim_sum = 0.0

    def detect(self, features: FloatArray, i: int) -> float:
        """Score of the ``i``-th (1-based) down-sampled value's window; learns it."""
        since = i - self.last_anomaly
        masked_by_anomaly = since <= self.mask
        if i > self.trend + self.mask and self.mask_after_cat and self.quiet >= self.mask:
            self.mask_after_cat = False
        r = self.art.present(features, learn=i >= self.s.window)
        self.quiet = 0 if r.new_cluster else self.quiet + 1
        self.sim_sum += r.similarity
        self.sim_window[i % self.sim_window.size] = r.similarity
        self.shortfall[i % self.shortfall.size] = self.art.rho_ub - r.similarity
        if since < self.mask and self.anomalies:
            self.worst_sim = min(self.worst_sim, r.similarity)
        below_last = r.similarity < self.last_anomaly_sim * (0.9 if masked_by_anomaly else 0.7)
        alert = r.new_cluster and (not (self.mask_after_cat or masked_by_anomaly) or below_last)
        score = 0.0
        if i > self.trend and alert:
            score = self._confidence(r.similarity, r.energy)
            self.worst_sim_sum += self.worst_sim
            self.anomalies += 1
            self.worst_sim = self.last_anomaly_sim = r.similarity
            self.last_anomaly = i
        self.mask_after_cat = r.new_cluster or self.mask_after_cat
        due = since == self.mask or i - self.last_update >= self.trend // 2
        if i > self.trend and due:
            self._adapt(i)
        return score

    def _adapt(self, i: int) -> None:
        rho_ub = min(0.97, self.sim_sum / i)
        rho_lb = self.art.rho_lb
        worst = float(self.sim_window.min())
        if rho_lb <= worst:
            rho_lb += (worst - rho_lb) * 0.19
        else:
            short = self.shortfall[self.shortfall > 0.05]
            decrease = 0.0
            if i > 2 * self.trend and short.size:
                decrease = float(np.mean(np.minimum(short, 0.37)))
            rho_lb -= max(0.01, decrease) / 2
            if self.anomalies:
                mean = (self.worst_sim_sum + self.worst_sim) / self.anomalies
                rho_lb = max(mean, rho_lb)
        self.art.set_vigilance(min(rho_ub, rho_lb), rho_ub)
        self.last_update = i
        self.mask_after_cat = True

    def _confidence(self, similarity: float, energy: float) -> float:
        gap = 1.0 - min(0.999, similarity)
        upper = (gap - (1.0 - self.art.rho_ub)) / gap
        lower = (gap - (1.0 - self.art.rho_lb)) / gap
        return min(1.0, upper * 0.35 + lower * 0.65 + (1.0 - energy) * 1.5)


class ResonanceNovelty:
    """ARTime's score stream over usable samples (finite values, in order): sparse scores, one
    per alert, at the last sample of the block whose window founded a new ART cluster."""

    def __init__(self, settings: ResonanceSettings | None = None) -> None:
        s = self.settings = settings or ResonanceSettings()
        if s.window < 2 or s.window & (s.window - 1):
            raise ValueError("the window must be a power of two")
        self._down = Downsampler(s.step, s.spike_fraction)
        self._encoder: WindowEncoder | None = None
        self._core = _Vigilant(s)
        self._raw: list[float] = []
        self._lo = np.inf
        self._hi = -np.inf
        self._i = 0

    def push(self, values: FloatArray) -> FloatArray:
        """Scores in [0, 1] of the next usable values."""
        out = np.zeros(values.size)
        ends, blocks, lows, highs = self._down.push(values)
        for end, value, low, high in zip(
            ends.tolist(), blocks.tolist(), lows.tolist(), highs.tolist(), strict=True
        ):
            out[end] = self._next(value, low, high)
        return out

    def _next(self, value: float, low: float, high: float) -> float:
        self._i += 1
        if self._encoder is not None:
            if self.settings.widen:
                self._encoder.widen(low, high)
            return self._core.detect(self._encoder.push(value), self._i)
        self._raw.append(value)
        self._lo = min(self._lo, low)
        self._hi = max(self._hi, high)
        if self._i == self.settings.trend:
            self._start()
        return 0.0

    def _start(self) -> None:
        """End of probation: fix the scale, encode the buffered values, set the vigilances from
        a trial run and replay the probation period through the memory."""
        s = self.settings
        margin = s.range_margin * (self._hi - self._lo)
        self._encoder = WindowEncoder(
            s.window, s.levels, s.chomp, self._lo - margin, self._hi + margin
        )
        features = np.array([self._encoder.push(v) for v in self._raw])
        rho = initial_vigilance(features[s.window - 1 :], s.initial_rho, s.trend)
        self._core.art.set_vigilance(rho, rho)
        for i, f in enumerate(features, start=1):
            self._core.detect(f, i)
        self._raw = []


class ResonanceDetector(DetectorBase):
    """Novel shapes of one stream by adaptive resonance (:class:`ResonanceNovelty`); an
    ``[[anomaly]]`` rule picks it with ``detector = "resonance"``."""

    def __init__(self, settings: ResonanceSettings | None = None) -> None:
        super().__init__()
        self._novelty = ResonanceNovelty(settings)
        self.settings = self._novelty.settings

    def fresh(self) -> Self:
        """A new detector with the same settings."""
        return type(self)(self.settings)

    def _update_usable(self, ts: IntArray, values: FloatArray) -> FloatArray:
        return self._novelty.push(values)
