"""The energy service: meters, periods, cache, factors and intensity put together.

>>> service = EnergyService.for_historian(historian)
>>> report = service.report(start_ns, end_ns, by="day", devices=["plug1"])

Runs in a worker thread (it reads the store); everything it returns is plain data.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core.analytics.energy.cache import EnergyCache
from core.analytics.energy.factors import FactorTable, plant_table
from core.analytics.energy.hierarchy import check_feeds, check_meters, root_of
from core.analytics.energy.intensity import IntensitySeries
from core.analytics.energy.metering import MeterCalculator
from core.analytics.energy.meters import Meter, plant_meters
from core.analytics.energy.periods import Granularity, periods
from core.analytics.energy.report import GroupReport, MeterReport, missing_factors
from core.analytics.energy.settings import EnergySettings, energy_section, site_regions
from core.analytics.energy.source import HistorianSource, SampleSource
from core.analytics.energy.submeter import (
    area_groups,
    attach,
    plant_group,
    remainder_warnings,
    site_groups,
)
from core.config import ConfigError, PlantConfig
from core.model import NS_PER_S
from core.store.historian import Historian
from core.tags import TagInfo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EnergyReport:
    """Every selected meter, and their totals per area, site and plant over ``[start, end)``,
    each sub-metered kWh counted once (see :mod:`.submeter`)."""

    start_ns: int
    end_ns: int
    by: str
    timezone: str
    table_version: str
    meters: list[MeterReport]
    areas: list[GroupReport]
    sites: list[GroupReport]
    plant: GroupReport
    warnings: list[str] = field(default_factory=list)
    """Plant-level warnings (metered energy without an emission factor, sub-meters that
    measured more than their parent, a parent meter without data)."""


class EnergyService:
    """Energy and CO2e of a plant's meters from a sample source."""

    def __init__(
        self,
        config: PlantConfig,
        source: SampleSource,
        tags: Iterable[TagInfo],
        settings: EnergySettings | None = None,
        factors: FactorTable | None = None,
        cache: EnergyCache | None = None,
    ) -> None:
        self.config = config
        self.source = source
        self.zone = ZoneInfo(config.plant.timezone)
        self.settings = settings if settings is not None else energy_section(config)
        self.factors = factors or plant_table(config.emission_factors, config.source or "plant")
        self.cache = cache if cache is not None else EnergyCache(self._cache_path())
        tag_list = list(tags)
        self.known_tags = frozenset(t.name for t in tag_list)
        self.meters = plant_meters(tag_list, self.settings)
        self._site = {a.name: a.site for a in config.areas}
        self._region = site_regions(config, self.settings)
        self.parents = check_feeds(config, self.settings)
        """Child device -> the meter its supply comes through (``feeds_from``)."""
        seen = {t.device for t in tag_list}
        self.feed_warnings = check_meters(config, self.parents, self.meters, seen, self.settings)

    @classmethod
    def for_historian(cls, historian: Historian, **kwargs: Any) -> EnergyService:
        """A service reading the historian's store (``kwargs``: settings, factors, cache)."""
        tags = list(historian.registry)
        return cls(historian.config, HistorianSource(historian), tags, **kwargs)

    def _cache_path(self) -> Path | None:
        name = self.settings.cache_file
        return (self.config.base_dir / name).resolve() if name else None

    def report(
        self,
        start_ns: int,
        end_ns: int,
        by: Granularity = "day",
        devices: Sequence[str] | None = None,
    ) -> EnergyReport:
        """Energy of the selected devices (every meter when None) over the window."""
        chosen = self._select(devices)
        if by == "shift" and not self.settings.shifts:
            raise ConfigError(self.config.source, "energy.shifts", [], "no shifts are defined")
        found = periods(start_ns, end_ns, by, self.zone, self.settings.shift_list())
        calculator = MeterCalculator(
            self.source,
            self.cache,
            self.settings,
            self.factors,
            self.zone,
            self.known_tags,
            self._intensity(start_ns, end_ns),
        )
        reports = [
            calculator.report(m, found, *self.location(m.device), self.supply_site(m.device))
            for m in chosen
        ]
        reports = attach(reports, self.parents, self.settings.remainder_tolerance_pct)
        return EnergyReport(
            start_ns,
            end_ns,
            by,
            self.config.plant.timezone,
            self.factors.version,
            reports,
            area_groups(reports),
            site_groups(reports),
            plant_group(self.config.plant.name, reports),
            self.feed_warnings + missing_factors(reports) + remainder_warnings(reports),
        )

    def _select(self, devices: Sequence[str] | None) -> list[Meter]:
        if devices is None:
            return list(self.meters)
        by_device = {m.device: m for m in self.meters}
        for device in devices:
            if device not in by_device:
                known = ", ".join(sorted(by_device)) or "none"
                raise ConfigError(
                    "command line", "--device", device, f"no energy meter (meters: {known})"
                )
        return [by_device[d] for d in devices]

    def location(self, device: str) -> tuple[str, str, str]:
        """(area, site, grid region) of a device, from ``[[devices]]`` (its name or a matching
        pattern such as ``zc-*``), ``[[areas]]``, ``[[sites]]``; a sub-meter's region is that
        of its supply (its main meter's site)."""
        area = self.config.area_of_device(device)
        site = self._site.get(area, "")
        supply = self.supply_site(device)
        return (
            area,
            site,
            self._region.get(site if supply is None else supply, self.settings.region),
        )

    def supply_site(self, device: str) -> str | None:
        """The site of a sub-meter's main meter (None for a main meter)."""
        root = root_of(device, self.parents)
        return None if root == device else self._site.get(self.config.area_of_device(root), "")

    def _intensity(self, start_ns: int, end_ns: int) -> IntensitySeries | None:
        conf = self.settings.grid_intensity
        if conf is None:
            return None
        if conf.csv:
            return IntensitySeries.from_csv(self.config.base_dir / conf.csv, conf.unit)
        if conf.tag not in self.known_tags:
            raise ConfigError(
                self.config.source, "energy.grid_intensity.tag", conf.tag, "unknown tag"
            )
        hour = 3600 * NS_PER_S
        data = self.source.window(conf.tag, start_ns - hour, end_ns + hour, 0)
        return IntensitySeries.from_samples(data.ts_ns, data.values, conf.unit, f"tag {conf.tag}")
