"""The versioned emission-factor table: shipped values with their sources, plant overrides.

``resources/emission_factors.toml`` holds published factors (value, unit, year, source,
valid_from) per energy carrier and region; a plant file's ``[[emission_factors]]`` entries use
the same keys and replace a shipped entry with the same carrier, region, site and valid_from
(or add to the table). A factor is chosen per (carrier, site/region, date): a site-specific
entry beats a regional one, which beats a global one (empty region); among those the newest
``valid_from`` on or before the date wins (the oldest one when the date precedes them all).
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.analytics.energy.units import UnitError, factor_to_kg_per, scale
from core.config import RESOURCES_DIR, ConfigError, validation_error

log = logging.getLogger(__name__)

DEFAULT_TABLE = RESOURCES_DIR / "emission_factors.toml"
_MAX_FACTOR_KG_PER_KWH = 5.0
"""No fuel or grid emits more than 5 kg CO2e per kWh; larger values are unit mistakes."""


class EmissionFactor(BaseModel):
    """One published factor."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    carrier: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """``electricity``, ``natural_gas``, ``diesel``..."""
    value: float = Field(ge=0, allow_inf_nan=False)
    unit: str
    """``<mass>CO2e/<quantity>``: kgCO2e/kWh, gCO2/kWh, lbCO2e/MWh, kgCO2e/L, kgCO2e/m3."""
    year: int = Field(ge=1990, le=2100)
    """The data year the factor describes."""
    source: str = Field(min_length=3)
    valid_from: date
    region: str = ""
    """Country or grid region (``DE``, ``GB``, ``US``, an eGRID subregion); empty = anywhere."""
    site: str = ""
    """A plant site name (beats the region)."""
    basis: str = "location"
    """``location`` (grid average), ``market`` or ``combustion`` (fuels)."""
    gases: str = "CO2e"
    """What the value covers: ``CO2e`` (CO2, CH4, N2O) or ``CO2`` only."""
    url: str = ""
    note: str = ""

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, unit: str) -> str:
        per = unit.split("/", 1)[-1].strip()
        try:
            factor_to_kg_per(unit, per)
        except UnitError as exc:
            raise ValueError(str(exc)) from exc
        if not any(_converts(per, base) for base in ("kWh", "L", "kg")):
            raise ValueError(f"per {per!r}: must be per energy (kWh), volume (L, m3) or mass (kg)")
        return unit

    def kg_per(self, quantity_unit: str) -> float:
        """kg CO2e per one ``quantity_unit`` (raises :class:`UnitError` when they do not match)."""
        return self.value * factor_to_kg_per(self.unit, quantity_unit)

    @property
    def key(self) -> tuple[str, str, str, date]:
        """What an override replaces: carrier, region, site, valid_from."""
        return (self.carrier, self.region, self.site, self.valid_from)

    @property
    def label(self) -> str:
        """``UBA 2024 (DE, electricity)``-like one-line citation."""
        where = self.site or self.region or "global"
        return f"{self.source} [{self.year}, {where}, {self.value:g} {self.unit}, {self.gases}]"


@dataclass(frozen=True)
class FactorTable:
    """Every known factor; ``version`` names the shipped table's edition."""

    version: str
    factors: tuple[EmissionFactor, ...]

    def select(
        self,
        carrier: str,
        on: date,
        site: str = "",
        region: str = "",
        quantity_unit: str = "kWh",
    ) -> EmissionFactor | None:
        """The factor for a carrier at a site/region on a date, among those whose unit applies to
        ``quantity_unit`` (per kWh for energy, per L or m3 for fuel volumes); None when none."""
        usable = [f for f in self.factors if f.carrier == carrier and _fits(f, quantity_unit)]
        for match in (
            lambda f: bool(site) and f.site == site,
            lambda f: not f.site and bool(region) and f.region == region,
            lambda f: not f.site and not f.region,
        ):
            found = [f for f in usable if match(f)]
            if found:
                return _valid_on(found, on)
        return None

    def with_overrides(self, overrides: Iterable[EmissionFactor]) -> FactorTable:
        """This table with entries replaced or added (same carrier/region/site/valid_from)."""
        merged = {f.key: f for f in self.factors}
        for factor in overrides:
            merged[factor.key] = factor
        return FactorTable(self.version, tuple(merged.values()))


def _converts(unit: str, target: str) -> bool:
    try:
        scale(unit, target)
    except UnitError:
        return False
    return True


def _fits(factor: EmissionFactor, quantity_unit: str) -> bool:
    try:
        factor.kg_per(quantity_unit)
    except UnitError:
        return False
    return True


def _valid_on(found: Sequence[EmissionFactor], on: date) -> EmissionFactor:
    ordered = sorted(found, key=lambda f: f.valid_from)
    current = [f for f in ordered if f.valid_from <= on]
    return current[-1] if current else ordered[0]


def parse_factors(entries: Sequence[Any], source: str | Path, prefix: str) -> list[EmissionFactor]:
    """Validate raw tables; a bad entry raises :class:`ConfigError` naming ``prefix[i].key``."""
    out = []
    for i, entry in enumerate(entries):
        try:
            factor = EmissionFactor.model_validate(entry)
        except ValidationError as exc:
            raise validation_error(exc, entry, source, f"{prefix}[{i}]") from exc
        _check_magnitude(factor, source, f"{prefix}[{i}]")
        out.append(factor)
    return out


def _check_magnitude(factor: EmissionFactor, source: str | Path, where: str) -> None:
    per = factor.unit.split("/", 1)[-1].strip()
    try:
        per_kwh = factor.kg_per("kWh")
    except UnitError:
        return
    if per_kwh > _MAX_FACTOR_KG_PER_KWH:
        raise ConfigError(
            source,
            f"{where}.value",
            factor.value,
            f"{per_kwh:g} kg CO2e per kWh is implausible (unit {factor.unit!r}, per {per!r})",
        )


def load_table(path: Path = DEFAULT_TABLE) -> FactorTable:
    """Read a factor table file (``version`` and ``[[factors]]``); cached until it changes."""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = 0
    return _load_table(path, stamp)


@lru_cache(maxsize=8)
def _load_table(path: Path, _mtime_ns: int) -> FactorTable:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(path, "", None, "file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "", None, f"invalid TOML: {exc}") from exc
    entries = data.get("factors", [])
    if not isinstance(entries, list):
        raise ConfigError(path, "factors", entries, "must be an array of tables [[factors]]")
    version = data.get("version", "")
    if not isinstance(version, str) or not version:
        raise ConfigError(path, "version", version, "a non-empty edition string is required")
    return FactorTable(version, tuple(parse_factors(entries, path, "factors")))


def plant_table(
    overrides: Sequence[Any], source: str | Path, base: FactorTable | None = None
) -> FactorTable:
    """The shipped table with a plant file's ``[[emission_factors]]`` applied."""
    table = base if base is not None else load_table()
    return table.with_overrides(parse_factors(overrides, source, "emission_factors"))
