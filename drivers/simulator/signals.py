"""Deterministic, realistic plant signals for whole fleets of simulated devices.

Everything is a pure function of ``(seed, t)``: the daily and weekly load shapes, white noise
drawn from a numpy Generator seeded with ``(seed, stream, step)``, and machine run/stop (or
OK/WARN/ALERT) states from a continuous-time Markov chain that jumps at random instants to a
state drawn from its stationary distribution. So any time can be sampled in any order, and
two runs with the same seed agree exactly. One :class:`Fleet` serves thousands of devices with
a few numpy operations per channel.
"""

from __future__ import annotations

import logging
import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from drivers.simulator.faults import ChannelInfo, Fault, FaultKind, FaultPlan

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

SECONDS_PER_DAY = 86_400.0
# A two-shift factory: load fraction by local hour of the day.
_DAILY_HOURS = np.array([0.0, 5.0, 6.0, 7.0, 11.5, 12.5, 13.5, 21.5, 22.5, 23.5, 24.0])
_DAILY_LOAD = np.array([0.22, 0.22, 0.5, 0.9, 0.92, 0.68, 0.9, 0.86, 0.45, 0.25, 0.22])
# Monday .. Sunday; the Unix epoch (day 0) was a Thursday.
_WEEKDAY_FACTOR = np.array([1.0, 1.0, 1.0, 1.0, 0.95, 0.55, 0.35])
_EPOCH_WEEKDAY = 3


def stream_id(*parts: str) -> int:
    """A stable 32-bit stream number for a name (unlike ``hash``, the same in every process)."""
    return zlib.crc32("/".join(parts).encode())


def generator(seed: int, stream: int, step: int) -> np.random.Generator:
    """The numpy Generator for one (seed, stream, step) triple."""
    return np.random.Generator(np.random.PCG64([seed, stream, max(step, 0)]))


def daily_shape(t: FloatArray | float, utc_offset_s: float = 0.0) -> FloatArray:
    """Load fraction 0.2..0.92 over the local day (two shifts, a lunch dip, quiet nights)."""
    hour = np.mod(np.asarray(t, dtype=np.float64) + utc_offset_s, SECONDS_PER_DAY) / 3600.0
    return np.asarray(np.interp(hour, _DAILY_HOURS, _DAILY_LOAD), dtype=np.float64)


def weekly_factor(t: FloatArray | float, utc_offset_s: float = 0.0) -> FloatArray:
    """1.0 on working days, less on Friday, little at the weekend."""
    day = np.floor_divide(np.asarray(t, dtype=np.float64) + utc_offset_s, SECONDS_PER_DAY)
    weekday = np.mod(day.astype(np.int64) + _EPOCH_WEEKDAY, 7)
    return np.asarray(_WEEKDAY_FACTOR[weekday], dtype=np.float64)


def load_shape(t: FloatArray | float, utc_offset_s: float = 0.0) -> FloatArray:
    """Daily shape times weekly factor, 0..1."""
    return daily_shape(t, utc_offset_s) * weekly_factor(t, utc_offset_s)


def standard_noise(seed: int, stream: int, step: int, size: int) -> FloatArray:
    """``size`` standard-normal draws fixed by (seed, stream, step)."""
    return generator(seed, stream, step).standard_normal(size)


StationaryFn = Callable[[FloatArray, IntArray], FloatArray]
"""Maps jump times and device indices to state probabilities, shape (len, n_states)."""


