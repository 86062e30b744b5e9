"""An energy plant for the energy view: a real collector polling the session's simulated SDM630
meter (counter and power tags) over Modbus, on a site in grid region DE so CO2e has a factor.

It overrides ``plant`` for the tests of this directory, so ``make_ctx`` / ``ctx`` build their
contexts on it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.config import load_config
from drivers.registry import build_drivers
from drivers.simulator.config import SimulationConfig
from hmi.session import PlantSession
from tests.hmi.conftest import create_users, wait_for

ENERGY_PLANT = """
[plant]
name = "Energy test plant"
timezone = "Europe/Berlin"

[store]
url = "sqlite:///energy.db"
flush_interval_s = 0.1

[energy]
region = "DE"

[[sites]]
name = "Works"
region = "DE"

[[areas]]
name = "utilities"
site = "Works"

[[devices]]
name = "meter1"
area = "utilities"
description = "Main incomer energy meter (Modbus)"

[[modbus]]
name = "meter1"
host = "127.0.0.1"
port = {meter_port}
unit = 1
profile = "sdm630"
poll_interval = 0.5

[security]
key_file = "installation.key"
checkpoint_file = "audit.checkpoint.json"
station = "energy-console"
  [security.hashing]
  memory_kib = 19456
"""


@pytest.fixture(scope="session")
def plant(
    simulated_plant: SimulationConfig, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PlantSession]:
    """A running collector on the simulated meter, its own temporary SQLite store."""
    directory = tmp_path_factory.mktemp("energy-plant")
    port = next(d.port for d in simulated_plant.modbus if d.name == "meter1")
    path = directory / "plant.toml"
    path.write_text(ENERGY_PLANT.format(meter_port=port), encoding="utf-8")
    session = PlantSession(load_config(path), build_drivers)
    session.open()
    collector = session.collector
    assert collector is not None
    create_users(collector.security)
    wanted = ("meter1/total_power", "meter1/import_kwh")
    assert wait_for(lambda: len(collector.pipeline.latest(wanted)) == len(wanted), 60)
    yield session
    session.close()
