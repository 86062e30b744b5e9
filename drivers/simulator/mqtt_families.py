"""Simulated MQTT device families: topics and payloads in the zerocraftr, og-field, carbonseed and
tasmota formats, with values from :mod:`drivers.simulator.signals`.

A family computes a frame (every device's values) once per one-second step and cuts messages
for any range of its devices from it, so thousands of devices cost a few numpy operations per
second plus one string format per message. Payload shapes are those the decoders in
:mod:`drivers.mqtt.formats` document.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from drivers.simulator.faults import Fault
from drivers.simulator.mqtt_link import Will
from drivers.simulator.signals import Channel, EnergyCounter, Fleet

log = logging.getLogger(__name__)

Message = tuple[int, str, bytes]
"""(device index in its family, topic, payload)"""
FloatArray = npt.NDArray[np.float64]


def iso_utc(t: float, *, zone: bool = True) -> str:
    """ISO-8601 UTC time with milliseconds (``...Z``; without the zone for Tasmota)."""
    text = datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    return text + "Z" if zone else text[:-4]


@dataclass(slots=True)
class Frame:
    """Every device's values of a family at one step."""

    step: int
    values: dict[str, list[float]]
    reachable: npt.NDArray[np.bool_]


class Family(ABC):
    """Base of the device families: one Fleet, a per-step frame cache, message cutting."""

    format_name = ""
    channels: tuple[Channel, ...] = ()
    power_channel = ""
    """The channel with the active power (W) a device draws ('' when it draws none)."""
    power_factor: str | float = 1.0
    """Its power factor: a channel name or a constant."""

    def __init__(self, devices: Sequence[str], *, seed: int, faults: Sequence[Fault], t0: float):
        self.devices = list(devices)
        self.seed, self.t0 = seed, t0
        self.faults = tuple(faults)
        self.fleet = Fleet(
            self.format_name, self.devices, self.channels, seed, faults=faults, t0=t0
        )
        self._frame: Frame | None = None

    @property
    def size(self) -> int:
        """Number of devices."""
        return len(self.devices)

    def will(self, index: int) -> Will | None:
        """Last will of device ``index`` when it needs a connection of its own (else None)."""
        return None

    def frame(self, t: float) -> Frame:
        """The values of every device at the step of ``t`` (computed once per step)."""
        step = self.fleet.step(t)
        if self._frame is None or self._frame.step != step:
            values = {c.name: self.fleet.values(t, c.name) for c in self.channels}
            self._frame = self._build(t, step, values)
        return self._frame

    def _build(self, t: float, step: int, values: dict[str, FloatArray]) -> Frame:
        return Frame(step, {k: v.tolist() for k, v in values.items()}, self.fleet.reachable(t))

    def messages(self, t: float, start: int, stop: int) -> list[Message]:
        """Messages of devices ``start``..``stop - 1`` that are on the air at ``t``."""
        frame = self.frame(t)
        stamp = iso_utc(t)
        return [self._message(frame, i, stamp, t) for i in range(start, stop) if frame.reachable[i]]

    def reachable(self, t: float) -> npt.NDArray[np.bool_]:
        """Which devices are on the air at ``t``."""
        return self.fleet.reachable(t)

    @abstractmethod
    def _message(self, frame: Frame, index: int, stamp: str, t: float) -> Message:
        """The telemetry message of device ``index``."""


class ZerocraftrFamily(Family):
    """Machines reporting power, energy and CO2 on ``zerocraftr/telemetry/<device>``."""

    format_name = "zerocraftr"
    channels = (
        Channel(
            "power_active_w", 350.0, 14_000.0, noise=60.0, spread=300.0, minimum=0.0, outage=0.0
        ),
        Channel("voltage_v", 231.0, 228.0, noise=0.4, spread=1.0, minimum=0.0, outage=0.0),
    )
    CO2_KG_PER_KWH = 0.42
    power_channel = "power_active_w"
    power_factor = 0.9  # as in current_a below

    def __init__(self, count: int, *, seed: int, faults: Sequence[Fault], t0: float):
        kinds = ("press", "cnc", "compressor", "oven")
        super().__init__(
            [f"zc-{kinds[i % 4]}-{i + 1:03d}" for i in range(count)],
            seed=seed,
            faults=faults,
            t0=t0,
        )
        self._energy = EnergyCounter(
            np.random.Generator(np.random.PCG64([seed, 7])).uniform(100, 5000, count)
        )

    def _build(self, t: float, step: int, values: dict[str, FloatArray]) -> Frame:
        frame = super()._build(t, step, values)
        energy = self._energy.advance(t, values["power_active_w"])
        frame.values["energy_kwh"] = energy.tolist()
        volts = np.maximum(values["voltage_v"], 1.0)
        frame.values["current_a"] = (values["power_active_w"] / (volts * 0.9)).tolist()
        return frame

    def _message(self, frame: Frame, index: int, stamp: str, t: float) -> Message:
        v = frame.values
        energy = v["energy_kwh"][index]
        payload = (
            f'{{"version":"1.0","device_id":"{self.devices[index]}","ts":"{stamp}","metrics":['
            f'{{"name":"power_active_w","value":{v["power_active_w"][index]:.1f},"unit":"W"}},'
            f'{{"name":"energy_kwh","value":{energy:.4f},"unit":"kWh"}},'
            f'{{"name":"voltage_v","value":{v["voltage_v"][index]:.1f},"unit":"V"}},'
            f'{{"name":"current_a","value":{v["current_a"][index]:.2f},"unit":"A"}},'
            f'{{"name":"co2_kg","value":{energy * self.CO2_KG_PER_KWH:.4f},"unit":"kg"}}]}}'
        )
        return index, f"zerocraftr/telemetry/{self.devices[index]}", payload.encode()


class CarbonseedFamily(Family):
    """ESP32 machine monitors (temperature, gas, vibration, power) on ``carbonseed/<id>/telemetry``."""

    format_name = "carbonseed"
    channels = (
        Channel("temperature", 24.0, 38.0, noise=0.15, spread=1.5),
        Channel("humidity", 45.0, 38.0, noise=0.4, spread=3.0, minimum=0.0, maximum=100.0),
        Channel("gas_index", 60.0, 140.0, noise=4.0, spread=10.0, minimum=0.0, maximum=500.0),
        Channel("vibration_x", 0.02, 0.9, noise=0.04, wear_gain=3.0),
        Channel("vibration_y", 0.02, 0.7, noise=0.04, wear_gain=3.0),
        Channel("vibration_z", 9.81, 9.81, noise=0.05),
        Channel("power_consumption", 8.0, 2400.0, noise=15.0, spread=50.0, minimum=0.0, outage=0.0),
        Channel("pressure", 1013.0, 1013.0, noise=0.2, spread=2.0),
    )
    FIELDS = tuple(c.name for c in channels)
    power_channel = "power_consumption"
    power_factor = 0.9

    def __init__(self, count: int, *, seed: int, faults: Sequence[Fault], t0: float):
        super().__init__(
            [f"ESP32-SF-{i + 1:03d}" for i in range(count)], seed=seed, faults=faults, t0=t0
        )

    def _message(self, frame: Frame, index: int, stamp: str, t: float) -> Message:
        v = frame.values
        fields = ",".join(f'"{name}":{v[name][index]:.3f}' for name in self.FIELDS)
        payload = f'{{"device_id":"{self.devices[index]}","timestamp":"{stamp}",{fields}}}'
        return index, f"carbonseed/{self.devices[index]}/telemetry", payload.encode()