class JumpChain:
    """A Markov chain per device, sampled at any time without replaying its history.

    Time is cut into slots of ``slot_s``; in each slot a device jumps with probability
    ``jump_probability`` at a uniform instant, to a state drawn from the stationary
    distribution at that instant (a uniformised continuous-time Markov chain). The state at
    ``t`` is the one drawn at the device's last jump before ``t``.
    """

    def __init__(
        self,
        seed: int,
        stream: int,
        size: int,
        stationary: Sequence[float] | StationaryFn,
        slot_s: float = 120.0,
        jump_probability: float = 0.5,
        lookback: int = 24,
    ) -> None:
        self._seed, self._stream, self._size = seed, stream, size
        self._slot_s, self._jump, self._lookback = slot_s, jump_probability, lookback
        if callable(stationary):
            self._stationary: StationaryFn = stationary
        else:
            fixed = np.asarray(stationary, dtype=np.float64) / float(np.sum(stationary))
            self._stationary = lambda times, _idx: np.broadcast_to(fixed, (len(times), len(fixed)))
        self._slots: dict[int, npt.NDArray[np.uint64]] = {}

    def _slot(self, slot: int) -> npt.NDArray[np.uint64]:
        bits = self._slots.get(slot)
        if bits is None:
            bits = generator(self._seed, self._stream, slot).integers(
                0, 2**64 - 1, size=self._size, dtype=np.uint64, endpoint=True
            )
            if len(self._slots) > self._lookback + 4:
                self._slots.pop(min(self._slots))
            self._slots[slot] = bits
        return bits

    def _pick(self, bits: npt.NDArray[np.uint64], slot: int, index: IntArray) -> IntArray:
        low = (bits & np.uint64(0xFFFFFFFF)).astype(np.float64) / 2.0**32
        choice = (bits >> np.uint64(32)).astype(np.float64) / 2.0**32
        times = (slot + np.minimum(low / self._jump, 1.0)) * self._slot_s
        cdf = np.cumsum(self._stationary(times, index), axis=1)
        picked = np.sum(choice[:, None] >= cdf, axis=1)
        return np.asarray(np.minimum(picked, cdf.shape[1] - 1), dtype=np.int64)

    def states(self, t: float) -> IntArray:
        """The state index of every device at time ``t``."""
        position = t / self._slot_s
        current = math.floor(position)
        fraction = position - current
        states = np.zeros(self._size, dtype=np.int64)
        pending = np.arange(self._size, dtype=np.int64)
        for back in range(self._lookback):
            slot = current - back
            bits = self._slot(slot)[pending]
            jump_at = (bits & np.uint64(0xFFFFFFFF)).astype(np.float64) / 2.0**32 / self._jump
            jumped = jump_at < (fraction if back == 0 else 1.0)
            if jumped.any():
                states[pending[jumped]] = self._pick(bits[jumped], slot, pending[jumped])
                pending = pending[~jumped]
            if pending.size == 0:
                return states
        oldest = current - self._lookback + 1
        states[pending] = self._pick(self._slot(oldest)[pending], oldest, pending)
        return states


@dataclass(frozen=True, slots=True)
class Channel:
    """How one physical quantity of a fleet behaves.

    The value is ``idle + (loaded - idle) * load + offset + noise``: ``load`` is the device's
    load factor (0 when stopped or unpowered), ``offset`` a per-device constant drawn with
    std-dev ``spread``. ``outage`` is the value without mains power (``None``: the idle value);
    ``span`` sizes drift and spikes; ``wear_gain`` is how much bearing wear raises it.
    """

    name: str
    idle: float
    loaded: float
    noise: float = 0.0
    spread: float = 0.0
    minimum: float | None = None
    maximum: float | None = None
    outage: float | None = None
    span: float | None = None
    wear_gain: float = 0.0

    @property
    def fault_info(self) -> ChannelInfo:
        """The parts of this channel the fault plan uses."""
        span = self.span if self.span is not None else abs(self.loaded - self.idle)
        return ChannelInfo(self.name, span if span > 0 else 1.0, self.wear_gain)


