"""Which simulated device answers for a Modbus profile, and the initial settings it starts with.

:func:`source_for` picks the model by the profile's points: an energy meter (voltage and kWh
points), a drive (a writable frequency setpoint), a temperature controller (a writable
temperature setpoint), or, for any other profile, a generic device whose read-only points
follow plausible signals chosen by their unit.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np

from drivers.modbus.points import Point
from drivers.modbus.profile import Profile
from drivers.simulator.faults import Fault
from drivers.simulator.machine_models import (
    CONTROLLER_DEFAULTS,
    DRIVE_DEFAULTS,
    ControllerSource,
    DriveSource,
)
from drivers.simulator.meter_model import MeterModel, meter_quantity
from drivers.simulator.modbus_devices import PointSource, Value
from drivers.simulator.signals import Channel, EnergyCounter, Fleet
from drivers.simulator.supply import Supply

log = logging.getLogger(__name__)

TEMPERATURE_UNITS = frozenset({"degC", "°C", "C"})
COUNTER_UNITS = frozenset({"kWh", "Wh", "kvarh", "kVAh", "Ah", "h", "m3", "m³"})
METER_SETTINGS: dict[str, Value] = {"demand_period": 60.0, "system_type": 3.0}
# unit -> (idle, loaded, noise) of a generic read-only point
_GENERIC_SIGNALS: dict[str, tuple[float, float, float]] = {
    "V": (231.0, 228.0, 0.4),
    "A": (0.5, 12.0, 0.1),
    "W": (50.0, 4000.0, 20.0),
    "kW": (0.05, 4.0, 0.02),
    "VA": (60.0, 4300.0, 20.0),
    "var": (30.0, 1200.0, 10.0),
    "Hz": (50.0, 49.99, 0.01),
    "%": (5.0, 75.0, 0.5),
    "rpm": (0.0, 1450.0, 3.0),
    "bar": (1.0, 4.0, 0.02),
    "degC": (22.0, 65.0, 0.1),
    "°C": (22.0, 65.0, 0.1),
    "mm/s": (0.3, 2.8, 0.08),
}


class MeterSource:
    """An SDM630/SDM120-style meter: values from :class:`MeterModel` by point name."""

    def __init__(self, model: MeterModel, points: Sequence[Point]) -> None:
        self.model = model
        self._points = [p for p in points if not p.writable]
        self._constants = {"system_type": 3.0 if model.phases == 3 else 1.0}

    def reachable(self, t: float) -> bool:
        """False during the meter's comms-loss or power-outage faults."""
        return self.model.reachable(t)

    def values(self, t: float, written: Mapping[str, Value]) -> dict[str, Value]:
        """Meter values by point name."""
        settings = {k: float(v) for k, v in written.items()}
        quantities = self.model.quantities(t, settings)
        out: dict[str, Value] = {}
        for point in self._points:
            name = meter_quantity(point.name)
            if name in quantities:
                out[point.name] = quantities[name]
            elif point.name in self._constants:
                out[point.name] = self._constants[point.name]
        return out


class GenericSource:
    """Any other profile: read-only points follow load-shaped signals chosen by unit."""

    def __init__(
        self, name: str, points: Sequence[Point], *, seed: int, faults: Sequence[Fault], t0: float
    ):
        self._analog = [
            p for p in points if not p.writable and not p.is_boolean and p.unit not in COUNTER_UNITS
        ]
        self._counters = [p for p in points if not p.writable and p.unit in COUNTER_UNITS]
        self._flags = [p for p in points if not p.writable and p.is_boolean]
        channels = [_generic_channel(p) for p in self._analog]
        self.fleet = Fleet(name, [name], channels, seed, faults=faults, t0=t0)
        self._counter = EnergyCounter(np.full(len(self._counters), 100.0))

    def reachable(self, t: float) -> bool:
        """False during the device's comms-loss or power-outage faults."""
        return bool(self.fleet.reachable(t)[0])

    def values(self, t: float, written: Mapping[str, Value]) -> dict[str, Value]:
        """Generic values by point name."""
        out: dict[str, Value] = {
            p.name: float(self.fleet.values(t, p.name)[0]) for p in self._analog
        }
        running = bool(self.fleet.running(t)[0])
        rates = np.full(len(self._counters), 1000.0 * float(self.fleet.load(t)[0]))
        for point, total in zip(self._counters, self._counter.advance(t, rates), strict=True):
            out[point.name] = float(total)
        for point in self._flags:
            out[point.name] = running if "run" in point.name else False
        return out


def _generic_channel(point: Point) -> Channel:
    idle, loaded, noise = _GENERIC_SIGNALS.get(point.unit, (0.0, 0.0, 0.0))
    if (idle, loaded) == (0.0, 0.0) and point.min is not None and point.max is not None:
        idle = loaded = (point.min + point.max) / 2.0
    return Channel(point.name, idle, loaded, noise=noise, minimum=point.min, maximum=point.max)


def _has(points: Sequence[Point], *, unit: frozenset[str], writable: bool) -> bool:
    return any(p.unit in unit and p.writable == writable and not p.is_boolean for p in points)


def source_for(
    name: str,
    profile: Profile,
    *,
    seed: int,
    faults: Sequence[Fault] = (),
    t0: float = 0.0,
    utc_offset_s: float = 0.0,
    supply: Supply | None = None,
) -> tuple[PointSource, dict[str, Value]]:
    """The simulated device for ``profile`` and the settings to preset in its writable points;
    a meter measures what feeds from it in ``supply``."""
    points = profile.points
    if _has(points, unit=frozenset({"Hz"}), writable=True):
        return DriveSource(name, seed=seed, faults=faults, t0=t0), _presets(points, DRIVE_DEFAULTS)
    if _has(points, unit=TEMPERATURE_UNITS, writable=True):
        return ControllerSource(name, seed=seed, faults=faults, t0=t0), _presets(
            points, CONTROLLER_DEFAULTS
        )
    if _has(points, unit=frozenset({"kWh"}), writable=False) and _has(
        points, unit=frozenset({"V"}), writable=False
    ):
        phases = 3 if profile.find("voltage_l3") is not None else 1
        model = MeterModel(
            name,
            phases=phases,
            seed=seed,
            faults=faults,
            t0=t0,
            rated_current_a=32.0 if phases == 3 else 12.0,
            utc_offset_s=utc_offset_s,
            supply=supply,
        )
        return MeterSource(model, points), _presets(points, METER_SETTINGS)
    log.info("%s: profile %s simulated with generic signals", name, profile.name)
    source = GenericSource(name, points, seed=seed, faults=faults, t0=t0)
    return source, _presets(points, {})


def _presets(points: Sequence[Point], defaults: Mapping[str, Value]) -> dict[str, Value]:
    presets: dict[str, Value] = {}
    for point in points:
        if not point.writable:
            continue
        if point.name in defaults:
            presets[point.name] = defaults[point.name]
        elif point.is_boolean:
            presets[point.name] = False
        elif point.min is not None and point.max is not None:
            presets[point.name] = (point.min + point.max) / 2.0
        else:
            presets[point.name] = point.min if point.min is not None else 0.0
    return presets
