"""Simulated machines behind Modbus: a variable-frequency drive and a temperature controller.

Both follow what clients write (run command, frequency setpoint and ramps; run coil and
setpoint) and produce the values named in ``resources/profiles/generic_vfd.toml`` and
``generic_temp_controller.toml``. Process noise, the daily load and faults come from a
one-device :class:`~drivers.simulator.signals.Fleet` named after the device.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence

import numpy as np

from drivers.simulator.faults import Fault, FaultKind
from drivers.simulator.signals import Channel, EnergyCounter, Fleet

log = logging.getLogger(__name__)

Value = float | int | bool

REFERENCE_HZ = 50.0
RATED_POWER_KW = 11.0
RATED_SPEED_RPM = 1470.0
DRIVE_DEFAULTS: dict[str, Value] = {
    "run_command": True,
    "reverse_command": False,
    "frequency_setpoint": 45.0,
    "accel_time": 10.0,
    "decel_time": 10.0,
}
CONTROLLER_DEFAULTS: dict[str, Value] = {
    "run": True,
    "setpoint": 120.0,
    "alarm1_setpoint": 140.0,
    "alarm2_setpoint": 90.0,
    "autotune_enable": False,
}


class _Clocked:
    """Time keeping shared by the machine models: seconds since the previous call."""

    def __init__(self) -> None:
        self._last_t: float | None = None

    def _elapsed(self, t: float) -> float:
        dt = 0.0 if self._last_t is None else max(0.0, t - self._last_t)
        self._last_t = t if self._last_t is None else max(t, self._last_t)
        return dt


class DriveSource(_Clocked):
    """A VFD driving a pump: ramps to its setpoint, power follows the affinity law."""

    def __init__(
        self, name: str, *, seed: int, faults: Sequence[Fault] = (), t0: float = 0.0
    ) -> None:
        super().__init__()
        channels = [
            Channel("process_load", 0.55, 0.95, noise=0.015, minimum=0.05, wear_gain=0.35),
            Channel("dc_bus_voltage", 565.0, 556.0, noise=1.2, spread=2.0, outage=0.0),
        ]
        self.fleet = Fleet(name, [name], channels, seed, faults=faults, t0=t0)
        self._wear = [f for f in faults if f.device == name and f.kind is FaultKind.BEARING_WEAR]
        self._t0 = t0
        self.frequency_hz = float(DRIVE_DEFAULTS["frequency_setpoint"])  # running at start
        self._energy = EnergyCounter(np.array([1200.0 + seed % 500]))
        self._run_hours = EnergyCounter(np.array([3100.0 + seed % 900]))

    def reachable(self, t: float) -> bool:
        """False during the drive's comms-loss or power-outage faults."""
        return bool(self.fleet.reachable(t)[0])

    def _ramp(self, dt: float, settings: Mapping[str, Value], powered: bool) -> None:
        run = bool(settings.get("run_command", True)) and powered
        target = float(settings.get("frequency_setpoint", 0.0)) if run else 0.0
        if bool(settings.get("reverse_command", False)):
            target = -target
        up = max(float(settings.get("accel_time", 10.0)), 0.01)
        down = max(float(settings.get("decel_time", 10.0)), 0.01)
        speeding_up = abs(target) > abs(self.frequency_hz)
        rate = REFERENCE_HZ / (up if speeding_up else down)
        step = max(-rate * dt, min(rate * dt, target - self.frequency_hz))
        self.frequency_hz = 0.0 if not powered else self.frequency_hz + step

    def values(self, t: float, written: Mapping[str, Value]) -> dict[str, Value]:
        """Drive values at ``t`` for the settings written so far."""
        settings = {**DRIVE_DEFAULTS, **written}
        powered = bool(self.fleet.powered(t)[0])
        self._ramp(self._elapsed(t), settings, powered)
        ratio = abs(self.frequency_hz) / REFERENCE_HZ
        load = float(self.fleet.values(t, "process_load")[0])
        power_kw = RATED_POWER_KW * load * ratio**3
        volts = max(400.0 * min(ratio, 1.0), 1.0)
        current = (
            0.0 if ratio == 0 else 7.5 * ratio + power_kw * 1000.0 / (math.sqrt(3) * volts * 0.86)
        )
        running = ratio > 0.001
        energy = self._energy.advance(t, np.array([power_kw * 1000.0]))[0]
        hours = self._run_hours.advance(t, np.array([1000.0 if running else 0.0]))[0]
        target = float(settings["frequency_setpoint"])
        return {
            "ready": powered,
            "running": running,
            "fault_active": False,
            "warning_active": self._worn(t),
            "output_frequency": self.frequency_hz,
            "motor_speed": round(
                math.copysign(RATED_SPEED_RPM * ratio * (1.02 - 0.02 * load), self.frequency_hz)
            ),
            "output_current": current,
            "output_power": power_kw,
            "dc_bus_voltage": float(self.fleet.values(t, "dc_bus_voltage")[0]),
            "fault_code": 0,
            "energy_kwh": math.floor(energy),
            "run_hours": hours,
            "fault_reset": False,
            "at_setpoint": running and abs(abs(self.frequency_hz) - target) < 0.05,
            "remote_mode": True,
        }

    def _worn(self, t: float) -> bool:
        return any(f.active(t - self._t0) and f.progress(t - self._t0) > 0.5 for f in self._wear)


