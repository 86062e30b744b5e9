"""Uptime and availability from step signals: device presence and machine run state.

A step signal (``<device>/online`` 1/0, a run-state tag) holds each value until the next
sample; a value > 0.5 is *on*. Time before the first known value is *unknown*, as is time after
the last sample beyond ``stale_s`` (a silent device is not proof of anything). Bad-quality
samples make the time they cover unknown.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.model import NS_PER_S, Quality

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StateTime:
    """Seconds on, off and unknown in a window."""

    on_s: float
    off_s: float
    unknown_s: float

    @property
    def known_s(self) -> float:
        """Seconds with a known state."""
        return self.on_s + self.off_s

    @property
    def on_share(self) -> float | None:
        """On time over known time (None when nothing is known)."""
        return self.on_s / self.known_s if self.known_s > 0 else None


def state_time(
    ts_ns: npt.ArrayLike,
    values: npt.ArrayLike,
    start_ns: int,
    end_ns: int,
    quality: npt.ArrayLike | None = None,
    stale_s: float | None = None,
) -> StateTime:
    """On/off/unknown seconds of a step signal in ``[start, end)``; pass the last sample before
    ``start`` too, it holds into the window."""
    ts = np.asarray(ts_ns, dtype=np.int64)
    x = np.asarray(values, dtype=np.float64)
    bad = ~np.isfinite(x)
    if quality is not None:
        bad |= np.asarray(quality, dtype=np.int64) >= Quality.BAD
    order = np.argsort(ts, kind="stable")
    ts, x, bad = ts[order], x[order], bad[order]
    window = max(end_ns - start_ns, 0)
    if ts.size == 0 or window == 0:
        return StateTime(0.0, 0.0, window / NS_PER_S)
    ends = np.append(ts[1:], end_ns)
    if stale_s is not None:
        ends = np.minimum(ends, ts + int(stale_s * NS_PER_S))
    lo = np.clip(ts, start_ns, end_ns)
    hi = np.clip(ends, start_ns, end_ns)
    span = np.maximum(hi - lo, 0).astype(np.float64) / NS_PER_S
    on = float(span[(x > 0.5) & ~bad].sum())
    off = float(span[(x <= 0.5) & ~bad].sum())
    return StateTime(on, off, window / NS_PER_S - on - off)


@dataclass(frozen=True, slots=True)
class Availability:
    """A device's presence and running time over a window."""

    window_s: float
    presence: StateTime | None
    running: StateTime | None
    planned_s: float

    @property
    def uptime(self) -> float | None:
        """Online share of the time with known presence (0..1)."""
        return self.presence.on_share if self.presence else None

    @property
    def availability(self) -> float | None:
        """Run time over planned time when a run state exists, else the uptime (0..1)."""
        if self.running is not None:
            return self.running.on_s / self.planned_s if self.planned_s > 0 else None
        return self.uptime


def availability(
    start_ns: int,
    end_ns: int,
    presence: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
    running: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
    planned_s: float | None = None,
    stale_s: float | None = None,
) -> Availability:
    """Uptime from presence samples ``(ts, values)`` and availability from run-state samples;
    ``planned_s`` is the planned production time (default: the whole window)."""
    window_s = (end_ns - start_ns) / NS_PER_S
    seen = state_time(*presence, start_ns, end_ns) if presence is not None else None
    run = state_time(*running, start_ns, end_ns, stale_s=stale_s) if running is not None else None
    return Availability(window_s, seen, run, window_s if planned_s is None else planned_s)
