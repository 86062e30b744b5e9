"""Simulated Tasmota smart plugs with energy monitoring (``tele/<topic>/SENSOR|STATE|LWT``).

Each plug has a connection of its own whose last will is ``Offline`` on ``tele/<topic>/LWT``
(retained) and which publishes ``Online`` there on connecting, as Tasmota does. SENSOR carries
the ``ENERGY`` block (Total, Yesterday and Today kWh from a counter that only grows, Power,
ApparentPower, ReactivePower, Factor, Voltage, Current); STATE is sent with the first SENSOR and
then every ``state_period_s``. ``Time`` is UTC without a zone (Tasmota's local time with the
device on UTC).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import numpy as np

from drivers.simulator.faults import Fault
from drivers.simulator.mqtt_families import Family, Frame, Message, iso_utc
from drivers.simulator.mqtt_link import Will
from drivers.simulator.signals import SECONDS_PER_DAY, Channel, EnergyCounter, FloatArray

log = logging.getLogger(__name__)

STATE_PERIOD_S = 300.0


class TasmotaFamily(Family):
    """``count`` Tasmota plugs named ``plug1``, ``plug2``, ..."""

    format_name = "tasmota"
    channels = (
        Channel("Power", 2.0, 1800.0, noise=6.0, spread=40.0, minimum=0.0, outage=0.0),
        Channel("Voltage", 231.0, 228.0, noise=0.4, spread=1.0, minimum=0.0, outage=0.0),
        Channel("Factor", 0.45, 0.96, noise=0.005, minimum=0.1, maximum=1.0),
    )
    power_channel = "Power"
    power_factor = "Factor"

    def __init__(self, count: int, *, seed: int, faults: Sequence[Fault], t0: float):
        super().__init__([f"plug{i + 1}" for i in range(count)], seed=seed, faults=faults, t0=t0)
        start = np.random.Generator(np.random.PCG64([seed, 13])).uniform(10, 400, count)
        self._energy = EnergyCounter(start)
        self._day_start = start.copy()
        self._yesterday = np.zeros(count)
        self._day: int | None = None
        self._last_state = [-math.inf] * count
        self.state_period_s = STATE_PERIOD_S

    def will(self, index: int) -> Will:
        """Retained ``Offline`` on ``tele/<topic>/LWT``; ``Online`` once connected."""
        return Will(f"tele/{self.devices[index]}/LWT", b"Offline", b"Online")

    def _build(self, t: float, step: int, values: dict[str, FloatArray]) -> Frame:
        frame = super()._build(t, step, values)
        total = self._energy.advance(t, values["Power"])
        day = math.floor(t / SECONDS_PER_DAY)
        if self._day is not None and day != self._day:
            self._yesterday = total - self._day_start
            self._day_start = total.copy()
        self._day = day
        factor = np.clip(values["Factor"], 0.01, 1.0)
        apparent = values["Power"] / factor
        frame.values["Total"] = total.tolist()
        frame.values["Today"] = (total - self._day_start).tolist()
        frame.values["Yesterday"] = self._yesterday.tolist()
        frame.values["ApparentPower"] = apparent.tolist()
        frame.values["ReactivePower"] = np.sqrt(
            np.maximum(apparent**2 - values["Power"] ** 2, 0)
        ).tolist()
        frame.values["Current"] = (apparent / np.maximum(values["Voltage"], 1.0)).tolist()
        return frame

    def messages(self, t: float, start: int, stop: int) -> list[Message]:
        """SENSOR (and STATE when due) of plugs ``start``..``stop - 1``."""
        out = super().messages(t, start, stop)
        frame = self.frame(t)
        for i in range(start, stop):
            if frame.reachable[i] and t - self._last_state[i] >= self.state_period_s:
                self._last_state[i] = t
                out.append(self._state(i, t))
        return out

    def _message(self, frame: Frame, index: int, stamp: str, t: float) -> Message:
        v = frame.values
        energy = (
            f'"TotalStartTime":"2023-01-01T00:00:00","Total":{v["Total"][index]:.3f},'
            f'"Yesterday":{v["Yesterday"][index]:.3f},"Today":{v["Today"][index]:.3f},'
            f'"Power":{round(v["Power"][index])},"ApparentPower":{round(v["ApparentPower"][index])},'
            f'"ReactivePower":{round(v["ReactivePower"][index])},"Factor":{v["Factor"][index]:.2f},'
            f'"Voltage":{round(v["Voltage"][index])},"Current":{v["Current"][index]:.3f}'
        )
        payload = f'{{"Time":"{iso_utc(t, zone=False)}","ENERGY":{{{energy}}}}}'
        return index, f"tele/{self.devices[index]}/SENSOR", payload.encode()

    def _state(self, index: int, t: float) -> Message:
        uptime = max(0, int(t - self.t0))
        days, rest = divmod(uptime, 86_400)
        clock = f"{days}T{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
        power = "ON" if self.frame(t).values["Power"][index] > 5.0 else "OFF"
        payload = (
            f'{{"Time":"{iso_utc(t, zone=False)}","Uptime":"{clock}","UptimeSec":{uptime},'
            f'"Heap":25,"SleepMode":"Dynamic","Sleep":50,"LoadAvg":19,"MqttCount":1,'
            f'"POWER":"{power}","Wifi":{{"AP":1,"SSId":"plant","Channel":6,"Mode":"11n",'
            f'"RSSI":{70 + index % 25},"Signal":{-65 + index % 12},"LinkCount":1}}}}'
        )
        return index, f"tele/{self.devices[index]}/STATE", payload.encode()
