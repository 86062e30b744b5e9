"""``controldeck energy`` on the demo plant's configuration prices its meters in CO2e; a plant
with meters but no emission factor says so in the JSON instead of leaving CO2e silently empty."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from core.cli.main import main
from core.config import RESOURCES_DIR, load_config
from core.store.historian import Historian
from core.tags import TagInfo
from core.timefmt import parse_time
from drivers.modbus.profile import load_profile
from tests.core.plant import write_plant

DEMO = RESOURCES_DIR / "plants" / "demo.toml"
START = parse_time("2026-03-02T06:00:00+01:00") // 10**9
HOURS = 3
WINDOW = ("--from", "2026-03-02T06:00:00+01:00", "--to", "2026-03-02T09:00:00+01:00")


def declare_meter(config_path: Path, device: str, profile: str) -> None:
    """Declare a Modbus meter's tags with the profile's units, as its driver does when polling."""
    historian = Historian.open(load_config(config_path))
    try:
        for point in load_profile(profile).points:
            info = TagInfo(0, f"{device}/{point.name}", device, point.unit, point.description)
            historian.registry.declare(info)
        historian.registry.flush(historian)
    finally:
        historian.close()


def import_history(config_path: Path, device: str) -> None:
    """Three hours of a 20 kW load: total power, total import and an import + export total."""
    path = config_path.parent / f"{device}.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["tag", "timestamp", "value"])
        for s in range(0, HOURS * 3600 + 1, 60):
            kwh = s / 3600 * 20.0
            out.writerow([f"{device}/total_power", START + s, 20000.0])
            out.writerow([f"{device}/import_kwh", START + s, round(1000.0 + kwh, 3)])
            out.writerow([f"{device}/export_kwh", START + s, 12.5])
            out.writerow([f"{device}/total_kwh", START + s, round(1012.5 + kwh, 3)])
    assert main(["import", "--config", str(config_path), "--csv", str(path)]) == 0


def energy_json(config: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert main(["energy", "--config", str(config), *WINDOW, "--by", "hour"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_demo_plant_reports_co2e_with_the_german_grid_factor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = DEMO.read_text(encoding="utf-8").replace('"sqlite:///demo.db"', '"sqlite:///e.db"')
    config = tmp_path / "demo.toml"
    config.write_text(text, encoding="utf-8")
    declare_meter(config, "meter1", "sdm630")
    import_history(config, "meter1")
    data = energy_json(config, capsys)
    (meter,) = data["devices"]
    assert meter["device"] == "meter1" and meter["site"] == "Demo site"
    assert meter["tags"] == {"counter": ["meter1/import_kwh"], "power": ["meter1/total_power"]}
    assert meter["kwh"] == pytest.approx(60.0, abs=0.01)
    assert meter["power_kwh"] == pytest.approx(60.0)
    assert meter["region"] == "DE" and meter["factor"] == pytest.approx(0.363)
    assert "Umweltbundesamt" in meter["factor_source"]
    assert meter["co2e_kg"] == pytest.approx(60.0 * 0.363, rel=1e-3) and meter["co2e_kg"] > 0
    assert data["sites"][0]["co2e_kg"] == pytest.approx(meter["co2e_kg"])
    assert data["warnings"] == [] and meter["warnings"] == []


PLAIN = """
[[areas]]
name = "utilities"
site = "Demo site"

[[devices]]
name = "meter1"
area = "utilities"
"""


def test_meters_without_an_emission_factor_are_a_plant_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_plant(tmp_path, extra=PLAIN)
    declare_meter(config, "meter1", "sdm630")
    import_history(config, "meter1")
    data = energy_json(config, capsys)
    (meter,) = data["devices"]
    assert meter["kwh"] == pytest.approx(60.0, abs=0.01)
    assert meter["co2e_kg"] is None and meter["factor_source"] == "no emission factor"
    (warning,) = data["warnings"]
    assert "no emission factor for electricity" in warning and "meter1" in warning
    assert "[[sites]]" in warning
