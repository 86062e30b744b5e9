"""One hour of MQTT messages from simulated metering plugs, shaped like the real payloads.

Each device integrates its true power at one-second resolution into its own energy counter
(as the metering chips do) and publishes what the firmware publishes:

- Tasmota (``tele/<topic>/SENSOR``, TelePeriod 10 s): ``ENERGY.Total`` kWh with 3 decimals,
  ``Power`` in whole watts, local ``Time`` (payload keys as in the Tasmota docs and in
  tests/drivers/mqtt/formats/test_tasmota.py);
- Shelly Plus 1PM (Gen2, ``<id>/events/rpc`` ``NotifyStatus`` with ``params.ts``): ``apower``
  W with one decimal and ``aenergy.total`` Wh with 3 decimals, ``by_minute`` mWh;
- Shelly 1PM (Gen1, ``shellies/<id>/relay/0/power`` and ``/energy`` every 30 s, no timestamp):
  the energy counter is in watt-minutes and restarts from 0 when the device reboots.

The loads are deterministic (seeded); ``truth_kwh`` is the energy the device really measured.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from core.model import NS_PER_S
from core.timefmt import parse_time

START = "2026-05-04T08:00:00Z"
BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class Capture:
    """Messages of one device and what it really consumed."""

    device: str
    messages: list[tuple[str, bytes, int]] = field(default_factory=list)
    truth_kwh: float = 0.0
    counter_kwh: float = 0.0
    """What the device's own counter says it consumed (last - first, through resets)."""


def _start_s() -> int:
    return parse_time(START) // NS_PER_S


def _load(seed: int, base: float, wobble: float, steps: list[tuple[int, int, float]]) -> np.ndarray:
    """True power of each second of the hour: base + slow wobble + noise + switched loads."""
    rng = np.random.default_rng(seed)
    t = np.arange(3600)
    power = base + wobble * np.sin(2 * np.pi * t / 1700.0) + rng.normal(0, base * 0.01, t.size)
    for on, off, watts in steps:
        power[on:off] += watts
    return np.maximum(power, 0.0)


def tasmota_plug(device: str = "plug1", seed: int = 1) -> Capture:
    """A Tasmota plug feeding a PC (~350 W) and a 1.2 kW heater for 20 minutes."""
    power = _load(seed, 350.0, 40.0, [(1213, 2421, 1200.0)])
    energy_wh = np.cumsum(power) / 3600.0  # the chip's accumulator, Wh after each second
    cap = Capture(device, truth_kwh=float(energy_wh[-1] - energy_wh[9]) / 1000)
    total0 = 123.456
    first = last = None
    for second in range(9, 3600, 10):
        moment = datetime.fromtimestamp(_start_s() + second + 1, BERLIN)
        total = round(total0 + energy_wh[second] / 1000, 3)
        first = total if first is None else first
        last = total
        payload = {
            "Time": moment.strftime("%Y-%m-%dT%H:%M:%S"),
            "ENERGY": {
                "TotalStartTime": "2025-11-02T08:14:51",
                "Total": total,
                "Yesterday": 3.210,
                "Today": round(1.234 + energy_wh[second] / 1000, 3),
                "Period": round(float(power[second - 9 : second + 1].sum() / 3600.0)),
                "Power": round(float(power[second])),
                "ApparentPower": round(float(power[second]) * 1.01),
                "ReactivePower": 42,
                "Factor": 0.99,
                "Voltage": 231,
                "Current": round(float(power[second]) / 231 / 0.99, 3),
            },
        }
        received = (_start_s() + second + 1) * NS_PER_S + 150_000_000
        cap.messages.append((f"tele/{device}/SENSOR", json.dumps(payload).encode(), received))
    cap.counter_kwh = float(last - first) if first is not None and last is not None else 0.0
    return cap


def shelly_plus(device: str = "shellyplus1pm-441793d69718", seed: int = 2) -> Capture:
    """A Shelly Plus 1PM feeding a 3D printer: bed heater PWM around 220 W plus 40 W."""
    rng = np.random.default_rng(seed)
    power = 40.0 + 220.0 * (0.5 + 0.5 * np.sin(np.arange(3600) / 37.0)) + rng.normal(0, 3, 3600)
    power = np.maximum(power, 0.0)
    energy_wh = np.cumsum(power) / 3600.0
    cap = Capture(device)
    start, stamps = _start_s(), np.cumsum(rng.integers(3, 8, 900))
    stamps = stamps[stamps < 3600]
    totals = [round(1234.5 + energy_wh[s], 3) for s in stamps]
    cap.truth_kwh = float(energy_wh[stamps[-1]] - energy_wh[stamps[0]]) / 1000
    cap.counter_kwh = (totals[-1] - totals[0]) / 1000
    for s, total in zip(stamps.tolist(), totals, strict=True):
        minute = (start + s) // 60 * 60
        status = {
            "id": 0,
            "apower": round(float(power[s]), 1),
            "voltage": 229.8,
            "current": round(float(power[s]) / 229.8, 3),
            "aenergy": {"total": total, "by_minute": [1234.0, 4321.0, 4102.0], "minute_ts": minute},
        }
        frame = {
            "src": device,
            "dst": f"{device}/events",
            "method": "NotifyStatus",
            "params": {"ts": round(start + s + 0.37, 2), "switch:0": status},
        }
        received = (start + s + 1) * NS_PER_S
        cap.messages.append((f"{device}/events/rpc", json.dumps(frame).encode(), received))
    return cap


def shelly_gen1(device: str = "shelly1pm-84CCA8A11111", seed: int = 3) -> Capture:
    """A Shelly 1PM (Gen1) feeding a ~750 W pump, publishing every 30 s; it reboots after the
    publish at 25:00 and is back at 25:10, its watt-minute counter restarted from 0."""
    power = _load(seed, 750.0, 30.0, [])
    start, boot = _start_s(), 1510
    counter = np.concatenate(
        [18234.0 + np.cumsum(power[:boot]) / 60.0, np.cumsum(power[boot:]) / 60.0]
    )
    before, after = list(range(0, 1501, 30)), list(range(boot, 3600, 30))
    cap = Capture(device)
    for second in before + after:
        received = (start + second) * NS_PER_S + 40_000_000
        base = f"shellies/{device}/relay/0"
        cap.messages.append((f"{base}/power", f"{power[second]:.2f}".encode(), received))
        cap.messages.append((f"{base}/energy", f"{round(counter[second])}".encode(), received))
        if second == boot:
            cap.messages.append((f"shellies/{device}/online", b"true", received))
    counted_wmin = (round(counter[before[-1]]) - round(counter[0])) + round(counter[after[-1]])
    cap.counter_kwh = counted_wmin / 60.0 / 1000.0
    cap.truth_kwh = float(power[1 : after[-1] + 1].sum()) / 3600 / 1000
    return cap
