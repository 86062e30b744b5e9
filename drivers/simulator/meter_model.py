"""A simulated energy meter (one or three phases): consistent electrical quantities over time.

Per phase the voltage, current, power factor and harmonic distortion come from a one-device
:class:`~drivers.simulator.signals.Fleet` named after the meter (so the meter's faults apply to
those channels by name, e.g. ``voltage_l1``); power, apparent and reactive power, phase angle,
line-to-line voltages, neutral current and the totals are computed from them, the energy and
ampere-hour registers integrate them, and the demand registers average them over the demand
period. Quantity names follow the Eastron SDM630 register map; :data:`ALIASES` maps the
single-phase SDM120 names onto phase 1.

With a :class:`~drivers.simulator.supply.Supply`, a meter also measures the devices that feed
from it: their complex power is added phase by phase to the meter's own load, and current,
power factor and phase angle follow from the sum (so a main meter's reading is its own load plus
its sub-meters', as in a real distribution board).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence

import numpy as np

from drivers.simulator.faults import Fault
from drivers.simulator.signals import Channel, EnergyCounter, Fleet, generator, stream_id
from drivers.simulator.supply import Supply

log = logging.getLogger(__name__)

ALIASES: dict[str, str] = {
    "voltage": "voltage_l1",
    "current": "current_l1",
    "active_power": "power_l1",
    "apparent_power": "apparent_power_l1",
    "reactive_power": "reactive_power_l1",
    "power_factor": "power_factor_l1",
    "phase_angle": "phase_angle_l1",
    "import_power_demand": "total_power_demand",
    "max_import_power_demand": "max_total_power_demand",
    "current_demand": "current_demand_l1",
    "max_current_demand": "max_current_demand_l1",
}
COUNTERS = ("import_kwh", "import_kvarh", "total_kvah", "total_ah")


def _phase_channels(phase: int, rated_a: float) -> list[Channel]:
    return [
        Channel(f"voltage_l{phase}", 231.0, 227.5, noise=0.35, spread=1.2, minimum=0.0, outage=0.0),
        Channel(f"current_l{phase}", 0.3, rated_a, noise=0.08, spread=0.6, minimum=0.0, outage=0.0),
        Channel(f"power_factor_l{phase}", 0.62, 0.94, noise=0.006, minimum=0.3, maximum=1.0),
        Channel(f"thd_voltage_l{phase}", 1.8, 3.1, noise=0.05, spread=0.2, minimum=0.0, outage=0.0),
        Channel(f"thd_current_l{phase}", 22.0, 6.5, noise=0.4, spread=1.0, minimum=0.0, outage=0.0),
    ]


class MeterModel:
    """Quantities of one meter at a time ``t``; call :meth:`quantities` with increasing ``t``."""

    def __init__(
        self,
        name: str,
        *,
        phases: int,
        seed: int,
        faults: Sequence[Fault] = (),
        t0: float = 0.0,
        rated_current_a: float = 32.0,
        utc_offset_s: float = 0.0,
        supply: Supply | None = None,
    ) -> None:
        self.name, self.phases = name, phases
        self._supply = supply
        if supply is not None:
            supply.register(name, self, meter=True)
        channels = [c for p in range(1, phases + 1) for c in _phase_channels(p, rated_current_a)]
        channels.append(Channel("frequency", 50.0, 49.99, noise=0.012, outage=0.0))
        self.fleet = Fleet(
            name, [name], channels, seed, faults=faults, t0=t0, utc_offset_s=utc_offset_s
        )
        start = generator(seed, stream_id(name, "energy"), 0).uniform(1_000, 90_000)
        self._counters = {key: EnergyCounter(np.array([start * f])) for key, f in _START.items()}
        self._phase_kwh = [EnergyCounter(np.array([start / phases])) for _ in range(phases)]
        self._export_kwh = round(start * 0.002, 1)
        self._demand: dict[str, float] = {}
        self._max_demand: dict[str, float] = {}
        self._last_t: float | None = None

    def reachable(self, t: float) -> bool:
        """False during the meter's comms-loss or power-outage faults."""
        return bool(self.fleet.reachable(t)[0])

    def quantities(self, t: float, settings: Mapping[str, float] | None = None) -> dict[str, float]:
        """Every quantity by SDM630 name; ``settings`` holds written registers (demand_period)."""
        q: dict[str, float] = {n: float(self.fleet.values(t, n)[0]) for n in self.fleet.channels}
        phases = range(1, self.phases + 1)
        downstream = self._downstream(t)
        for p in phases:
            _phase(q, p, downstream[p - 1] if q[f"voltage_l{p}"] > 0 else 0j)
        self._totals(q, phases)
        self._integrate(t, q)
        period_min = float((settings or {}).get("demand_period", 60.0))
        self._demands(t, q, period_min)
        self._last_t = t if self._last_t is None else max(t, self._last_t)
        return q

    def phase_loads(self, t: float) -> list[complex]:
        """Complex power per phase that this meter draws from its own supply at ``t``: its own
        load (before measurement faults) plus what feeds from it."""
        own = []
        for p in range(1, self.phases + 1):
            volts, amps, pf = (
                float(self.fleet.base(t, f"{n}_l{p}")[0])
                for n in ("voltage", "current", "power_factor")
            )
            own.append(_complex_power(volts, amps, pf))
        return [a + b for a, b in zip(own, self._downstream(t), strict=True)]

    def _downstream(self, t: float) -> list[complex]:
        if self._supply is None:
            return [0j] * self.phases
        return self._supply.downstream(self.name, t, self.phases)

    def _totals(self, q: dict[str, float], phases: range) -> None:
        n = len(phases)
        for key in ("power", "apparent_power", "reactive_power"):
            q[f"total_{key}"] = sum(q[f"{key}_l{p}"] for p in phases)
        q["total_power_factor"] = (
            q["total_power"] / q["total_apparent_power"] if q["total_apparent_power"] > 0 else 1.0
        )
        q["total_phase_angle"] = math.degrees(math.acos(min(1.0, q["total_power_factor"])))
        q["voltage_ln_avg"] = sum(q[f"voltage_l{p}"] for p in phases) / n
        q["current_sum"] = sum(q[f"current_l{p}"] for p in phases)
        q["current_avg"] = q["current_sum"] / n
        if n == 3:
            _three_phase(q)

    def _integrate(self, t: float, q: dict[str, float]) -> None:
        rates = {
            "import_kwh": q["total_power"],
            "import_kvarh": q["total_reactive_power"],
            "total_kvah": q["total_apparent_power"],
            "total_ah": q["current_sum"] * 1000.0,  # EnergyCounter divides by 1000
        }
        for key, rate in rates.items():
            q[key] = float(self._counters[key].advance(t, np.array([rate]))[0])
        for p, counter in enumerate(self._phase_kwh, start=1):
            q[f"import_kwh_l{p}"] = float(counter.advance(t, np.array([q[f"power_l{p}"]]))[0])
            q[f"export_kwh_l{p}"] = 0.0
            q[f"total_kwh_l{p}"] = q[f"import_kwh_l{p}"]
        q["export_kwh"] = self._export_kwh
        q["export_kvarh"] = 0.0
        q["total_kwh"] = q["import_kwh"] + self._export_kwh
        q["total_kvarh"] = q["import_kvarh"]

    def _demands(self, t: float, q: dict[str, float], period_min: float) -> None:
        sources = {"total_power_demand": "total_power", "total_va_demand": "total_apparent_power"}
        sources.update({f"current_demand_l{p}": f"current_l{p}" for p in range(1, self.phases + 1)})
        if self.phases == 3:
            sources["neutral_current_demand"] = "neutral_current"
        dt = 0.0 if self._last_t is None else max(0.0, t - self._last_t)
        weight = 1.0 if period_min <= 0 else 1.0 - math.exp(-dt / (period_min * 60.0))
        for demand, source in sources.items():
            previous = self._demand.get(demand, q[source])
            self._demand[demand] = previous + (q[source] - previous) * weight
            self._max_demand[demand] = max(self._max_demand.get(demand, 0.0), self._demand[demand])
            q[demand] = self._demand[demand]
            q[f"max_{demand}"] = self._max_demand[demand]
        q["export_power_demand"] = 0.0
        q["max_export_power_demand"] = 0.0


