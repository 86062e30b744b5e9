"""The electrical supply of the simulated plant: a meter measures what feeds from it.

Every simulated load (an energy meter, a Tasmota plug, a zerocraftr machine) registers here by
device name. A meter asks :meth:`Supply.downstream` for the complex power ``P + jQ`` (W, var)
of the devices whose supply comes through it (``feeds_from``) and adds it to its own load, so
its power, currents and energy registers include them and its unmetered remainder (its kWh less
its sub-meters') is its own load, never negative. Loads are physical: a child's load comes
before its measurement faults (a stuck sensor on a plug does not change what the incomer
sees); a power outage takes the load away. Single-phase children of a three-phase meter are
spread over L1, L2, L3 in the order of their names; a three-phase child adds phase by phase.

A load's :meth:`Load.phase_loads` must be a pure function of ``t`` (it is called from the
meter's thread): MQTT families therefore get a twin :class:`Fleet` of their own here, which
gives the same values as the family's (every value is a function of seed, name and ``t``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from drivers.simulator.feeds import check_cycles
from drivers.simulator.signals import Fleet

if TYPE_CHECKING:
    from drivers.simulator.mqtt_families import Family

log = logging.getLogger(__name__)


class Load(Protocol):
    """A device that draws power from the supply."""

    def phase_loads(self, t: float) -> list[complex]:
        """Complex power ``P + jQ`` per phase (one or three) at ``t``, with its own children."""


class Supply:
    """The ``feeds_from`` hierarchy and the loads registered by name."""

    def __init__(self, feeds_from: Mapping[str, str] | None = None) -> None:
        self.parents = dict(feeds_from or {})
        check_cycles(self.parents)
        self._loads: dict[str, Load] = {}
        self._meters: set[str] = set()

    def wants(self, name: str) -> bool:
        """True when ``name`` feeds from a meter (its load must be registered)."""
        return name in self.parents

    def register(self, name: str, load: Load, *, meter: bool = False) -> None:
        """Make ``load`` known as ``name``; ``meter``: it measures its children itself."""
        self._loads[name] = load
        if meter:
            self._meters.add(name)

    def children(self, parent: str) -> list[str]:
        """The devices feeding from ``parent``, by name."""
        return sorted(child for child, up in self.parents.items() if up == parent)

    def downstream(self, parent: str, t: float, phases: int) -> list[complex]:
        """Per-phase complex power of the simulated devices feeding from ``parent`` at ``t``."""
        out = [0j] * phases
        spread = 0
        for child in self.children(parent):
            load = self._loads.get(child)
            if load is None:
                continue
            vector = load.phase_loads(t)
            if len(vector) == phases:
                out = [a + b for a, b in zip(out, vector, strict=True)]
            else:
                out[spread % phases] += sum(vector, 0j)
                spread += 1
        return out

    def check(self) -> list[str]:
        """Logged warnings for ``feeds_from`` entries the simulator cannot follow."""
        out = []
        for child, parent in sorted(self.parents.items()):
            if parent not in self._meters:
                out.append(f"{child} feeds from {parent}, which is no simulated energy meter")
            elif child not in self._loads:
                out.append(f"{child} feeds from {parent} but is no simulated load: not counted")
        for line in out:
            log.warning("supply: %s", line)
        return out


class FleetLoad:
    """One device of a fleet as a single-phase load: its power channel and power factor."""

    def __init__(self, fleet: Fleet, index: int, power: str, factor: str | float) -> None:
        self.fleet, self.index = fleet, index
        self._power, self._factor = power, factor

    def phase_loads(self, t: float) -> list[complex]:
        """``[P + jQ]`` of the device at ``t`` (inductive, Q from the power factor)."""
        watts = float(self.fleet.base(t, self._power)[self.index])
        if isinstance(self._factor, str):
            factor = float(self.fleet.base(t, self._factor)[self.index])
        else:
            factor = self._factor
        factor = min(max(factor, 0.01), 1.0)
        return [complex(watts, watts * math.sqrt(1.0 - factor * factor) / factor)]


def register_families(supply: Supply, families: Sequence[Family]) -> int:
    """Register the MQTT devices that feed from a meter (on a twin fleet); returns how many."""
    count = 0
    for family in families:
        wanted = [i for i, name in enumerate(family.devices) if supply.wants(name)]
        if not wanted or not family.power_channel:
            continue
        twin = Fleet(
            family.format_name,
            family.devices,
            family.channels,
            family.seed,
            faults=family.faults,
            t0=family.t0,
        )
        for index in wanted:
            load = FleetLoad(twin, index, family.power_channel, family.power_factor)
            supply.register(family.devices[index], load)
            count += 1
    return count
