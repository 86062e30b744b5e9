"""Which tags of a device measure its energy: configured meters, or discovered from tag names.

Discovery (:mod:`.discovery`) knows the payload families the MQTT decoders produce and generic
meter registers, and counts a device once: one cumulative counter family that represents the
device total (a Shelly Pro 3EM's ``total_act``, not its phases as well; an Eastron meter's
``import_kwh``, not its per-phase or import + export registers too), and beside it the active
power that is integrated for comparison. A tag without a unit gets the unit its format
documents; a generic rule needs a real unit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from core.analytics.energy.discovery import MeterTag, counter_tags, power_tags
from core.analytics.energy.settings import EnergySettings, MeterConfig
from core.tags import TagInfo

__all__ = ["Meter", "MeterTag", "discover", "from_config", "plant_meters"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Meter:
    """What measures one device's energy."""

    device: str
    carrier: str
    power_tags: tuple[MeterTag, ...]
    counter_tags: tuple[MeterTag, ...]
    quantity_unit: str = "kWh"
    kwh_per_unit: float | None = None
    rollover: float | None = None
    primary: str = "auto"

    @property
    def method(self) -> str:
        """``counter``, ``power`` or ``counter+power``."""
        kinds = [
            k for k, tags in (("counter", self.counter_tags), ("power", self.power_tags)) if tags
        ]
        return "+".join(kinds)

    @property
    def primary_method(self) -> str:
        """The method that gives ``kwh``."""
        if self.primary != "auto":
            return self.primary
        return "counter" if self.counter_tags else "power"


def discover(device: str, tags: Iterable[TagInfo], carrier: str = "electricity") -> Meter | None:
    """The meter of a device found from its tags, or None when it has no energy tags."""
    own = sorted((t for t in tags if t.device == device), key=lambda t: t.name)
    power = power_tags(device, own)
    counters = counter_tags(device, own)
    if not power and not counters:
        return None
    return Meter(device, carrier, tuple(power), tuple(counters))


def from_config(meter: MeterConfig, tags: dict[str, TagInfo]) -> Meter:
    """A configured meter; tag units come from the registry (kWh/W when unknown there)."""

    def resolve(names: list[str], fallback: str) -> tuple[MeterTag, ...]:
        return tuple(MeterTag(n, (tags[n].unit if n in tags else "") or fallback) for n in names)

    counter_fallback = meter.quantity_unit
    return Meter(
        device=meter.device,
        carrier=meter.carrier,
        power_tags=resolve(meter.power_tags, "W"),
        counter_tags=resolve(meter.counter_tags, counter_fallback),
        quantity_unit=meter.quantity_unit,
        kwh_per_unit=meter.kwh_per_unit,
        rollover=meter.rollover,
        primary=meter.primary,
    )


def plant_meters(tags: Iterable[TagInfo], settings: EnergySettings) -> list[Meter]:
    """Every meter of the plant: the configured ones, then discovered ones (when allowed)."""
    all_tags = list(tags)
    by_name = {t.name: t for t in all_tags}
    meters = [from_config(m, by_name) for m in settings.meters]
    if settings.discover:
        configured = {m.device for m in meters}
        devices = sorted({t.device for t in all_tags if t.device} - configured)
        for device in devices:
            found = discover(device, all_tags)
            if found is not None:
                meters.append(found)
    log.debug("energy meters: %s", ", ".join(f"{m.device}({m.method})" for m in meters))
    return meters