def _complex_power(volts: float, amps: float, pf: float) -> complex:
    """``P + jQ`` of a phase (inductive) from its voltage, current and power factor."""
    apparent = volts * amps
    return complex(apparent * pf, apparent * math.sqrt(max(0.0, 1.0 - pf * pf)))


def _phase(q: dict[str, float], p: int, downstream: complex) -> None:
    """Power quantities of phase ``p``: its own load plus ``downstream``; the current and the
    power factor follow from the sum."""
    volts = q[f"voltage_l{p}"]
    power = _complex_power(volts, q[f"current_l{p}"], q[f"power_factor_l{p}"]) + downstream
    apparent = abs(power)
    if downstream and volts > 0 and apparent > 0:
        q[f"current_l{p}"] = apparent / volts
        q[f"power_factor_l{p}"] = min(1.0, power.real / apparent)
    q[f"apparent_power_l{p}"] = apparent
    q[f"power_l{p}"] = power.real
    q[f"reactive_power_l{p}"] = power.imag
    q[f"phase_angle_l{p}"] = math.degrees(math.acos(min(1.0, q[f"power_factor_l{p}"])))


_START = {"import_kwh": 1.0, "import_kvarh": 0.31, "total_kvah": 1.06, "total_ah": 4.4}


def _three_phase(q: dict[str, float]) -> None:
    """Line-to-line voltages (phasors 120 degrees apart), neutral current and their averages."""
    pairs = ((1, 2), (2, 3), (3, 1))
    for a, b in pairs:
        va, vb = q[f"voltage_l{a}"], q[f"voltage_l{b}"]
        q[f"voltage_l{a}_l{b}"] = math.sqrt(va * va + vb * vb + va * vb)
        q[f"thd_voltage_l{a}_l{b}"] = (q[f"thd_voltage_l{a}"] + q[f"thd_voltage_l{b}"]) / 2.0
    q["voltage_ll_avg"] = sum(q[f"voltage_l{a}_l{b}"] for a, b in pairs) / 3.0
    q["thd_voltage_ll_avg"] = sum(q[f"thd_voltage_l{a}_l{b}"] for a, b in pairs) / 3.0
    i1, i2, i3 = q["current_l1"], q["current_l2"], q["current_l3"]
    q["neutral_current"] = math.sqrt(
        max(0.0, i1 * i1 + i2 * i2 + i3 * i3 - i1 * i2 - i2 * i3 - i3 * i1)
    )


def meter_quantity(point_name: str) -> str:
    """The meter quantity a profile point shows (SDM120 names mapped to phase 1)."""
    return ALIASES.get(point_name, point_name)
