"""Load-shift advice: when to start a flexible load so that it costs least, or emits least.

A flexible load runs for ``duration_s`` and takes ``energy_kwh`` evenly over that time. The
signal is a forecast of the price (currency per kWh) or of the grid intensity (kg CO2e per kWh),
a step function: ``rates[i]`` holds from ``ts_ns[i]`` to ``ts_ns[i + 1]`` (the last one for one
median step). The cost of a start time ``s`` is ``energy_kwh / duration * integral of the rate
over [s, s + duration]``; that integral is piecewise linear in ``s``, so its minimum lies where a
window edge meets a rate change — :func:`advise` evaluates exactly those candidate starts (plus
"now") and returns the cheapest, the earliest among equals.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.analytics.forecast.result import Forecast
from core.model import NS_PER_S

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class LoadShiftAdvice:
    """The best start window and what it saves against starting now.

    ``cost`` and ``cost_now`` are in the signal's unit times kWh (currency, or kg CO2e for a
    grid intensity in kg/kWh); ``saving_pct`` is relative to ``cost_now`` (NaN when that is 0).
    """

    start_ns: int
    end_ns: int
    cost: float
    now_ns: int
    cost_now: float
    saving: float
    saving_pct: float
    mean_rate: float
    mean_rate_now: float
    kind: str
    unit: str


class LoadShiftError(ValueError):
    """No start window fits the signal and constraints."""


@dataclass(frozen=True)
class RateSignal:
    """A step signal and its running integral (rate x seconds) at each step edge."""

    edges: IntArray
    rates: FloatArray
    integral: FloatArray

    @classmethod
    def from_series(cls, ts_ns: npt.ArrayLike, rates: npt.ArrayLike) -> RateSignal:
        """Sorted edges with the last step as long as the median step."""
        ts = np.asarray(ts_ns, dtype=np.int64)
        values = np.asarray(rates, dtype=np.float64)
        if ts.size < 2 or ts.size != values.size or not np.all(np.isfinite(values)):
            raise LoadShiftError("need at least two finite rates with one timestamp each")
        order = np.argsort(ts, kind="stable")
        ts, values = ts[order], values[order]
        if np.any(np.diff(ts) <= 0):
            raise LoadShiftError("timestamps of the rate signal must be distinct")
        edges = np.append(ts, ts[-1] + int(np.median(np.diff(ts))))
        seconds = np.diff(edges) / NS_PER_S
        integral = np.concatenate(([0.0], np.cumsum(values * seconds)))
        return cls(edges, values, integral)

    def cumulative(self, at_ns: IntArray) -> FloatArray:
        """Integral of the rate from the first edge to ``at_ns`` (linear between edges)."""
        return np.interp(at_ns.astype(np.float64), self.edges.astype(np.float64), self.integral)

    def window_mean(self, starts: IntArray, duration_ns: int) -> FloatArray:
        """Mean rate over ``[start, start + duration)`` for each start."""
        total = self.cumulative(starts + duration_ns) - self.cumulative(starts)
        return np.asarray(total / (duration_ns / NS_PER_S), dtype=np.float64)


def advise(
    ts_ns: npt.ArrayLike,
    rates: npt.ArrayLike,
    *,
    duration_s: float,
    energy_kwh: float,
    now_ns: int,
    latest_end_ns: int | None = None,
    kind: str = "price",
    unit: str = "",
) -> LoadShiftAdvice:
    """The start in ``[now_ns, latest_end_ns - duration]`` (the signal's end by default) with
    the lowest cost; ``kind`` is a label (``price`` or ``co2e``) carried into the advice."""
    if duration_s <= 0 or energy_kwh < 0:
        raise LoadShiftError("duration must be positive and energy non-negative")
    signal = RateSignal.from_series(ts_ns, rates)
    duration_ns = round(duration_s * NS_PER_S)
    signal_end = int(signal.edges[-1])
    end_limit = signal_end if latest_end_ns is None else min(latest_end_ns, signal_end)
    latest_start = end_limit - duration_ns
    if now_ns < signal.edges[0] or latest_start < now_ns:
        raise LoadShiftError("the signal does not cover a full run starting now or later")
    starts = _candidates(signal.edges, duration_ns, now_ns, latest_start)
    means = signal.window_mean(starts, duration_ns)
    lowest = float(means.min())
    best = int(np.flatnonzero(means <= lowest + 1e-12 * max(abs(lowest), 1.0))[0])
    return _advice(
        int(starts[best]),
        float(means[best]),
        float(means[0]),
        duration_ns,
        energy_kwh,
        now_ns,
        kind,
        unit,
    )


def advise_from_forecast(
    forecast: Forecast,
    *,
    duration_s: float,
    energy_kwh: float,
    now_ns: int,
    latest_end_ns: int | None = None,
    kind: str = "price",
    unit: str = "",
    cautious: bool = False,
) -> LoadShiftAdvice:
    """:func:`advise` on a price or grid-intensity forecast: its point forecasts, or with
    ``cautious`` the upper bound of its interval (the window that is cheap even if rates run
    high)."""
    rates = forecast.upper if cautious else forecast.mean
    return advise(
        forecast.ts_ns,
        rates,
        duration_s=duration_s,
        energy_kwh=energy_kwh,
        now_ns=now_ns,
        latest_end_ns=latest_end_ns,
        kind=kind,
        unit=unit,
    )


def _candidates(edges: IntArray, duration_ns: int, earliest: int, latest: int) -> IntArray:
    """``earliest`` first, then every start where the window's start or end meets an edge."""
    inner = np.concatenate((edges, edges - duration_ns))
    inner = inner[(inner > earliest) & (inner <= latest)]
    return np.concatenate(([earliest], np.unique(inner))).astype(np.int64)


def _advice(
    start: int,
    mean_rate: float,
    mean_now: float,
    duration_ns: int,
    energy_kwh: float,
    now_ns: int,
    kind: str,
    unit: str,
) -> LoadShiftAdvice:
    cost, cost_now = mean_rate * energy_kwh, mean_now * energy_kwh
    saving = cost_now - cost
    advice = LoadShiftAdvice(
        start_ns=start,
        end_ns=start + duration_ns,
        cost=cost,
        now_ns=now_ns,
        cost_now=cost_now,
        saving=saving,
        saving_pct=100.0 * saving / cost_now if cost_now else math.nan,
        mean_rate=mean_rate,
        mean_rate_now=mean_now,
        kind=kind,
        unit=unit,
    )
    log.debug("load shift: start %d saves %.4g %s (%s)", start, saving, unit, kind)
    return advice
