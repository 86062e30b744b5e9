"""The simulated boiler's physics: a thermostat-driven burner and first-order heating.

While the burner fires, the water temperature moves towards ``setpoint * gain`` with time
constant ``tau_s`` (``dT/dt = (SP*k - T) / tau``); when it is off the water cools towards the
ambient temperature with ``tau_s * cooling_factor``. A thermostat with hysteresis switches the
burner, so the temperature settles in a band around the setpoint. Pressure follows the
temperature, flow follows the plant's daily demand. Measurement noise and sensor faults come
from a one-device :class:`~drivers.simulator.signals.Fleet` named after the boiler.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from drivers.simulator.faults import Fault
from drivers.simulator.signals import Channel, Fleet

log = logging.getLogger(__name__)

SETPOINT_MIN_C = 20.0
SETPOINT_MAX_C = 95.0


@dataclass(frozen=True, slots=True)
class BoilerParams:
    """Physical constants of the boiler."""

    tau_s: float = 120.0
    gain: float = 1.08
    ambient_c: float = 15.0
    hysteresis_c: float = 1.0
    cooling_factor: float = 3.0
    initial_setpoint_c: float = 60.0
    base_pressure_bar: float = 1.5
    pressure_per_c: float = 0.015


@dataclass(frozen=True, slots=True)
class BoilerReading:
    """What the boiler's instruments show at one instant."""

    temperature_c: float
    setpoint_c: float
    pressure_bar: float
    burner_on: bool
    flow_m3h: float
    reachable: bool


BOILER_CHANNELS = (
    Channel("Temperature", 0.0, 0.0, noise=0.05, span=10.0),
    Channel("Pressure", 0.0, 0.0, noise=0.01, span=0.5),
    Channel("FlowRate", 0.8, 12.0, noise=0.15, minimum=0.0, outage=0.0, span=3.0),
)


class BoilerModel:
    """State of one boiler, advanced by :meth:`step`; deterministic for a seed and time sequence."""

    def __init__(
        self,
        name: str = "boiler",
        *,
        seed: int = 0,
        params: BoilerParams | None = None,
        faults: tuple[Fault, ...] = (),
        t0: float = 0.0,
    ) -> None:
        self.params = params or BoilerParams()
        self.name = name
        self.setpoint_c = self.params.initial_setpoint_c
        self.temperature_c = self.params.initial_setpoint_c - 3.0
        self.burner_on = False
        self.fleet = Fleet(name, [name], BOILER_CHANNELS, seed, faults=faults, t0=t0)
        self._last_t: float | None = None

    def set_setpoint(self, value: float) -> None:
        """Change the setpoint (the caller has checked the 20..95 °C range)."""
        if not SETPOINT_MIN_C <= value <= SETPOINT_MAX_C:
            raise ValueError(f"setpoint {value} outside {SETPOINT_MIN_C}..{SETPOINT_MAX_C} °C")
        self.setpoint_c = float(value)

    def _thermostat(self, powered: bool) -> None:
        if not powered:
            self.burner_on = False
        elif self.temperature_c < self.setpoint_c - self.params.hysteresis_c:
            self.burner_on = True
        elif self.temperature_c > self.setpoint_c + self.params.hysteresis_c:
            self.burner_on = False

    def _integrate(self, dt: float) -> None:
        params = self.params
        if self.burner_on:
            target, tau = self.setpoint_c * params.gain, params.tau_s
        else:
            target, tau = params.ambient_c, params.tau_s * params.cooling_factor
        # Exact solution of dT/dt = (target - T) / tau over dt, stable for any step size.
        self.temperature_c += (target - self.temperature_c) * (1.0 - math.exp(-dt / tau))

    def step(self, t: float) -> BoilerReading:
        """Advance to time ``t`` (Unix seconds) and return the instrument readings."""
        powered = bool(self.fleet.powered(t)[0])
        dt = 0.0 if self._last_t is None else max(0.0, t - self._last_t)
        self._last_t = t if self._last_t is None else max(t, self._last_t)
        remaining = dt
        while remaining > 0:  # switch the thermostat at least every tenth of tau
            chunk = min(remaining, self.params.tau_s / 10.0)
            self._thermostat(powered)
            self._integrate(chunk)
            remaining -= chunk
        self._thermostat(powered)
        return self._read(t, powered)

    def _read(self, t: float, powered: bool) -> BoilerReading:
        fleet, params = self.fleet, self.params
        temperature = self.temperature_c + fleet.base(t, "Temperature")
        pressure = (
            params.base_pressure_bar
            + params.pressure_per_c * (self.temperature_c - 20.0)
            + fleet.base(t, "Pressure")
        )
        if not powered:
            pressure = np.full(1, params.base_pressure_bar)
        return BoilerReading(
            temperature_c=float(fleet.apply_faults(t, "Temperature", temperature)[0]),
            setpoint_c=self.setpoint_c,
            pressure_bar=float(fleet.apply_faults(t, "Pressure", pressure)[0]),
            burner_on=self.burner_on,
            flow_m3h=float(fleet.values(t, "FlowRate")[0]),
            reachable=bool(fleet.reachable(t)[0]),
        )