class ControllerSource(_Clocked):
    """A heating controller (P + feed-forward) on an oven with first-order dynamics."""

    def __init__(
        self,
        name: str,
        *,
        seed: int,
        faults: Sequence[Fault] = (),
        t0: float = 0.0,
        tau_s: float = 180.0,
        ambient_c: float = 22.0,
    ) -> None:
        super().__init__()
        channels = [Channel("pv", 0.0, 0.0, noise=0.08, span=15.0)]
        self.fleet = Fleet(name, [name], channels, seed, faults=faults, t0=t0)
        self.tau_s, self.ambient_c = tau_s, ambient_c
        self.temperature_c = float(CONTROLLER_DEFAULTS["setpoint"]) - 2.0
        self.output_percent = 0.0

    def reachable(self, t: float) -> bool:
        """False during the controller's comms-loss or power-outage faults."""
        return bool(self.fleet.reachable(t)[0])

    def _control(self, settings: Mapping[str, Value], measured: float, powered: bool) -> None:
        setpoint = float(settings["setpoint"])
        if not (bool(settings["run"]) and powered):
            self.output_percent = 0.0
            return
        feed_forward = (setpoint - self.ambient_c) / 3.0
        self.output_percent = min(100.0, max(0.0, 5.0 * (setpoint - measured) + feed_forward))

    def values(self, t: float, written: Mapping[str, Value]) -> dict[str, Value]:
        """Controller values at ``t`` for the settings written so far."""
        settings = {**CONTROLLER_DEFAULTS, **written}
        powered = bool(self.fleet.powered(t)[0])
        dt = self._elapsed(t)
        equilibrium = self.ambient_c + 3.0 * self.output_percent
        self.temperature_c += (equilibrium - self.temperature_c) * (
            1.0 - math.exp(-dt / self.tau_s)
        )
        raw = np.array([self.temperature_c]) + self.fleet.base(t, "pv")
        measured = float(self.fleet.apply_faults(t, "pv", raw)[0])
        self._control(settings, measured, powered)
        cycle_position = (t % 10.0) / 10.0
        broken = not -50.0 <= measured <= 450.0
        return {
            "pv": min(450.0, max(-50.0, measured)),
            "output_percent": self.output_percent,
            "alarm1_active": measured > float(settings["alarm1_setpoint"]),
            "alarm2_active": measured < float(settings["alarm2_setpoint"]),
            "sensor_break": broken,
            "output_on": cycle_position < self.output_percent / 100.0,
        }
