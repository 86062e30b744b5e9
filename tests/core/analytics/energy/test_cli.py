"""``controldeck energy`` end to end on a real SQLite store filled by ``controldeck import``."""

from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from core.cli import energy_cmds
from core.cli.main import main
from core.config import ConfigError
from core.timefmt import parse_time
from tests.core.plant import write_plant

PLANT = """
[[sites]]
name = "berlin"
region = "DE"

[[areas]]
name = "workshop"
site = "berlin"

[[devices]]
name = "plug1"
area = "workshop"

[[devices]]
name = "press"
area = "workshop"

[[tags]]
name = "plug1/ENERGY.Power"
unit = "W"

[[tags]]
name = "plug1/ENERGY.Total"
unit = "kWh"

[[tags]]
name = "press/active_power"
unit = "kW"

[[emission_factors]]
carrier = "electricity"
region = "DE"
value = 380
unit = "gCO2e/kWh"
year = 2026
valid_from = 2026-01-01
source = "supplier disclosure 2026 (test)"
"""
START = parse_time("2026-10-24T00:00:00+02:00")
END = parse_time("2026-10-26T00:00:00+01:00")  # two local days, the second with 25 hours
STEP_S = 60


def history(path: Path) -> None:
    """plug1: 600 W and a counter that agrees; press: 2 kW in both days, off 10:00-11:00 local."""
    ts = np.arange(START // 10**9, END // 10**9 + 1, STEP_S)
    total = 4000.0 + (ts - ts[0]) / 3600 * 0.6
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["tag", "timestamp", "value"])
        for t, e in zip(ts.tolist(), total.tolist(), strict=True):
            out.writerow(["plug1/ENERGY.Power", t, 600.0])
            out.writerow(["plug1/ENERGY.Total", t, round(e, 3)])
            out.writerow(["press/active_power", t, 2.0])


@pytest.fixture(scope="module")
def plant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("energy-cli")
    config = write_plant(root, extra=PLANT)
    history(root / "history.csv")
    assert main(["import", "--config", str(config), "--csv", str(root / "history.csv")]) == 0
    return config


def energy(config: Path, *extra: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="controldeck")
    energy_cmds.add_parsers(parser.add_subparsers(dest="command"))
    return parser.parse_args(
        [
            "energy",
            "--config",
            str(config),
            "--from",
            "2026-10-24T00:00:00+02:00",
            "--to",
            "2026-10-26T00:00:00+01:00",
            *extra,
        ]
    )


def run(config: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    args = energy(config, *extra)
    assert args.handler(args) == 0
    return capsys.readouterr().out


def test_one_device_as_json(plant: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(run(plant, capsys, "--device", "plug1"))
    for key in ("device", "kwh", "co2e_kg", "factor", "factor_source", "method", "periods"):
        assert key in data
    assert data["device"] == "plug1" and data["method"] == "counter"
    assert data["methods"] == "counter+power"
    assert data["kwh"] == pytest.approx(0.6 * 49, abs=0.002)
    assert data["power_kwh"] == pytest.approx(0.6 * 49, rel=1e-9)
    assert abs(data["difference_pct"]) < 0.01
    assert data["factor"] == pytest.approx(0.38)
    assert "supplier disclosure 2026" in data["factor_source"]
    assert data["co2e_kg"] == pytest.approx(data["kwh"] * 0.38, rel=1e-9)
    assert [(p["period"], p["hours"]) for p in data["periods"]] == [
        ("2026-10-24", 24),
        ("2026-10-25", 25),
    ]
    assert [p["power_kwh"] for p in data["periods"]] == pytest.approx([14.4, 15.0])
    assert data["timezone"] == "Europe/Berlin" and data["by"] == "day"
    assert data["gaps"] == [] and data["warnings"] == []


def test_whole_plant_by_hour(plant: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(run(plant, capsys, "--by", "hour"))
    assert [d["device"] for d in data["devices"]] == ["plug1", "press"]
    press = data["devices"][1]
    assert press["method"] == "power" and len(press["periods"]) == 49
    assert press["kwh"] == pytest.approx(2.0 * 49)
    hourly = sum(p["kwh"] for p in data["total"]["periods"])
    assert hourly == pytest.approx(data["total"]["kwh"]) == pytest.approx(2.6 * 49, rel=1e-4)
    assert data["areas"][0]["area"] == "workshop" and data["sites"][0]["site"] == "berlin"


def test_csv_rows(plant: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = list(csv.DictReader(io.StringIO(run(plant, capsys, "--format", "csv", "--by", "day"))))
    assert [(r["device"], r["period"]) for r in rows] == [
        ("plug1", "2026-10-24"),
        ("plug1", "2026-10-25"),
        ("plug1", "total"),
        ("press", "2026-10-24"),
        ("press", "2026-10-25"),
        ("press", "total"),
    ]
    assert float(rows[4]["kwh"]) == pytest.approx(50.0)
    assert rows[4]["hours"] == "25.0"
    assert set(energy_cmds.CSV_COLUMNS) == set(rows[0])


def test_the_cache_keeps_results_between_calls(
    plant: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = json.loads(run(plant, capsys, "--by", "week"))
    second = json.loads(run(plant, capsys, "--by", "week"))
    assert first["total"]["kwh"] == second["total"]["kwh"]
    assert [p["period"] for p in first["total"]["periods"]] == ["2026-W43"]


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        (("--device", "nope"), "--device"),
        (("--by", "shift"), "energy.shifts"),
    ],
)
def test_bad_input_is_a_config_error(plant: Path, extra: tuple[str, ...], key: str) -> None:
    args = energy(plant, *extra)
    with pytest.raises(ConfigError) as caught:
        args.handler(args)
    assert caught.value.key_path == key


def test_reversed_window_is_a_config_error(plant: Path) -> None:
    args = energy(plant)
    args.start, args.end = args.end, args.start
    with pytest.raises(ConfigError, match="--to"):
        args.handler(args)
