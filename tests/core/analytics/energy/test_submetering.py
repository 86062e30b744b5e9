"""Sub-metering: totals count each kWh once, remainders, the area/site rule, config errors."""

from __future__ import annotations

from typing import Any

import pytest

from core.analytics.energy import ArraySource, EnergyService, parse_settings
from core.config import AreaConfig, ConfigError, DeviceConfig, PlantConfig, PlantSection
from core.tags import TagInfo
from tests.core.analytics.energy.test_service import START, H, constant_power

SOURCE = "plant.toml"
WATTS = {"main": 10_000.0, "office": 2_000.0, "plug": 1_000.0, "shed": 500.0, "far": 3_000.0}
"""Constant loads: 48 h of main = 480 kWh, office 96, plug 48, shed 24, far 144."""
AREA = {"main": "utilities", "office": "utilities", "plug": "press", "shed": "press", "far": "yard"}


def plant() -> PlantConfig:
    return PlantConfig(
        plant=PlantSection(name="works", timezone="Europe/Berlin"),
        sites=[{"name": "berlin", "region": "DE"}, {"name": "leeds", "region": "GB"}],
        areas=[
            AreaConfig(name="utilities", site="berlin"),
            AreaConfig(name="press", site="berlin"),
            AreaConfig(name="yard", site="leeds"),
        ],
        devices=[DeviceConfig(name=d, area=a) for d, a in AREA.items()]
        + [DeviceConfig(name="oven", area="press")],
        source=SOURCE,
    )


def service(
    feeds: dict[str, str], watts: dict[str, float] | None = None, **energy: Any
) -> EnergyService:
    loads = watts or WATTS
    data = {f"{d}/power": constant_power(w, 48) for d, w in loads.items()}
    tags = [TagInfo(i + 1, n, n.split("/")[0], "W") for i, n in enumerate(sorted(data))]
    settings = parse_settings({"feeds_from": feeds, **energy}, SOURCE)
    return EnergyService(plant(), ArraySource(data), tags, settings)


def kwh(watts: float) -> float:
    return watts * 48 / 1000


@pytest.mark.parametrize(
    ("feeds", "plant_kwh", "remainders"),
    [
        ({}, sum(kwh(w) for w in WATTS.values()), {}),
        ({"office": "main"}, 480 + 48 + 24 + 144, {"main": 480 - 96}),
        ({"office": "main", "plug": "main"}, 480 + 24 + 144, {"main": 480 - 96 - 48}),
        ({"office": "main", "plug": "office"}, 480 + 24 + 144, {"main": 384, "office": 48}),
        (
            {"office": "main", "plug": "main", "shed": "main", "far": "main"},
            480,
            {"main": 480 - 96 - 48 - 24 - 144},
        ),
    ],
)
def test_plant_total_counts_main_meters_and_remainder_is_parent_less_children(
    feeds: dict[str, str], plant_kwh: float, remainders: dict[str, float]
) -> None:
    report = service(feeds).report(START, START + 48 * H, "day")
    assert report.plant.kwh == pytest.approx(plant_kwh)
    by_device = {m.device: m for m in report.meters}
    for device, meter in by_device.items():
        assert meter.parent == feeds.get(device, "")
        assert meter.remainder_kwh == pytest.approx(remainders.get(device))
    for parent, expected in remainders.items():
        assert [p.remainder_kwh for p in by_device[parent].periods] == pytest.approx(
            [expected / 2, expected / 2]
        )
    assert sum(a.kwh or 0.0 for a in report.areas) == pytest.approx(plant_kwh)
    assert report.warnings == []


def test_site_total_is_the_main_meter_not_the_sum_of_all_meters() -> None:
    report = service({"office": "main", "plug": "main", "shed": "main"}).report(
        START, START + 48 * H, "day"
    )
    berlin = next(s for s in report.sites if s.name == "berlin")
    assert berlin.kwh == pytest.approx(480.0)
    assert berlin.main_meters == ["main"]
    assert berlin.co2e_kg == pytest.approx(480.0 * 0.363)
    assert report.plant.co2e_kg == pytest.approx(480.0 * 0.363 + 144.0 * 0.177)


def test_areas_follow_the_device_and_sites_follow_the_hierarchy() -> None:
    """``far`` (yard, leeds) is fed from ``main`` (utilities, berlin): the yard area keeps
    its kWh, berlin's site total holds it (priced with the German factor), leeds has none."""
    report = service({"far": "main", "plug": "main"}).report(START, START + 48 * H, "day")
    areas = {a.name: a.kwh for a in report.areas}
    assert areas == pytest.approx({"utilities": 480 - 144 - 48 + 96, "press": 72, "yard": 144})
    sites = {s.name: s for s in report.sites}
    assert list(sites) == ["berlin"]
    assert sites["berlin"].kwh == pytest.approx(480 + 96 + 24)
    far = next(m for m in report.meters if m.device == "far")
    assert (far.site, far.region) == ("leeds", "DE")
    assert far.co2e_kg == pytest.approx(144 * 0.363)
    assert report.plant.co2e_kg == pytest.approx((480 + 96 + 24) * 0.363)
    assert sum(a.co2e_kg or 0.0 for a in report.areas) == pytest.approx(report.plant.co2e_kg)


