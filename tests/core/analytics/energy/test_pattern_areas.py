"""Fleet devices get their area and site from a ``[[devices]]`` pattern (``zc-*``) in energy
totals and in the energy report's area scope, as everywhere else (``area_of_device``)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import numpy as np
import pytest

from core.analytics.energy import ArraySource, EnergyService, Samples
from core.config import AreaConfig, DeviceConfig, PlantConfig, PlantSection
from core.model import NS_PER_S
from core.reports.context import ReportContext
from core.security.service import SecurityServices
from core.store.historian import Historian
from core.tags import TagInfo
from core.timefmt import parse_time

H = 3600 * NS_PER_S
START = parse_time("2026-05-04T00:00:00+02:00")
TAGS = {
    "zc-press-001/power_active_w": 2000.0,
    "meter1/power": 500.0,
    "zc-oven-002/power_active_w": 1000.0,
}


def plant() -> PlantConfig:
    return PlantConfig(
        plant=PlantSection(name="works", timezone="Europe/Berlin"),
        sites=[{"name": "berlin", "region": "DE"}, {"name": "leeds", "region": "GB"}],
        areas=[
            AreaConfig(name="production", site="leeds"),
            AreaConfig(name="utilities", site="berlin"),
        ],
        devices=[
            DeviceConfig(name="meter1", area="utilities"),
            DeviceConfig(name="zc-oven-002", area="utilities"),  # an exact name wins
            DeviceConfig(name="zc-*", area="production"),
        ],
    )


def constant(watts: float, hours: int = 2) -> Samples:
    ts = np.arange(START, START + hours * H + 1, 60 * NS_PER_S, dtype=np.int64)
    return Samples(ts, np.full(ts.size, watts), np.zeros(ts.size, np.uint8))


def test_a_device_matched_by_pattern_counts_in_its_area_and_site() -> None:
    tags = [TagInfo(i + 1, n, n.split("/")[0], "W") for i, n in enumerate(TAGS)]
    data = {name: constant(watts) for name, watts in TAGS.items()}
    report = EnergyService(plant(), ArraySource(data), tags).report(START, START + 2 * H, "hour")
    meters = {m.device: m for m in report.meters}
    assert (meters["zc-press-001"].area, meters["zc-press-001"].site) == ("production", "leeds")
    assert meters["zc-press-001"].region == "GB"
    assert meters["zc-oven-002"].area == "utilities"
    areas = {a.name: a.kwh for a in report.areas}
    assert areas == pytest.approx({"production": 4.0, "utilities": 3.0})
    sites = {s.name: s.kwh for s in report.sites}
    assert sites == pytest.approx({"leeds": 4.0, "berlin": 3.0})
    assert "" not in areas and "" not in sites


def test_the_report_scope_of_an_area_takes_pattern_devices() -> None:
    historian = cast(Historian, SimpleNamespace(config=plant()))
    ctx = ReportContext(historian, cast(SecurityServices, None))
    production = ctx.devices_in("production")
    assert production is not None and "zc-press-001" in production
    assert "zc-oven-002" not in production and "meter1" not in production
    assert ctx.area_of("zc-cnc-003") == "production" and ctx.devices_in("") is None
