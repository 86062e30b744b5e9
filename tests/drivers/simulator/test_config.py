"""sim.toml: the shipped file loads, unknown keys and bad values are refused, overrides apply."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from drivers.simulator.config import SimulationConfig
from drivers.simulator.faults import FaultKind
from drivers.simulator.plant import effective_config
from drivers.simulator.runner import DEFAULT_CONFIG


def test_shipped_config_loads_with_the_documented_ports() -> None:
    config = SimulationConfig.load(DEFAULT_CONFIG)
    assert [(d.name, d.port) for d in config.modbus] == [
        ("meter1", 15020),
        ("meter2", 15021),
        ("drive1", 15022),
        ("oven1", 15023),
    ]
    assert (config.opcua.host, config.opcua.port) == ("127.0.0.1", 14840)
    assert (config.mqtt.host, config.mqtt.port) == ("127.0.0.1", 1883)
    assert {f.kind for f in config.faults} >= {FaultKind.BEARING_WEAR, FaultKind.COMMS_LOSS}


@pytest.mark.parametrize(
    "document",
    [
        {"sede": 1},
        {"mqtt": {"qos": 2}},
        {"mqtt": {"devices": {"og-field": -1}}},
        {"modbus": [{"name": "m", "profile": "sdm630", "port": 70000}]},
        {"modbus": [{"name": "m", "profile": "sdm630", "port": 1502, "colour": "red"}]},
        {"faults": [{"device": "m", "kind": "gremlins", "start_s": 0, "duration_s": 1}]},
        {"faults": [{"device": "m", "kind": "drift", "start_s": 0, "duration_s": 0}]},
        {"opcua": {"certificate": "cert.der"}},
        {
            "modbus": [
                {"name": "a", "profile": "sdm630", "port": 1502},
                {"name": "b", "profile": "sdm120", "port": 1502},
            ]
        },
    ],
)
def test_invalid_documents_are_refused(document: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        SimulationConfig.model_validate(document)


def test_overrides_for_the_load_scenario() -> None:
    config = SimulationConfig.load(DEFAULT_CONFIG)
    loaded = effective_config(config, seed=9, mqtt_devices=100_000, interval=1.0)
    assert loaded.seed == 9
    assert loaded.mqtt.devices.og_field == 100_000
    assert loaded.mqtt.interval_s == 1.0
    assert loaded.mqtt.devices.tasmota == config.mqtt.devices.tasmota
    with pytest.raises(ValidationError):
        effective_config(config, interval=0.0)


def test_relative_certificate_paths_resolve_against_the_file(tmp_path: Path) -> None:
    path = tmp_path / "sim.toml"
    path.write_text('[opcua]\ncertificate = "c.der"\nprivate_key = "k.pem"\n', encoding="utf-8")
    config = SimulationConfig.load(path)
    assert config.opcua.certificate == tmp_path / "c.der"
    assert config.opcua.private_key == tmp_path / "k.pem"