@pytest.mark.parametrize(
    ("office_w", "tolerance_pct", "flagged"),
    [
        (9_000.0, 2.0, False),  # 1 kW of remainder
        (10_000.0, 2.0, False),  # exactly zero
        (10_150.0, 2.0, False),  # -1.5 %: within the meters' accuracy
        (10_300.0, 2.0, True),  # -3 %
        (10_300.0, 5.0, False),
        (12_000.0, 0.0, True),
    ],
)
def test_negative_remainder_beyond_tolerance_is_flagged(
    office_w: float, tolerance_pct: float, flagged: bool
) -> None:
    watts = {"main": 10_000.0, "office": office_w}
    svc = service({"office": "main"}, watts, remainder_tolerance_pct=tolerance_pct)
    report = svc.report(START, START + 48 * H, "day")
    main = report.meters[0]
    assert main.remainder_kwh == pytest.approx((10_000 - office_w) * 48 / 1000)
    assert main.remainder_flagged is flagged
    assert any("unmetered remainder" in w for w in report.warnings) is flagged
    assert any("check the wiring" in w for w in main.warnings) is flagged


def test_a_selection_without_the_parent_counts_the_sub_meter_on_its_own() -> None:
    svc = service({"office": "main", "plug": "office"})
    report = svc.report(START, START + 48 * H, "day", devices=["plug", "office"])
    by_device = {m.device: m for m in report.meters}
    assert by_device["office"].parent == "" and by_device["office"].feeds_from == "main"
    assert by_device["plug"].parent == "office"
    assert report.plant.kwh == pytest.approx(96.0)
    only = svc.report(START, START + 48 * H, "day", devices=["plug"])
    assert only.plant.kwh == pytest.approx(48.0) and only.meters[0].parent == ""


@pytest.mark.parametrize(
    ("energy", "key", "value", "needle"),
    [
        (
            {"feeds_from": {"main": "office", "office": "main"}},
            "feeds_from.main",
            "office",
            "cycle",
        ),
        (
            {"feeds_from": {"main": "plug", "plug": "office", "office": "main"}},
            "feeds_from.main",
            "plug",
            "main -> plug -> office -> main",
        ),
        ({"feeds_from": {"office": "office"}}, "feeds_from.office", "office", "itself"),
        ({"feeds_from": {"office": "mian"}}, "feeds_from.office", "mian", "unknown meter"),
        ({"feeds_from": {"ofice": "main"}}, "feeds_from.ofice", "ofice", "unknown device"),
        ({"feeds_from": {"office": ""}}, "feeds_from.office", "", "at least 1 character"),
        (
            {"meters": [{"device": "office", "power_tags": ["office/power"], "feeds_from": "x"}]},
            "meters[0].feeds_from",
            "x",
            "unknown meter",
        ),
        (
            {
                "feeds_from": {"office": "plug"},
                "meters": [
                    {"device": "office", "power_tags": ["office/power"], "feeds_from": "main"}
                ],
            },
            "feeds_from.office",
            "plug",
            "says 'main'",
        ),
        ({"feeds_from": {"office": "oven"}}, "feeds_from.office", "oven", "no energy meter"),
    ],
)
def test_bad_feeds_are_config_errors_naming_file_key_and_value(
    energy: dict[str, Any], key: str, value: str, needle: str
) -> None:
    data = {f"{d}/power": constant_power(w, 1) for d, w in WATTS.items()}
    tags = [TagInfo(i + 1, n, n.split("/")[0], "W") for i, n in enumerate(sorted(data))]
    tags.append(TagInfo(99, "oven/temperature", "oven", "°C"))
    with pytest.raises(ConfigError) as caught:
        settings = parse_settings(energy, SOURCE)
        EnergyService(plant(), ArraySource(data), tags, settings)
    error = caught.value
    assert (error.file, error.key_path, error.value) == (SOURCE, f"energy.{key}", value)
    assert needle in str(error) and str(error).startswith(f"{SOURCE}: energy.{key} = ")


def test_a_parent_without_data_yet_leaves_its_children_on_their_own() -> None:
    svc = service({"office": "oven"})
    report = svc.report(START, START + 48 * H, "day")
    assert report.plant.kwh == pytest.approx(sum(kwh(w) for w in WATTS.values()))
    assert any("office feeds from oven, which has no data yet" in w for w in report.warnings)


def test_a_sub_meter_of_another_carrier_is_refused() -> None:
    meters = [{"device": "shed", "carrier": "natural_gas", "power_tags": ["shed/power"]}]
    with pytest.raises(ConfigError, match="main meters electricity, shed meters natural_gas"):
        service({"shed": "main"}, meters=meters)