class Fleet:
    """N devices of one kind: load, run state, channel values and fault effects at any time.

    ``t`` is in Unix seconds; faults count from ``t0`` (the simulation start). Every result is
    a pure function of ``(seed, name, t)``.
    """

    def __init__(
        self,
        name: str,
        devices: Sequence[str],
        channels: Sequence[Channel],
        seed: int,
        *,
        faults: Sequence[Fault] = (),
        t0: float = 0.0,
        step_s: float = 1.0,
        run_fraction: float = 0.9,
        utc_offset_s: float = 0.0,
    ) -> None:
        self.name, self.devices, self.seed, self.t0 = name, list(devices), seed, t0
        self.size = len(self.devices)
        self.channels = {channel.name: channel for channel in channels}
        self._step_s, self._run_fraction, self._utc = step_s, run_fraction, utc_offset_s
        statics = generator(seed, stream_id(name, "static"), 0)
        self._phase_s = statics.uniform(-1800.0, 1800.0, self.size)
        self._scale = statics.uniform(0.7, 1.0, self.size)
        self._offsets = {c.name: statics.normal(0.0, 1.0, self.size) * c.spread for c in channels}
        index = {device: i for i, device in enumerate(self.devices)}
        self.faults = FaultPlan(faults, index, seed)
        self._run_chain = JumpChain(seed, stream_id(name, "run"), self.size, self._run_probability)
        self._load_memo: tuple[float, FloatArray] | None = None

    def _run_probability(self, times: FloatArray, index: IntArray) -> FloatArray:
        shape = load_shape(times + self._phase_s[index], self._utc)
        running = np.clip(self._run_fraction * (0.55 + 0.5 * shape), 0.0, 1.0)
        return np.stack([running, 1.0 - running], axis=1)

    def step(self, t: float) -> int:
        """The noise step number of time ``t``."""
        return math.floor(t / self._step_s)

    def powered(self, t: float) -> BoolArray:
        """False for the devices inside a power outage."""
        outage = frozenset({FaultKind.POWER_OUTAGE})
        return ~self.faults.mask(outage, t - self.t0, self.size)

    def reachable(self, t: float) -> BoolArray:
        """False for the devices that do not communicate (comms loss or power outage)."""
        down = frozenset({FaultKind.POWER_OUTAGE, FaultKind.COMMS_LOSS})
        return ~self.faults.mask(down, t - self.t0, self.size)

    def running(self, t: float) -> BoolArray:
        """Machine run state (Markov, busier in working hours); False without power."""
        return np.asarray((self._run_chain.states(t) == 0) & self.powered(t), dtype=np.bool_)

    def load(self, t: float) -> FloatArray:
        """Per-device load factor 0..1: load shape times device scale, 0 when stopped."""
        if self._load_memo is not None and self._load_memo[0] == t:
            return self._load_memo[1]
        shape = load_shape(t + self._phase_s, self._utc)
        load = np.where(self.running(t), shape * self._scale, 0.0)
        self._load_memo = (t, load)
        return load

    def base(self, t: float, channel: str) -> FloatArray:
        """Channel values without analog faults (noise, load and power included)."""
        spec = self.channels[channel]
        noise = standard_noise(self.seed, stream_id(self.name, channel), self.step(t), self.size)
        values = spec.idle + (spec.loaded - spec.idle) * self.load(t) + self._offsets[channel]
        values = values + spec.noise * noise
        if spec.outage is not None:
            values = np.where(self.powered(t), values, spec.outage)
        if spec.minimum is not None or spec.maximum is not None:
            values = np.clip(values, spec.minimum, spec.maximum)
        return np.asarray(values, dtype=np.float64)

    def values(self, t: float, channel: str) -> FloatArray:
        """Channel values with every active fault applied."""
        values = self.base(t, channel)
        if len(self.faults) == 0:
            return values
        info = self.channels[channel].fault_info
        return self.faults.apply(
            values,
            t - self.t0,
            self.step(t),
            info,
            lambda elapsed: self.base(self.t0 + elapsed, channel),
        )

    def apply_faults(self, t: float, channel: str, values: FloatArray) -> FloatArray:
        """Apply the active faults of ``channel`` to values computed elsewhere (a model state).

        A stuck sensor holds the value it had at the first time it was seen stuck.
        """
        if len(self.faults) == 0:
            return np.asarray(values, dtype=np.float64)
        current = np.asarray(values, dtype=np.float64)
        info = self.channels[channel].fault_info
        return self.faults.apply(current, t - self.t0, self.step(t), info, lambda _e: current)


class EnergyCounter:
    """Per-device energy registers (kWh) integrating power (W) tick by tick; never decrease."""

    def __init__(self, initial_kwh: FloatArray) -> None:
        self.kwh = np.asarray(initial_kwh, dtype=np.float64).copy()
        self._last_t: float | None = None

    def advance(self, t: float, power_w: FloatArray) -> FloatArray:
        """Add ``power_w`` held since the previous call; returns the counters."""
        if self._last_t is not None and t > self._last_t:
            hours = (t - self._last_t) / 3600.0
            self.kwh += np.clip(power_w, 0.0, None) * hours / 1000.0
        self._last_t = t if self._last_t is None else max(t, self._last_t)
        return self.kwh
