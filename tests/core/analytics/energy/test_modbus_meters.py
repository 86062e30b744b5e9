"""Eastron SDM630 and SDM120 meters, simulated register by register, are each counted once.

The simulator's meter model integrates its own power into every energy register of the profile
(total import, per-phase import, import + export, export); the values are read as the float32
registers a poll returns. A device's energy must be its total import delta, not the sum of its
import, per-phase and import + export registers, and the site total the sum of the devices.
"""

from __future__ import annotations

import numpy as np
import pytest

from core.analytics.energy import ArraySource, EnergyService, Samples
from core.config import AreaConfig, DeviceConfig, PlantConfig, PlantSection
from core.model import NS_PER_S
from core.tags import TagInfo
from core.timefmt import parse_time
from drivers.modbus.profile import load_profile
from drivers.simulator.meter_model import ALIASES, MeterModel

START_S = parse_time("2026-03-02T06:00:00+01:00") // NS_PER_S
HOURS = 6
POLL_S = 10
METERS = {"meter1": ("sdm630", 3), "meter2": ("sdm120", 1)}


def poll(device: str, profile: str, phases: int) -> tuple[dict[str, Samples], list[TagInfo]]:
    """Every numeric point of the profile, polled every POLL_S seconds for HOURS hours."""
    points = load_profile(profile).points
    model = MeterModel(device, phases=phases, seed=7, t0=float(START_S))
    times = np.arange(START_S, START_S + HOURS * 3600 + 1, POLL_S)
    rows = [model.quantities(float(t)) for t in times]
    ts = times.astype(np.int64) * NS_PER_S
    data, tags = {}, []
    for point in points:
        key = ALIASES.get(point.name, point.name) if phases == 1 else point.name
        if key not in rows[0]:
            continue
        name = f"{device}/{point.name}"
        values = np.array([r[key] for r in rows], dtype=np.float32).astype(np.float64)
        data[name] = Samples(ts, values, np.zeros(ts.size, np.uint8))
        tags.append(TagInfo(len(tags) + 1, name, device, point.unit, point.description))
    return data, tags


def plant() -> PlantConfig:
    return PlantConfig(
        plant=PlantSection(name="works", timezone="Europe/Berlin"),
        sites=[{"name": "berlin", "region": "DE"}],
        areas=[AreaConfig(name="utilities", site="berlin")],
        devices=[DeviceConfig(name=d, area="utilities") for d in METERS],
    )


@pytest.fixture(scope="module")
def polled() -> tuple[dict[str, Samples], list[TagInfo]]:
    data: dict[str, Samples] = {}
    tags: list[TagInfo] = []
    for device, (profile, phases) in METERS.items():
        more_data, more_tags = poll(device, profile, phases)
        data |= more_data
        tags += more_tags
    return data, [
        TagInfo(i + 1, t.name, t.device, t.unit, t.description) for i, t in enumerate(tags)
    ]


def delta(data: dict[str, Samples], tag: str) -> float:
    values = data[tag].values
    return float(values[-1] - values[0])


@pytest.mark.parametrize("device", list(METERS))
def test_a_meter_is_its_total_import_with_power_integration_beside_it(
    polled: tuple[dict[str, Samples], list[TagInfo]], device: str
) -> None:
    data, tags = polled
    service = EnergyService(plant(), ArraySource(data), tags)
    end = (START_S + HOURS * 3600) * NS_PER_S
    (meter,) = service.report(START_S * NS_PER_S, end, "hour", [device]).meters
    assert meter.counter_tags == [f"{device}/import_kwh"]
    assert meter.power_tags == [
        f"{device}/{'total_power' if device == 'meter1' else 'active_power'}"
    ]
    assert meter.counter == pytest.approx(delta(data, f"{device}/import_kwh"), rel=1e-6)
    assert meter.kwh == meter.counter and meter.primary == "counter"
    # the power integration agrees with the counter it is reported beside
    assert abs(meter.difference_pct) < 1.0
    if device == "meter1":
        phases = sum(delta(data, f"meter1/import_kwh_l{p}") for p in (1, 2, 3))
        assert phases == pytest.approx(meter.counter, rel=0.01)  # the same energy, once


def test_site_total_is_the_sum_of_the_devices(
    polled: tuple[dict[str, Samples], list[TagInfo]],
) -> None:
    data, tags = polled
    service = EnergyService(plant(), ArraySource(data), tags)
    end = (START_S + HOURS * 3600) * NS_PER_S
    report = service.report(START_S * NS_PER_S, end, "hour")
    imports = sum(delta(data, f"{d}/import_kwh") for d in METERS)
    assert [m.device for m in report.meters] == list(METERS)
    assert sum(m.kwh or 0.0 for m in report.meters) == pytest.approx(imports, rel=1e-6)
    (site,) = report.sites
    assert site.kwh == pytest.approx(imports, rel=1e-6)
    assert report.plant.kwh == pytest.approx(imports, rel=1e-6)
    hourly = [k for _, k, _ in site.periods]
    assert len(hourly) == HOURS and sum(k or 0.0 for k in hourly) == pytest.approx(imports)
    # German grid factor of the shipped table prices it
    assert report.plant.co2e_kg == pytest.approx(imports * 0.363, rel=1e-6)
    assert report.warnings == []
