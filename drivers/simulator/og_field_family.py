"""The og-field device family: oil & gas field devices on ``og/field/{site}/{device_type}/{id}``.

Devices are spread over ``sites`` sites and four device types (wellhead, gas detector, pump,
tank). Each device's state word is a Markov chain with the stationary shares 85 % OK, 12 % WARN,
3 % ALERT; a WARN or ALERT device shows its metrics raised by a quarter or a half of their
span. Sized for the load scenario: ``100_000`` devices cost one frame per second (a few numpy
operations per type) and one ``%``-format per message.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from drivers.simulator.faults import Fault
from drivers.simulator.mqtt_families import Message, iso_utc
from drivers.simulator.signals import Channel, EnergyCounter, Fleet, JumpChain, stream_id

log = logging.getLogger(__name__)

# device type: (id prefix, metrics (name, unit, idle, loaded, noise))
OG_TYPES: dict[str, tuple[str, tuple[tuple[str, str, float, float, float], ...]]] = {
    "wellhead": (
        "wh",
        (
            ("wellhead_pressure", "psi", 900.0, 1450.0, 6.0),
            ("temperature", "°C", 35.0, 62.0, 0.3),
            ("flow_rate", "bbl/d", 80.0, 820.0, 8.0),
        ),
    ),
    "gas_detector": ("gd", (("h2s", "ppm", 0.4, 2.5, 0.15), ("lel", "%", 0.5, 3.0, 0.2))),
    "pump": (
        "pu",
        (
            ("vibration", "mm/s", 0.4, 3.2, 0.1),
            ("temperature", "°C", 30.0, 68.0, 0.3),
            ("power", "kW", 0.2, 45.0, 0.4),
        ),
    ),
    "tank": ("tk", (("level", "%", 35.0, 70.0, 0.2), ("temperature", "°C", 18.0, 26.0, 0.1))),
}
TYPE_NAMES = tuple(OG_TYPES)
OG_STATES = ("OK", "WARN", "ALERT")
OG_STATE_SHARES = (0.85, 0.12, 0.03)
STATE_SHIFT = 0.25
"""Metric rise per state step (WARN, ALERT) as a fraction of the metric's span."""


@dataclass(frozen=True, slots=True)
class _TypeFrame:
    """One device type's metric rows (one list per device) and reachability at a step."""

    rows: list[list[float]]
    reachable: npt.NDArray[np.bool_]


def _channels(type_name: str) -> tuple[Channel, ...]:
    metrics = OG_TYPES[type_name][1]
    return tuple(
        Channel(
            name,
            idle,
            loaded,
            noise=noise,
            spread=abs(loaded - idle) * 0.05,
            minimum=0.0,
            wear_gain=3.0 if name == "vibration" else 0.0,
        )
        for name, _unit, idle, loaded, noise in metrics
    )


def _template(type_name: str) -> str:
    """A %-format template: ts, state, then one number per metric (and the pump's energy)."""
    metrics = [
        f'"{name}":{{"value":%.3f,"unit":"{unit.replace("%", "%%")}"}}'
        for name, unit, *_ in OG_TYPES[type_name][1]
    ]
    if type_name == "pump":
        metrics.append('"energy":{"value":%.3f,"unit":"kWh"}')
    return '{"ts":"%s","state":"%s","metrics":{' + ",".join(metrics) + "}}"


class OgFieldFamily:
    """``count`` og-field devices over ``sites`` sites and the four device types."""

    format_name = "og-field"

    def __init__(self, count: int, *, sites: int, seed: int, faults: Sequence[Fault], t0: float):
        self.devices: list[str] = []
        self.seed, self.t0 = seed, t0
        self.topics: list[str] = []
        members: dict[str, list[str]] = {name: [] for name in TYPE_NAMES}
        for i in range(count):
            type_name = TYPE_NAMES[i % 4]
            site = (i // 4) % sites + 1
            device = f"{OG_TYPES[type_name][0]}-{site:02d}-{i + 1:06d}"
            self.devices.append(device)
            self.topics.append(f"og/field/site{site:02d}/{type_name}/{device}")
            members[type_name].append(device)
        self.fleets = {
            name: Fleet(
                f"og-field/{name}", members[name], _channels(name), seed, faults=faults, t0=t0
            )
            for name in TYPE_NAMES
        }
        self._spans = {
            name: [loaded - idle for _n, _u, idle, loaded, _s in OG_TYPES[name][1]]
            for name in TYPE_NAMES
        }
        self._templates = {name: _template(name) for name in TYPE_NAMES}
        self._states = JumpChain(seed, stream_id("og-field", "state"), count, OG_STATE_SHARES)
        pumps = len(members["pump"])
        self._pump_energy = EnergyCounter(
            np.random.Generator(np.random.PCG64([seed, 11])).uniform(50, 900, pumps)
        )
        self._frames: dict[str, _TypeFrame] = {}
        self._step: int | None = None
        self._state_codes: list[int] = []

    @property
    def size(self) -> int:
        """Number of devices."""
        return len(self.devices)

    def will(self, index: int) -> None:
        """og-field devices share connections and have no will of their own."""
        return None

    def _refresh(self, t: float) -> None:
        step = self.fleets["wellhead"].step(t)
        if step == self._step:
            return
        states = self._states.states(t)
        self._state_codes = states.tolist()
        for type_index, name in enumerate(TYPE_NAMES):
            fleet = self.fleets[name]
            type_states = states[type_index::4].astype(np.float64)
            rows = []
            for channel, span in zip(fleet.channels.values(), self._spans[name], strict=True):
                values = fleet.values(t, channel.name) + STATE_SHIFT * span * type_states
                rows.append(values)
            if name == "pump":
                rows.append(self._pump_energy.advance(t, np.maximum(rows[2], 0.0) * 1000.0))
            self._frames[name] = _TypeFrame(np.column_stack(rows).tolist(), fleet.reachable(t))
        self._step = step

    def reachable(self, t: float) -> npt.NDArray[np.bool_]:
        """Which devices are on the air at ``t``."""
        reachable = np.ones(self.size, dtype=np.bool_)
        for type_index, name in enumerate(TYPE_NAMES):
            reachable[type_index::4] = self.fleets[name].reachable(t)
        return reachable

    def state_counts(self, t: float) -> dict[str, int]:
        """How many devices are in each state at ``t``."""
        counts = np.bincount(self._states.states(t), minlength=3)
        return {state: int(n) for state, n in zip(OG_STATES, counts, strict=True)}

    def messages(self, t: float, start: int, stop: int) -> list[Message]:
        """Messages of devices ``start``..``stop - 1`` that are on the air at ``t``."""
        self._refresh(t)
        stamp = iso_utc(t)
        out: list[Message] = []
        for i in range(start, stop):
            name = TYPE_NAMES[i % 4]
            frame = self._frames[name]
            j = i // 4
            if not frame.reachable[j]:
                continue
            state = OG_STATES[self._state_codes[i]]
            payload = self._templates[name] % (stamp, state, *frame.rows[j])
            out.append((i, self.topics[i], payload.encode()))
        return out
