"""Energy from power samples (trapezoids) and from cumulative counters (deltas).

Both return an :class:`~core.analytics.energy.curve.EnergyCurve`; intervals longer than
``max_gap_s`` are never bridged: integrated power contributes nothing there, and a counter's
increase across such a gap is reported as unattributed instead of being spread over it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from core.analytics.energy.curve import NS_PER_H, EnergyCurve, usable
from core.analytics.energy.units import energy_to_kwh, power_to_kw, scale
from core.model import NS_PER_S

log = logging.getLogger(__name__)

ROLLOVER_TOP_SHARE = 0.1
"""A drop from the top 10 % of a counter's range to below its previous value is a rollover."""

UINT32_WRAP = 2**32
"""Raw wrap of a 32-bit register; multiply by the register scale for ``rollover``."""


def integrate_power(
    ts_ns: npt.ArrayLike,
    values: npt.ArrayLike,
    unit: str = "W",
    max_gap_s: float = 300.0,
    quality: npt.ArrayLike | None = None,
) -> EnergyCurve:
    """Trapezoidal kWh of a power series (unit ``W``, ``kW``, ``MW``...); negative power (export)
    counts negatively. Intervals longer than ``max_gap_s`` add nothing."""
    ts, x = usable(ts_ns, values, quality)
    kw = x * power_to_kw(unit)
    steps = np.diff(ts)
    bridged = steps <= int(max_gap_s * NS_PER_S)
    area = np.where(bridged, (kw[:-1] + kw[1:]) / 2.0 * (steps / NS_PER_H), 0.0)
    return EnergyCurve(ts, np.concatenate([[0.0], np.cumsum(area)]), bridged, kw)


@dataclass(frozen=True, slots=True)
class CounterEvent:
    """A drop in a cumulative counter, read as a reset or a rollover."""

    ts_ns: int
    kind: Literal["reset", "rollover"]
    before: float
    after: float


@dataclass(frozen=True, slots=True)
class CounterEnergy:
    """Energy of a cumulative counter with what happened to it."""

    curve: EnergyCurve
    events: list[CounterEvent]
    unattributed_by_gap: tuple[tuple[int, float], ...] = ()
    """(end of the gap, increase) for each gap longer than the maximum: real energy of unknown
    time (in the curve's unit, kWh unless a fuel ``target`` was asked for)."""

    @property
    def unattributed_kwh(self) -> float:
        """Sum of the increases across gaps."""
        return float(sum(q for _, q in self.unattributed_by_gap))

    @property
    def kwh(self) -> float:
        """Quantity attributed to time (excludes ``unattributed_kwh``)."""
        return self.curve.total


def counter_energy(
    ts_ns: npt.ArrayLike,
    values: npt.ArrayLike,
    unit: str = "kWh",
    rollover: float | None = None,
    max_gap_s: float = 86_400.0,
    quality: npt.ArrayLike | None = None,
    on_reset: Literal["from_zero", "rebase"] = "from_zero",
    target: str = "kWh",
) -> CounterEnergy:
    """Energy of a cumulative counter (``kWh``, ``Wh``...) from its increases, in kWh (or in
    ``target``, e.g. ``L`` or ``m3`` for a fuel counter).

    A drop is a *rollover* when ``rollover`` (the wrap value, in counter units) is given and the
    value before was in the top 10 % of the range: the increase is ``after + rollover - before``.
    Any other drop is a *reset*: the counter restarted from 0 and ``after`` is new energy
    (``on_reset="rebase"``: the first value after a reset is a new baseline, adding nothing).
    """
    ts, x = usable(ts_ns, values, quality)
    increase, drop, wraps = counter_increments(x, rollover, on_reset)
    kwh = increase * (energy_to_kwh(unit) if target == "kWh" else scale(unit, target))
    bridged = np.diff(ts) <= int(max_gap_s * NS_PER_S)
    attributed = np.where(bridged, kwh, 0.0)
    curve = EnergyCurve(ts, np.concatenate([[0.0], np.cumsum(attributed)]), bridged)
    events = _events(ts, x, np.flatnonzero(drop), wraps)
    lost = np.flatnonzero(~bridged)
    across = tuple((int(ts[k + 1]), float(kwh[k])) for k in lost.tolist() if kwh[k] != 0.0)
    return CounterEnergy(curve, events, across)


def counter_increments(
    values: npt.NDArray[np.float64],
    rollover: float | None = None,
    on_reset: Literal["from_zero", "rebase"] = "from_zero",
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Increase of a cumulative counter between consecutive values, through resets and
    rollovers (see :func:`counter_energy`); also returns the drop and rollover masks."""
    x = np.asarray(values, dtype=np.float64)
    step = np.diff(x)
    drop = step < 0
    increase = np.where(drop, 0.0, step)
    wraps = np.zeros_like(drop)
    if rollover is not None and rollover > 0:
        wraps = drop & (x[:-1] >= rollover * (1.0 - ROLLOVER_TOP_SHARE))
        increase = np.where(wraps, x[1:] + rollover - x[:-1], increase)
    if on_reset == "from_zero":
        increase = np.where(drop & ~wraps, x[1:], increase)
    return increase, drop, wraps


def _events(
    ts: npt.NDArray[np.int64],
    x: npt.NDArray[np.float64],
    drops: npt.NDArray[np.intp],
    wraps: npt.NDArray[np.bool_],
) -> list[CounterEvent]:
    out = []
    for k in drops.tolist():
        kind: Literal["reset", "rollover"] = "rollover" if wraps[k] else "reset"
        out.append(CounterEvent(int(ts[k + 1]), kind, float(x[k]), float(x[k + 1])))
    if out:
        log.debug("counter: %d drop(s) handled", len(out))
    return out
