"""The cumulative-energy curve every energy method produces, and reading it at any instant.

A curve holds the quantity accumulated up to each sample (kWh; litres or m³ for fuel meters) and marks each interval between
two samples as *bridged* (energy flowed and is spread over the interval) or as a gap (nothing
is attributed). Reading the curve between period boundaries gives per-period energy that adds
up exactly to the total, whatever the boundaries: the differences telescope.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.model import NS_PER_S, Quality

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
NS_PER_H = 3600 * NS_PER_S


@dataclass(frozen=True, slots=True)
class Gap:
    """An interval without usable data that was not bridged."""

    start_ns: int
    end_ns: int

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return (self.end_ns - self.start_ns) / NS_PER_S


@dataclass(frozen=True, slots=True)
class EnergyCurve:
    """Cumulative quantity (kWh, or the fuel unit of a fuel counter) at each sample time.

    ``rate_kw`` is set for integrated power (the curve is then quadratic inside an interval,
    the exact integral of linearly interpolated power); for counters it is None and the curve
    is linear inside an interval.
    """

    ts_ns: IntArray
    cum: FloatArray
    bridged: BoolArray
    """One flag per interval (``len(ts_ns) - 1``)."""
    rate_kw: FloatArray | None = None

    @property
    def total(self) -> float:
        """Quantity over the whole curve."""
        return float(self.cum[-1]) if self.cum.size else 0.0

    def at(self, t_ns: IntArray) -> FloatArray:
        """Cumulative quantity at arbitrary instants (constant before the first and after the last
        sample and inside gaps)."""
        t = np.asarray(t_ns, dtype=np.int64)
        n = self.ts_ns.size
        if n == 0:
            return np.zeros(t.shape)
        i = np.clip(np.searchsorted(self.ts_ns, t, side="right") - 1, 0, n - 1)
        out = self.cum[i].astype(np.float64)
        inside = (t > self.ts_ns[0]) & (i < n - 1)
        inside[inside] = self.bridged[i[inside]]
        if inside.any():
            out[inside] = self._within(i[inside], t[inside])
        return out

    def _within(self, i: IntArray, t: IntArray) -> FloatArray:
        width = (self.ts_ns[i + 1] - self.ts_ns[i]).astype(np.float64)
        elapsed = (t - self.ts_ns[i]).astype(np.float64)
        frac = elapsed / width
        if self.rate_kw is None:
            return self.cum[i] + (self.cum[i + 1] - self.cum[i]) * frac
        p0, p1 = self.rate_kw[i], self.rate_kw[i + 1]
        p_t = p0 + (p1 - p0) * frac
        return self.cum[i] + elapsed / NS_PER_H * (p0 + p_t) / 2.0

    def between(self, boundaries_ns: IntArray) -> FloatArray:
        """Quantity in each interval ``[b[k], b[k+1])`` of sorted boundaries."""
        return np.diff(self.at(np.asarray(boundaries_ns, dtype=np.int64)))

    def covered_at(self, t_ns: IntArray) -> IntArray:
        """Nanoseconds inside bridged intervals from the first sample up to each instant."""
        t = np.asarray(t_ns, dtype=np.int64)
        n = self.ts_ns.size
        if n < 2:
            return np.zeros(t.shape, dtype=np.int64)
        steps = np.where(self.bridged, np.diff(self.ts_ns), 0)
        cum = np.concatenate([[0], np.cumsum(steps)]).astype(np.int64)
        i = np.clip(np.searchsorted(self.ts_ns, t, side="right") - 1, 0, n - 1)
        inside = (t > self.ts_ns[0]) & (i < n - 1)
        inside[inside] = self.bridged[i[inside]]
        extra = np.where(inside, t - self.ts_ns[i], 0)
        return cum[i] + extra

    def covered_s(self, start_ns: int, end_ns: int) -> float:
        """Seconds of ``[start, end)`` inside bridged intervals."""
        if end_ns <= start_ns:
            return 0.0
        lo, hi = self.covered_at(np.array([start_ns, end_ns], dtype=np.int64))
        return float(hi - lo) / NS_PER_S


def usable(
    ts_ns: npt.ArrayLike, values: npt.ArrayLike, quality: npt.ArrayLike | None = None
) -> tuple[IntArray, FloatArray]:
    """Samples fit for energy: finite, not of bad quality, strictly increasing in time (the
    first of equal timestamps is kept, older out-of-order samples are dropped)."""
    ts = np.asarray(ts_ns, dtype=np.int64)
    x = np.asarray(values, dtype=np.float64)
    if ts.shape != x.shape or ts.ndim != 1:
        raise ValueError(f"timestamps {ts.shape} and values {x.shape} must be 1-D and aligned")
    keep = np.isfinite(x)
    if quality is not None:
        keep &= np.asarray(quality, dtype=np.uint8) < Quality.BAD
    ts, x = ts[keep], x[keep]
    if ts.size > 1:
        ahead = np.concatenate([[True], ts[1:] > np.maximum.accumulate(ts)[:-1]])
        ts, x = ts[ahead], x[ahead]
    return ts, x


def gaps_of(
    ts_ns: IntArray,
    bridged: BoolArray,
    window: tuple[int, int] | None = None,
    max_gap_ns: int = 0,
) -> list[Gap]:
    """The unbridged intervals; with a ``window`` only those touching it, plus its uncovered
    head and tail when they are longer than ``max_gap_ns``."""
    idx = np.flatnonzero(~bridged)
    gaps = [Gap(int(ts_ns[k]), int(ts_ns[k + 1])) for k in idx]
    if window is None:
        return gaps
    start_ns, end_ns = window
    if ts_ns.size == 0:
        return [Gap(start_ns, end_ns)] if end_ns > start_ns else []
    head = [Gap(start_ns, int(ts_ns[0]))] if ts_ns[0] - start_ns > max_gap_ns else []
    tail = [Gap(int(ts_ns[-1]), end_ns)] if end_ns - ts_ns[-1] > max_gap_ns else []
    inner = [g for g in gaps if g.end_ns > start_ns and g.start_ns < end_ns]
    return head + inner + tail
