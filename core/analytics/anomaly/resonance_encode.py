"""The encoding side of :mod:`.resonance`: down-sampling, feature windows, initial vigilance."""

from __future__ import annotations

import logging
import math

import numpy as np

from core.analytics.anomaly.art import DualVigilanceArt
from core.analytics.anomaly.base import IntArray
from core.analytics.anomaly.rolling import FloatArray

log = logging.getLogger(__name__)

_SQRT2 = math.sqrt(2.0)


class Downsampler:
    """One value per block of ``step`` samples (blocks aligned on the stream's own count): the
    block mean, or the extreme farthest from a fast moving average of the means when it departs
    from the mean by more than ``spike_fraction`` of the mean's magnitude."""

    def __init__(self, step: int, spike_fraction: float) -> None:
        if step < 1 or spike_fraction < 0:
            raise ValueError("bad down-sampling settings")
        self.step = step
        self.spike_fraction = spike_fraction
        self._tail: FloatArray = np.zeros(0)
        self._average: float | None = None

    def push(self, values: FloatArray) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
        """For each block completed by ``values``: the index (in ``values``) of its last sample,
        its value, its minimum and its maximum."""
        combined = np.concatenate([self._tail, values])
        n = combined.size // self.step
        blocks = combined[: n * self.step].reshape(n, self.step)
        ends = np.arange(1, n + 1, dtype=np.int64) * self.step - 1 - self._tail.size
        self._tail = combined[n * self.step :]
        means, lows, highs = blocks.mean(axis=1), blocks.min(axis=1), blocks.max(axis=1)
        picked = np.empty(n)
        for k in range(n):
            mean = float(means[k])
            average = mean if self._average is None else self._average
            self._average = (average + mean) / 2.0
            extreme = float(highs[k])
            if abs(extreme - self._average) < abs(float(lows[k]) - self._average):
                extreme = float(lows[k])
            spike = abs(extreme - mean) >= self.spike_fraction * abs(mean)
            picked[k] = extreme if spike else mean
        return ends, picked, lows, highs


class WindowEncoder:
    """Scaled, quantised, median-snapped values, and the feature vector of their last window."""

    def __init__(self, window: int, levels: int, chomp: float, lo: float, hi: float) -> None:
        self.window = window
        self.levels = levels
        self.chomp = chomp
        self.lo = lo
        self.span = hi - lo if hi > lo else 1.0
        self._histogram = np.zeros(levels + 1, dtype=np.int64)
        self._count = 0
        self._recent = np.zeros(window)
        self._haar = haar_matrix(window)

    def widen(self, low: float, high: float) -> None:
        """Stretch the scale to hold ``low`` and ``high``."""
        hi = max(self.lo + self.span, high)
        self.lo = min(self.lo, low)
        self.span = hi - self.lo if hi > self.lo else 1.0

    def push(self, value: float) -> FloatArray:
        """Features (``2 * window``, in [0, 1]) of the window ending with ``value``: the rescaled
        Haar coefficients of the min-max-scaled window, then the window; zeros until full."""
        level = round(min(max((value - self.lo) / self.span, 0.0), 1.0) * self.levels)
        self._histogram[level] += 1
        self._count += 1
        cumulative = np.cumsum(self._histogram)
        median = int(np.searchsorted(cumulative, (self._count + 1) // 2)) / self.levels
        scaled = level / self.levels
        if abs(scaled - median) < self.chomp:
            scaled = median
        self._recent = np.append(self._recent[1:], scaled)
        if self._count < self.window:
            return np.zeros(2 * self.window)
        return np.concatenate([_unit(self._haar @ _unit(self._recent)), self._recent])


def haar(x: FloatArray) -> FloatArray:
    """Full orthonormal Haar decomposition of a power-of-two length vector: the overall
    approximation, then the details from the coarsest to the finest level."""
    approximation = x
    details: list[FloatArray] = []
    while approximation.size > 1:
        pairs = approximation.reshape(-1, 2)
        details.insert(0, (pairs[:, 0] - pairs[:, 1]) / _SQRT2)
        approximation = (pairs[:, 0] + pairs[:, 1]) / _SQRT2
    return np.concatenate([approximation, *details])


def haar_matrix(size: int) -> FloatArray:
    """The matrix of :func:`haar` for vectors of ``size`` values."""
    return np.column_stack([haar(column) for column in np.eye(size)])


def _unit(x: FloatArray) -> FloatArray:
    """``x`` shifted to start at 0 and scaled to end at 1 (only shifted when constant)."""
    shifted = x - x.min()
    top = float(shifted.max())
    return np.asarray(shifted / top if top > 0 else shifted, dtype=np.float64)


def initial_vigilance(features: FloatArray, rho: float, trend: int) -> float:
    """ARTime's starting vigilance: the mean best match over the second half of a trial run of
    an ART memory at vigilance ``rho`` over ``features`` (one row each), presented from the
    least to the most typical (by summed cosine similarity to the others)."""
    norms = np.linalg.norm(features, axis=1)
    safe = np.where(norms > 0, norms, 1.0)
    cosine = (features @ features.T) / np.outer(safe, safe)
    zero = norms == 0
    cosine[zero, :] = 1.0 - norms[None, :]
    cosine[:, zero] = 1.0 - norms[:, None]
    np.fill_diagonal(cosine, 1.0)
    order = np.argsort(cosine.sum(axis=0), kind="stable")
    art = DualVigilanceArt(features.shape[1], energy=features.shape[1] - 1, rho_lb=rho, rho_ub=rho)
    matches = [art.present(features[k]).similarity for k in order.tolist()]
    return float(np.mean(matches[trend // 2 - 1 :]))
