"""Which tags of a device measure its energy: configured meters, or discovered from tag names.

Discovery knows the payload families the MQTT decoders produce and generic meter names; the
first rule that matches any tag of a device wins, so a Shelly Pro 3EM is read from its
``total_act_power``/``total_act`` (not the phases as well) and a Shelly EM Gen1 from its
persistent ``emeter[n].total`` rather than the ``energy`` counter that restarts at reboot.
A tag without a unit gets the unit its format documents; a generic rule needs a real unit.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from core.analytics.energy.settings import EnergySettings, MeterConfig
from core.analytics.energy.units import is_energy, is_power
from core.tags import TagInfo

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MeterTag:
    """A tag used by a meter and the unit its values are in."""

    name: str
    unit: str


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


POWER_RULES: tuple[tuple[str, str], ...] = (
    (r"(^|[./])total_act_power$", "W"),  # Shelly Pro 3EM em:0
    (r"(^|/)ENERGY\.Power(\[\d+\])?$", "W"),  # Tasmota SENSOR
    (r"(^|[./])apower$", "W"),  # Shelly Gen2 switch:n / pm1:n
    (r"(^|/)(relay|emeter)\[\d+\]\.power$", "W"),  # Shelly Gen1
    (r"(^|[./_])(active_?)?power(_total)?$", ""),
    (r"(^|[./_])(p_total|total_power|kw)$", ""),
)
COUNTER_RULES: tuple[tuple[str, str], ...] = (
    (r"(^|[./])total_act$", "Wh"),  # Shelly Pro 3EM emdata:0
    (r"(^|/)ENERGY\.Total$", "kWh"),  # Tasmota SENSOR
    (r"(^|[./])aenergy\.total$", "Wh"),  # Shelly Gen2
    (r"(^|/)emeter\[\d+\]\.total$", "Wh"),  # Shelly EM / 3EM Gen1
    (r"(^|/)(relay|emeter)\[\d+\]\.energy$", "Wh"),  # Shelly Gen1 (watt-minutes, decoded to Wh)
    (r"(import|total|energy)[^/]*$", ""),
)
_NOT_ACTIVE = re.compile(
    r"apparent|reactive|aprt|_ret|returned|export|today|yesterday|by_minute|period", re.I
)


def _match(
    tags: list[TagInfo], rules: tuple[tuple[str, str], ...], is_unit: Callable[[str], bool]
) -> list[MeterTag]:
    for pattern, default_unit in rules:
        regex = re.compile(pattern, re.IGNORECASE)
        found = []
        for tag in tags:
            if not regex.search(tag.name) or _NOT_ACTIVE.search(tag.name):
                continue
            unit = tag.unit or default_unit
            if unit and is_unit(unit):
                found.append(MeterTag(tag.name, unit))
        if found:
            return found
    return []


def discover(device: str, tags: Iterable[TagInfo], carrier: str = "electricity") -> Meter | None:
    """The meter of a device found from its tags, or None when it has no energy tags."""
    own = sorted((t for t in tags if t.device == device), key=lambda t: t.name)
    power = _match(own, POWER_RULES, is_power)
    counters = _match(own, COUNTER_RULES, is_energy)
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
