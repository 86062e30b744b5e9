"""The simulated demo plant meters its supply: meter1's unmetered remainder is its own load.

The simulator is run in-process (deterministic seed, no servers) over quiet Saturday-morning
hours, where independently drawn loads used to leave meter1 below its four sub-meters; the
readings go through ``controldeck import`` and ``controldeck energy`` on a copy of the demo
plant, so the remainder is computed exactly as the CLI computes it.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.cli.main import main
from core.config import DEMO_CONFIG
from core.timefmt import parse_time
from drivers.modbus.profile import load_profile
from drivers.simulator.config import SimulationConfig
from drivers.simulator.modbus_sources import MeterSource, source_for
from drivers.simulator.plant import build_families, build_modbus_servers, build_supply
from drivers.simulator.runner import DEFAULT_CONFIG

START_S = parse_time("2026-03-07T04:00:00+01:00") // 10**9
HOURS = 6
STEP_S = 10
WINDOW = ("--from", "2026-03-07T04:00:00+01:00", "--to", "2026-03-07T10:00:00+01:00")
CHILDREN = ["meter2", "plug1", "plug2", "plug3"]
METER_TAGS = """
[[tags]]
name = "meter1/import_kwh"
unit = "kWh"

[[tags]]
name = "meter2/import_kwh"
unit = "kWh"
"""

Rows = list[tuple[str, int, float]]


def simulate(config: SimulationConfig) -> Rows:
    """Counter readings every STEP_S seconds of the meters and plugs that are on the air."""
    supply = build_supply(config)
    meters = [
        s for s in build_modbus_servers(config, START_S, supply) if s.name in ("meter1", "meter2")
    ]
    (plugs,) = [f for f in build_families(config, START_S, supply) if f.format_name == "tasmota"]
    assert supply.check() == []
    rows: Rows = []
    for t in range(START_S, START_S + HOURS * 3600 + 1, STEP_S):
        for server in meters:
            values = server.source.values(float(t), dict(server.written))
            if server.source.reachable(float(t)):  # a register is a float32
                rows.append(
                    (f"{server.name}/import_kwh", t, float(np.float32(values["import_kwh"])))
                )
        frame = plugs.frame(float(t))
        for i, plug in enumerate(plugs.devices):
            if frame.reachable[i]:
                rows.append((f"{plug}/ENERGY.Total", t, round(frame.values["Total"][i], 3)))
    return rows


def own_load_kwh(config: SimulationConfig) -> list[float]:
    """Hourly kWh of meter1's own load: the same meter simulated without the supply."""
    source, _ = source_for(
        "meter1",
        load_profile("sdm630"),
        seed=config.seed,
        faults=config.fault_list(),
        t0=float(START_S),
        utc_offset_s=config.utc_offset_s,
    )
    assert isinstance(source, MeterSource)
    times = range(START_S, START_S + HOURS * 3600 + 1, STEP_S)  # integrated like the parent
    counter = [float(source.values(float(t), {})["import_kwh"]) for t in times]
    return np.diff(counter[:: 3600 // STEP_S]).tolist()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SimulationConfig]:
    """A copy of the demo plant (its database in the copy's folder) with the simulated history."""
    root = tmp_path_factory.mktemp("simulated-supply")
    plant = root / "demo.toml"
    shutil.copy(DEMO_CONFIG, plant)
    with plant.open("a", encoding="utf-8") as handle:
        handle.write(METER_TAGS)
    config = SimulationConfig.load(DEFAULT_CONFIG)
    with (root / "history.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["tag", "timestamp", "value"])
        out.writerows(simulate(config))
    assert main(["import", "--config", str(plant), "--csv", str(root / "history.csv")]) == 0
    return plant, config


def energy_json(plant: Path, capsys: pytest.CaptureFixture[str]) -> Any:
    capsys.readouterr()
    assert main(["energy", "--config", str(plant), *WINDOW, "--by", "hour"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_simulator_reads_the_demo_hierarchy() -> None:
    config = SimulationConfig.load(DEFAULT_CONFIG)
    assert config.feeds_from() == dict.fromkeys(CHILDREN, "meter1")


def test_remainder_is_never_negative_and_is_meter1s_own_load(
    demo: tuple[Path, SimulationConfig], capsys: pytest.CaptureFixture[str]
) -> None:
    plant, config = demo
    data = energy_json(plant, capsys)
    devices = {d["device"]: d for d in data["devices"]}
    meter1 = devices["meter1"]
    assert meter1["submeters"] == CHILDREN and meter1["remainder_flagged"] is False
    assert not [w for w in data.get("warnings", []) if "remainder" in w]
    remainders = [p["remainder_kwh"] for p in meter1["periods"]]
    assert len(remainders) == HOURS and min(remainders) >= 0.0
    own = own_load_kwh(config)
    for remainder, expected in zip(remainders, own, strict=True):
        assert remainder == pytest.approx(expected, rel=0.01, abs=0.02)  # float32 registers
    children = sum(devices[c]["kwh"] for c in CHILDREN)
    assert meter1["kwh"] == pytest.approx(sum(own) + children, rel=0.01)
    assert (
        data["total"]["main_meters"][:1] == ["meter1"]
        and "plug3" not in data["total"]["main_meters"]
    )
