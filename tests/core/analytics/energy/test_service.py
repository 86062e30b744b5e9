"""The energy service over in-memory samples: cache, groups, factors, intensity, fuel meters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.analytics.energy import (
    ArraySource,
    EnergyCache,
    EnergyService,
    Samples,
    parse_settings,
)
from core.config import AreaConfig, ConfigError, DeviceConfig, PlantConfig, PlantSection
from core.model import NS_PER_S
from core.tags import TagInfo
from core.timefmt import parse_time

H = 3600 * NS_PER_S
START = parse_time("2026-05-04T00:00:00+02:00")


def plant(**extra: object) -> PlantConfig:
    return PlantConfig(
        plant=PlantSection(name="works", timezone="Europe/Berlin"),
        sites=[{"name": "berlin", "region": "DE"}, {"name": "leeds", "region": "GB"}],
        areas=[AreaConfig(name="press", site="berlin"), AreaConfig(name="paint", site="leeds")],
        devices=[
            DeviceConfig(name="m1", area="press"),
            DeviceConfig(name="m2", area="press"),
            DeviceConfig(name="m3", area="paint"),
        ],
        **extra,
    )


def constant_power(watts: float, hours: float, step_s: int = 60, start: int = START) -> Samples:
    ts = np.arange(start, start + int(hours * H) + 1, step_s * NS_PER_S, dtype=np.int64)
    return Samples(ts, np.full(ts.size, watts), np.zeros(ts.size, np.uint8))


def ramp_counter(kwh_per_h: float, hours: float, step_s: int = 60, start: int = START) -> Samples:
    ts = np.arange(start, start + int(hours * H) + 1, step_s * NS_PER_S, dtype=np.int64)
    return Samples(ts, 1000 + (ts - start) / H * kwh_per_h, np.zeros(ts.size, np.uint8))


def service(data: dict[str, Samples], units: dict[str, str], **kwargs: object) -> EnergyService:
    tags = [TagInfo(i + 1, n, n.split("/")[0], units[n]) for i, n in enumerate(sorted(data))]
    return EnergyService(plant(), ArraySource(data), tags, **kwargs)  # type: ignore[arg-type]


def test_totals_per_device_area_and_site() -> None:
    data = {
        "m1/power": constant_power(1000, 48),
        "m2/power": constant_power(2000, 48),
        "m3/active_power": constant_power(500, 48),
    }
    svc = service(data, {n: "W" for n in data})
    report = svc.report(START, START + 48 * H, "day")
    assert [m.device for m in report.meters] == ["m1", "m2", "m3"]
    assert [p.kwh for p in report.meters[1].periods] == pytest.approx([48.0, 48.0])
    assert [(a.name, a.devices) for a in report.areas] == [
        ("paint", ["m3"]),
        ("press", ["m1", "m2"]),
    ]
    assert [a.kwh for a in report.areas] == pytest.approx([24.0, 144.0])
    by_site = {g.name: g for g in report.sites}
    assert by_site["berlin"].kwh == pytest.approx(144.0)
    assert by_site["berlin"].co2e_kg == pytest.approx(144.0 * 0.363)  # UBA 2024, newest edition
    assert by_site["leeds"].co2e_kg == pytest.approx(24.0 * 0.177)  # DESNZ 2025
    assert [p[1] for p in by_site["berlin"].periods] == pytest.approx([72.0, 72.0])
    assert report.plant.kwh == pytest.approx(168.0)


def test_cache_recomputes_only_the_periods_whose_data_changed() -> None:
    data = {"m1/power": constant_power(1000, 72)}
    svc = service(data, {"m1/power": "W"})
    first = svc.report(START, START + 72 * H, "day")
    assert svc.cache.misses == 3 and svc.cache.hits == 0
    again = svc.report(START, START + 72 * H, "day")
    assert svc.cache.hits == 3
    assert again.meters[0].kwh == first.meters[0].kwh
    # back-fill: the last day gets a 3 kW hour instead of 1 kW
    s = data["m1/power"]
    values = s.values.copy()
    last_day = (s.ts_ns >= START + 60 * H) & (s.ts_ns <= START + 61 * H)
    values[last_day] = 3000.0
    svc.source.data["m1/power"] = Samples(s.ts_ns, values, s.quality)  # type: ignore[attr-defined]
    updated = svc.report(START, START + 72 * H, "day")
    assert svc.cache.misses == 4  # only the third day
    # 2 kWh more, plus the two one-minute ramps the trapezoids draw at the edges of the hour
    expected = [24.0, 24.0, 26.0 + 2 / 60]
    assert [p.kwh for p in updated.meters[0].periods] == pytest.approx(expected, rel=1e-9)


def test_cache_persists_to_disk(tmp_path: Path) -> None:
    data = {"m1/power": constant_power(1000, 24)}
    path = tmp_path / "energy-cache.json"
    svc = service(data, {"m1/power": "W"}, cache=EnergyCache(path))
    svc.report(START, START + 24 * H, "hour")
    svc.cache.save()
    reopened = service(data, {"m1/power": "W"}, cache=EnergyCache(path))
    report = reopened.report(START, START + 24 * H, "hour")
    assert (reopened.cache.hits, reopened.cache.misses) == (24, 0)
    assert report.meters[0].kwh == pytest.approx(24.0)


def test_a_corrupt_cache_file_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "energy-cache.json"
    path.write_text("{not json", encoding="utf-8")
    assert len(EnergyCache(path)) == 0


def test_both_methods_are_reported_with_their_difference() -> None:
    data = {"m1/ENERGY.Power": constant_power(1000, 10), "m1/ENERGY.Total": ramp_counter(1.02, 10)}
    svc = service(data, {"m1/ENERGY.Power": "W", "m1/ENERGY.Total": "kWh"})
    meter = svc.report(START, START + 10 * H, "hour").meters[0]
    assert (meter.method, meter.primary) == ("counter+power", "counter")
    assert meter.kwh == pytest.approx(10.2)
    assert meter.power_kwh == pytest.approx(10.0)
    assert meter.difference_pct == pytest.approx((10.0 - 10.2) / 10.2 * 100)
    assert meter.periods[0].difference_pct == pytest.approx(meter.difference_pct)


def test_gaps_are_reported_once_across_period_boundaries() -> None:
    s = constant_power(1000, 4)
    minute = 60 * NS_PER_S
    keep = (s.ts_ns <= START + H + 50 * minute) | (s.ts_ns >= START + 2 * H + 10 * minute)
    data = {"m1/power": Samples(s.ts_ns[keep], s.values[keep], s.quality[keep])}
    meter = service(data, {"m1/power": "W"}).report(START, START + 4 * H, "hour").meters[0]
    assert [(g.start_ns - START, g.duration_s) for g in meter.gaps] == [(H + 50 * minute, 1200.0)]
    assert meter.kwh == pytest.approx(4.0 - 20 / 60)
    assert [p.coverage for p in meter.periods] == pytest.approx([1.0, 50 / 60, 50 / 60, 1.0])


def test_hourly_grid_intensity_from_a_csv(tmp_path: Path) -> None:
    csv = tmp_path / "intensity.csv"
    rows = [f"{(START + h * H) // NS_PER_S},{100 + 10 * h}" for h in range(3)]
    csv.write_text("timestamp,value\n" + "\n".join(rows) + "\n", encoding="utf-8")
    settings = parse_settings({"grid_intensity": {"csv": str(csv), "unit": "gCO2e/kWh"}}, "p")
    data = {"m1/power": constant_power(2000, 4)}
    meter = (
        service(data, {"m1/power": "W"}, settings=settings)
        .report(START, START + 4 * H, "day")
        .meters[0]
    )
    # 2 kWh per hour: 3 hours at 100/110/120 g, the 4th at the UBA factor (363 g)
    assert meter.co2e_kg == pytest.approx(2 * (0.100 + 0.110 + 0.120 + 0.363))
    assert meter.intensity_share == pytest.approx(0.75)
    assert "hourly grid intensity (75% of kWh)" in meter.factor_source


def test_hourly_grid_intensity_from_a_tag() -> None:
    intensity = constant_power(250, 4, step_s=900)  # 250 g/kWh all along
    data = {"m1/power": constant_power(1000, 4), "grid/intensity": intensity}
    settings = parse_settings({"grid_intensity": {"tag": "grid/intensity"}}, "p")
    svc = service(data, {"m1/power": "W", "grid/intensity": "gCO2e/kWh"}, settings=settings)
    meter = svc.report(START, START + 4 * H, "hour", ["m1"]).meters[0]
    assert meter.co2e_kg == pytest.approx(4 * 0.25)


def test_a_diesel_counter_in_litres() -> None:
    settings = parse_settings(
        {
            "meters": [
                {
                    "device": "m3",
                    "carrier": "diesel",
                    "counter_tags": ["m3/fuel_total"],
                    "quantity_unit": "L",
                    "kwh_per_unit": 9.96,
                }
            ]
        },
        "p",
    )
    data = {"m3/fuel_total": ramp_counter(12.5, 8)}
    meter = (
        service(data, {"m3/fuel_total": "L"}, settings=settings)
        .report(START, START + 8 * H, "day")
        .meters[0]
    )
    assert (meter.carrier, meter.quantity_unit, meter.site) == ("diesel", "L", "leeds")
    assert meter.quantity == pytest.approx(100.0)
    assert meter.kwh == pytest.approx(996.0)
    assert meter.co2e_kg == pytest.approx(100.0 * 2.51279)
    assert meter.factor == pytest.approx(2.51279)


def test_a_missing_factor_is_a_warning_not_a_failure() -> None:
    data = {"x1/power": constant_power(1000, 2)}
    meter = service(data, {"x1/power": "W"}).report(START, START + 2 * H, "hour").meters[0]
    assert meter.co2e_kg is None and meter.factor is None
    assert meter.factor_source == "no emission factor"
    assert "no emission factor for electricity" in meter.warnings[0]


def test_primary_power_when_configured() -> None:
    settings = parse_settings(
        {
            "meters": [
                {
                    "device": "m1",
                    "power_tags": ["m1/p"],
                    "counter_tags": ["m1/e"],
                    "primary": "power",
                }
            ]
        },
        "p",
    )
    data = {"m1/p": constant_power(1000, 2), "m1/e": ramp_counter(2.0, 2)}
    meter = (
        service(data, {"m1/p": "kW", "m1/e": "kWh"}, settings=settings)
        .report(START, START + 2 * H, "day")
        .meters[0]
    )
    assert meter.primary == "power" and meter.kwh == pytest.approx(2000.0)


def test_unknown_device_and_missing_shifts_are_config_errors() -> None:
    svc = service({"m1/power": constant_power(1000, 2)}, {"m1/power": "W"})
    with pytest.raises(ConfigError, match="--device"):
        svc.report(START, START + H, "hour", ["nope"])
    with pytest.raises(ConfigError, match="shifts"):
        svc.report(START, START + H, "shift")


@pytest.mark.parametrize(
    ("raw", "key", "value"),
    [
        ({"max_gap_s": 0}, "energy.max_gap_s", 0),
        ({"meters": [{"device": "m1"}]}, "energy.meters[0]", "<missing>"),
        (
            {"meters": [{"device": "m1", "counter_tags": ["a"], "quantity_unit": "furlong"}]},
            "energy.meters[0].quantity_unit",
            "furlong",
        ),
        ({"shifts": [{"name": "early", "start": "6am"}]}, "energy.shifts[0].start", "6am"),
        ({"grid_intensity": {"unit": "gCO2e/kWh"}}, "energy.grid_intensity", "<missing>"),
        ({"colour": "blue"}, "energy.colour", "blue"),
    ],
)
def test_settings_errors_name_key_and_value(raw: dict, key: str, value: object) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings(raw, "plant.toml")
    assert caught.value.key_path == key
    if value != "<missing>":
        assert caught.value.value == value


def test_totals_per_shift() -> None:
    settings = parse_settings(
        {
            "shifts": [
                {"name": "early", "start": "06:00"},
                {"name": "late", "start": "14:00"},
                {"name": "night", "start": "22:00"},
            ]
        },
        "p",
    )
    data = {"m1/power": constant_power(1000, 48)}
    report = service(data, {"m1/power": "W"}, settings=settings).report(
        START + 6 * H, START + 30 * H, "shift"
    )
    rows = [(p.period.label, p.kwh) for p in report.meters[0].periods]
    assert rows == [
        ("2026-05-04 early", pytest.approx(8.0)),
        ("2026-05-04 late", pytest.approx(8.0)),
        ("2026-05-04 night", pytest.approx(8.0)),
    ]


def test_energy_section_reads_the_plant_attribute_when_present() -> None:
    from types import SimpleNamespace

    from core.analytics.energy import energy_section

    config = SimpleNamespace(energy={"max_gap_s": 120, "region": "GB"}, source="plant.toml")
    settings = energy_section(config)  # type: ignore[arg-type]
    assert (settings.max_gap_s, settings.region) == (120, "GB")
    assert energy_section(plant()).max_gap_s == 300
