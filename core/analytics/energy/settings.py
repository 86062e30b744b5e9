"""The ``[energy]`` section of a plant file: gap limits, region, shifts, meters, grid intensity,
sub-metering.

Every key is optional; without the section, meters are discovered from the tag names and units
of the Tasmota, Shelly and generic meter payloads (see :mod:`.meters`). Until the plant model
carries the section itself, :func:`energy_section` reads it from ``PlantConfig.energy`` when
that attribute exists and otherwise uses the defaults.
"""

from __future__ import annotations

import logging
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.analytics.energy.periods import Shift
from core.analytics.energy.units import UnitError, is_energy, scale
from core.config import ConfigError, PlantConfig, validation_error

log = logging.getLogger(__name__)


METER_NAME = r"^([^\s].*)?$"
"""A device name: empty or without leading white space."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ShiftConfig(_Strict):
    """``[[energy.shifts]]``: a shift and its local start time ``HH:MM``."""

    name: str = Field(min_length=1, max_length=40)
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")

    def to_shift(self) -> Shift:
        """The analytics value object."""
        hours, minutes = self.start.split(":")
        return Shift(self.name, time(int(hours), int(minutes)))


class MeterConfig(_Strict):
    """``[[energy.meters]]``: which tags measure a device's energy, and its carrier."""

    device: str = Field(min_length=1)
    carrier: str = Field(default="electricity", pattern=r"^[a-z][a-z0-9_]*$")
    power_tags: list[str] = Field(default_factory=list)
    """Active-power tags (W/kW/MW); several (phases, channels) are added."""
    counter_tags: list[str] = Field(default_factory=list)
    """Cumulative counters (Wh/kWh/MWh, or L/m3 for fuel); several are added."""
    quantity_unit: str = "kWh"
    """What the carrier is measured in: kWh, or L / m3 for a fuel counter."""
    kwh_per_unit: float | None = Field(default=None, gt=0)
    """Calorific value of a fuel counter (kWh per L or m3), for the kWh columns."""
    rollover: float | None = Field(default=None, gt=0)
    """Counter wrap value in counter units (a uint32 Wh register: 4294967296)."""
    primary: Literal["auto", "counter", "power"] = "auto"
    """Which method gives ``kwh`` when both exist (``auto``: the counter)."""
    feeds_from: str = Field(default="", pattern=METER_NAME)
    """The meter upstream of this one (its supply comes through it); empty: a main meter."""

    @field_validator("quantity_unit")
    @classmethod
    def _unit(cls, unit: str) -> str:
        try:
            scale(unit, "kWh")
        except UnitError:
            try:
                scale(unit, "L")
            except UnitError as exc:
                raise ValueError(f"{unit!r} is neither an energy nor a volume unit") from exc
        return unit

    @model_validator(mode="after")
    def _has_tags(self) -> MeterConfig:
        if not self.power_tags and not self.counter_tags:
            raise ValueError("a meter needs power_tags or counter_tags")
        if self.power_tags and not is_energy(self.quantity_unit):
            raise ValueError(f"power_tags need an energy quantity_unit, not {self.quantity_unit!r}")
        return self


class IntensityConfig(_Strict):
    """``[energy.grid_intensity]``: an hourly grid carbon intensity, from a tag or a CSV file
    (``timestamp,value``); hours without a value fall back to the factor table."""

    tag: str = ""
    csv: str = ""
    unit: str = "gCO2e/kWh"
    carrier: str = "electricity"

    @model_validator(mode="after")
    def _one_source(self) -> IntensityConfig:
        if bool(self.tag) == bool(self.csv):
            raise ValueError("give exactly one of tag or csv")
        return self


class EnergySettings(_Strict):
    """``[energy]``."""

    max_gap_s: float = Field(default=300.0, gt=0)
    """Power samples further apart than this are not bridged."""
    counter_max_gap_s: float = Field(default=86_400.0, gt=0)
    """A counter's increase across a longer gap is reported as unattributed."""
    region: str = ""
    """Default grid region of sites without ``region`` in ``[[sites]]``."""
    shifts: list[ShiftConfig] = Field(default_factory=list)
    meters: list[MeterConfig] = Field(default_factory=list)
    discover: bool = True
    """Also find meters of devices not listed in ``meters`` from their tag names and units."""
    grid_intensity: IntensityConfig | None = None
    cache_file: str = ""
    """Persist the period cache here (relative to the plant file); empty = memory only."""
    feeds_from: dict[str, Annotated[str, Field(min_length=1)]] = Field(default_factory=dict)
    """``[energy.feeds_from]``: device = the meter its supply comes through (sub-metering of
    discovered meters; configured meters may say ``feeds_from`` themselves)."""
    remainder_tolerance_pct: float = Field(default=2.0, ge=0, le=100)
    """A parent's unmetered remainder below -tolerance x its kWh is flagged (wiring/config)."""

    def shift_list(self) -> list[Shift]:
        """The shifts as analytics value objects."""
        return [s.to_shift() for s in self.shifts]

    def parents(self) -> dict[str, tuple[str, str]]:
        """Child device -> (parent meter, key path where it is set), from both places."""
        out = {
            child: (parent, f"energy.feeds_from.{child}")
            for child, parent in self.feeds_from.items()
        }
        for i, meter in enumerate(self.meters):
            if meter.feeds_from:
                out[meter.device] = (meter.feeds_from, f"energy.meters[{i}].feeds_from")
        return out


def parse_settings(raw: Any, source: str | Path) -> EnergySettings:
    """Validate an ``[energy]`` table; errors name ``energy.<key>`` and the value."""
    try:
        return EnergySettings.model_validate(raw or {})
    except ValidationError as exc:
        raise validation_error(exc, raw, source, "energy") from exc


def energy_section(config: PlantConfig) -> EnergySettings:
    """The plant's ``[energy]`` settings (defaults when the plant model has no such section)."""
    raw = getattr(config, "energy", None)
    return parse_settings(raw or {}, config.source or "plant file")


def site_regions(config: PlantConfig, settings: EnergySettings) -> dict[str, str]:
    """Grid region of each ``[[sites]]`` entry (its ``region`` key, else ``[energy] region``)."""
    out: dict[str, str] = {}
    for i, site in enumerate(config.sites):
        name = site.get("name")
        region = site.get("region", settings.region)
        if not isinstance(name, str) or not name:
            raise ConfigError(config.source, f"sites[{i}].name", name, "a site needs a name")
        if not isinstance(region, str):
            raise ConfigError(config.source, f"sites[{i}].region", region, "must be text")
        out[name] = region
    return out
