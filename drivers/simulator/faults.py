"""Injectable faults of the simulated plant, applied to whole fleets of signals at once.

A :class:`Fault` names one device, a kind, and a window in seconds after the simulation start.
Analog faults change a channel's values (bearing wear, stuck sensor, spikes, drift); the
availability faults take a device off the air (comms loss) or off the mains (power outage).
Everything here is a pure function of the time and the seed.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

SPIKE_PROBABILITY = 0.1
"""Chance of a spike at each step inside a ``spikes`` window."""
SPIKE_HEIGHT_SPANS = 4.0
"""Spike height in channel spans (times the fault magnitude)."""


class FaultKind(enum.StrEnum):
    """What goes wrong."""

    BEARING_WEAR = "bearing_wear"
    STUCK_SENSOR = "stuck_sensor"
    SPIKES = "spikes"
    DRIFT = "drift"
    COMMS_LOSS = "comms_loss"
    POWER_OUTAGE = "power_outage"


ANALOG_FAULTS = frozenset(
    {FaultKind.BEARING_WEAR, FaultKind.STUCK_SENSOR, FaultKind.SPIKES, FaultKind.DRIFT}
)


@dataclass(frozen=True, slots=True)
class Fault:
    """One fault on one device, from ``start_s`` for ``duration_s`` seconds after the start.

    ``channel`` limits an analog fault to one channel (``None``: every channel it affects);
    ``magnitude`` scales it (1.0: bearing wear multiplies vibration by ``1 + wear_gain`` at the
    end of the window, drift reaches one channel span, spikes are four spans high).
    """

    device: str
    kind: FaultKind
    start_s: float
    duration_s: float
    channel: str | None = None
    magnitude: float = 1.0

    def active(self, elapsed_s: float) -> bool:
        """True while ``elapsed_s`` (seconds since the simulation start) is inside the window."""
        return self.start_s <= elapsed_s < self.start_s + self.duration_s

    def progress(self, elapsed_s: float) -> float:
        """Fraction 0..1 of the window that has passed."""
        if self.duration_s <= 0:
            return 1.0
        return min(1.0, max(0.0, (elapsed_s - self.start_s) / self.duration_s))


def step_uniform(seed: int, stream: int, step: int) -> float:
    """One uniform draw in [0, 1) fixed by (seed, stream, step)."""
    generator = np.random.Generator(np.random.PCG64([seed, stream, max(step, 0)]))
    return float(generator.random())


class FaultPlan:
    """The faults of one fleet, indexed by device position; applies them to channel values."""

    def __init__(self, faults: Sequence[Fault], device_index: dict[str, int], seed: int) -> None:
        self._seed = seed
        self._entries = [(device_index[f.device], f) for f in faults if f.device in device_index]
        self._stuck_cache: dict[tuple[int, str], float] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def mask(self, kinds: frozenset[FaultKind], elapsed_s: float, size: int) -> BoolArray:
        """Devices with an active fault of one of ``kinds``."""
        hit = np.zeros(size, dtype=np.bool_)
        for index, fault in self._entries:
            if fault.kind in kinds and fault.active(elapsed_s):
                hit[index] = True
        return hit

    def apply(
        self,
        values: FloatArray,
        elapsed_s: float,
        step: int,
        channel: ChannelInfo,
        value_at: Callable[[float], FloatArray],
    ) -> FloatArray:
        """Return ``values`` with the active analog faults of ``channel`` applied (a copy)."""
        out = values.copy()
        for number, (index, fault) in enumerate(self._entries):
            if fault.kind not in ANALOG_FAULTS or not fault.active(elapsed_s):
                continue
            if fault.channel is not None and fault.channel != channel.name:
                continue
            out[index] = self._faulted(
                out[index], fault, number, elapsed_s, step, channel, value_at
            )
        return out

    def _faulted(
        self,
        value: float,
        fault: Fault,
        number: int,
        elapsed_s: float,
        step: int,
        channel: ChannelInfo,
        value_at: Callable[[float], FloatArray],
    ) -> float:
        progress = fault.progress(elapsed_s)
        if fault.kind is FaultKind.BEARING_WEAR:
            return value * (1.0 + channel.wear_gain * fault.magnitude * progress**2)
        if fault.kind is FaultKind.DRIFT:
            return value + channel.span * fault.magnitude * progress
        if fault.kind is FaultKind.SPIKES:
            draw = step_uniform(self._seed, 0x5F1CE + number, step)
            if draw < SPIKE_PROBABILITY:
                sign = 1.0 if draw < SPIKE_PROBABILITY / 2 else -1.0
                return value + sign * SPIKE_HEIGHT_SPANS * channel.span * fault.magnitude
            return value
        key = (number, channel.name)
        if key not in self._stuck_cache:
            index = self._entries[number][0]
            self._stuck_cache[key] = float(value_at(fault.start_s)[index])
        return self._stuck_cache[key]


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """What a fault needs to know about a channel: its name, span and bearing-wear gain."""

    name: str
    span: float
    wear_gain: float
