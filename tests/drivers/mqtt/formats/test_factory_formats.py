"""``zerocraftr``, ``og-field`` and ``carbonseed`` on the payloads their modules document."""

from __future__ import annotations

import pytest

from tests.drivers.mqtt.formats.helpers import decode, ns, reject, timestamps, units, values

# ZeroCraftr single metric, as built by Lakshit-Startup-Ideas/ZeroCraftrr iot-edge/agent.py
ZC_SINGLE = (
    '{"device_identifier": "press-07", "timestamp": "2024-05-14T09:30:00Z",'
    ' "metric": "power", "value": 1234.5, "unit": "W"}'
)
# ZeroCraftr metrics list, Lakshit-ZeroCraftr-ORG/ZeroCraftr-IOT-AI-SaaS services/edge-agent
ZC_LIST = (
    '{"version": "1.0", "device_id": "press-07", "ts": "2024-05-14T09:30:00.250Z", "metrics": ['
    '{"name": "power_active_w", "value": 1012.4, "unit": "W"},'
    '{"name": "energy_kwh", "value": 0.0014, "unit": "kWh"},'
    '{"name": "co2_kg", "value": 0.001, "unit": "kg"}],'
    ' "tags": {"production_line": "line-1", "location": "factory-floor-a"}}'
)
# ZeroCraftr flat body, Lakshit-ZeroCraftr-ORG/ZeroCraftr-IOT-AI-SaaS docs/API.md / README
ZC_FLAT = (
    '{"device_id":"dev-001","timestamp":1704067200000,"power_w":1500,"energy_kwh":2.5,'
    '"co2_kg":1.75,"waste_kg":0.5}'
)
# og-field: ControlDeck's own design (no public specification), see drivers/mqtt/formats/og_field.py
OG_FIELD = (
    '{"ts": "2024-05-14T09:30:00.250Z", "state": "WARN", "metrics": {'
    '"wellhead_pressure": {"value": 1450.2, "unit": "psi"},'
    '"flow_rate": {"value": 820.5, "unit": "bbl/d"}, "h2s": 3.1, "spare": null},'
    ' "msg": "casing pressure rising"}'
)
# Carbonseed fields, prateek-workspace/carbonseed esp32/carbonseed_sensor.ino + backend/app/schemas.py
CARBONSEED = (
    '{"device_id": "ESP32-SF-001", "temperature": 24.5, "humidity": 41.0, "gas_index": 112.0,'
    ' "vibration_x": 0.12, "vibration_y": -0.05, "vibration_z": 9.81,'
    ' "power_consumption": 230.0, "pressure": null}'
)


def test_zerocraftr_single_metric() -> None:
    decoded = decode("zerocraftr", "zerocraftr/telemetry/press-07", ZC_SINGLE)
    assert values(decoded) == {"press-07/power": 1234.5}
    assert units(decoded) == {"press-07/power": "W"}
    assert timestamps(decoded) == {ns(2024, 5, 14, 9, 30, 0)}


def test_zerocraftr_metrics_list() -> None:
    decoded = decode("zerocraftr", "zerocraftr/telemetry/press-07", ZC_LIST)
    assert values(decoded) == {
        "press-07/power_active_w": 1012.4,
        "press-07/energy_kwh": 0.0014,
        "press-07/co2_kg": 0.001,
    }
    assert units(decoded)["press-07/energy_kwh"] == "kWh"
    assert timestamps(decoded) == {ns(2024, 5, 14, 9, 30, 0, micro=250_000)}


def test_zerocraftr_flat_fields_units_from_suffix() -> None:
    decoded = decode("zerocraftr", "zerocraftr/telemetry/dev-001", ZC_FLAT)
    assert values(decoded) == {
        "dev-001/power_w": 1500,
        "dev-001/energy_kwh": 2.5,
        "dev-001/co2_kg": 1.75,
        "dev-001/waste_kg": 0.5,
    }
    assert units(decoded) == {
        "dev-001/power_w": "W",
        "dev-001/energy_kwh": "kWh",
        "dev-001/co2_kg": "kg",
        "dev-001/waste_kg": "kg",
    }
    assert timestamps(decoded) == {1_704_067_200_000_000_000}


def test_og_field_state_and_metrics() -> None:
    decoded = decode("og-field", "og/field/north-pad/wellhead/wh-07", OG_FIELD)
    assert values(decoded) == {
        "wh-07/state": 1,
        "wh-07/wellhead_pressure": 1450.2,
        "wh-07/flow_rate": 820.5,
        "wh-07/h2s": 3.1,
    }
    assert units(decoded) == {
        "wh-07/state": "",
        "wh-07/wellhead_pressure": "psi",
        "wh-07/flow_rate": "bbl/d",
        "wh-07/h2s": "",
    }
    state = next(d for d in decoded.declarations if d.name == "wh-07/state")
    assert state.description == "wellhead at north-pad: 0 OK, 1 WARN, 2 ALERT"
    assert timestamps(decoded) == {ns(2024, 5, 14, 9, 30, 0, micro=250_000)}


@pytest.mark.parametrize(("word", "code"), [("OK", 0), ("warn", 1), ("Alert", 2)])
def test_og_field_state_words(word: str, code: int) -> None:
    decoded = decode("og-field", "og/field/s/separator/sep-1", f'{{"state": "{word}"}}')
    assert values(decoded) == {"sep-1/state": code}
    assert timestamps(decoded) == {None}


def test_carbonseed_fields_and_units() -> None:
    decoded = decode("carbonseed", "carbonseed/ESP32-SF-001/telemetry", CARBONSEED)
    assert values(decoded) == {
        "ESP32-SF-001/temperature": 24.5,
        "ESP32-SF-001/humidity": 41.0,
        "ESP32-SF-001/gas_index": 112.0,
        "ESP32-SF-001/vibration_x": 0.12,
        "ESP32-SF-001/vibration_y": -0.05,
        "ESP32-SF-001/vibration_z": 9.81,
        "ESP32-SF-001/power_consumption": 230.0,
    }
    assert units(decoded) == {
        "ESP32-SF-001/temperature": "°C",
        "ESP32-SF-001/humidity": "%",
        "ESP32-SF-001/vibration_x": "m/s²",
        "ESP32-SF-001/vibration_y": "m/s²",
        "ESP32-SF-001/vibration_z": "m/s²",
        "ESP32-SF-001/power_consumption": "W",
    }
    assert timestamps(decoded) == {None}


def test_carbonseed_device_from_topic_and_timestamp() -> None:
    payload = '{"timestamp": 1715679000, "temperature": 850.0, "seq": 12, "rssi": -61}'
    decoded = decode("carbonseed", "plant/furnace-2", payload)
    assert values(decoded) == {"furnace-2/temperature": 850.0, "furnace-2/rssi": -61}
    assert timestamps(decoded) == {1_715_679_000_000_000_000}


@pytest.mark.parametrize(
    ("name", "topic", "payload", "reason"),
    [
        ("zerocraftr", "zerocraftr/telemetry", "{}", "unexpected_topic"),
        ("zerocraftr", "zerocraftr/metrics/press-07", "{}", "unexpected_topic"),
        (
            "zerocraftr",
            "zerocraftr/telemetry/p",
            '{"metric": "power", "value": "high"}',
            "wrong_type",
        ),
        ("zerocraftr", "zerocraftr/telemetry/p", '{"metric": 5, "value": 1}', "wrong_type"),
        ("zerocraftr", "zerocraftr/telemetry/p", '{"metrics": {"a": 1}}', "wrong_type"),
        ("zerocraftr", "zerocraftr/telemetry/p", '{"metrics": [1]}', "wrong_type"),
        ("zerocraftr", "zerocraftr/telemetry/p", '{"power_w": "1500"}', "wrong_type"),
        ("zerocraftr", "zerocraftr/telemetry/p", '{"ts": "later", "power_w": 1}', "bad_timestamp"),
        ("og-field", "og/field/site/type", "{}", "unexpected_topic"),
        ("og-field", "og/field/site//dev", "{}", "unexpected_topic"),
        ("og-field", "og/field/s/t/d", '{"state": "FINE"}', "wrong_type"),
        ("og-field", "og/field/s/t/d", '{"state": 2}', "wrong_type"),
        ("og-field", "og/field/s/t/d", '{"metrics": {"p": "high"}}', "wrong_type"),
        ("og-field", "og/field/s/t/d", '{"metrics": {"p": {"value": true}}}', "wrong_type"),
        ("og-field", "og/field/s/t/d", '{"metrics": [1, 2]}', "wrong_type"),
        ("carbonseed", "c/d", '{"temperature": "hot"}', "wrong_type"),
        ("carbonseed", "c/d", '{"device_id": 42, "temperature": 20}', "wrong_type"),
        ("carbonseed", "c/", '{"temperature": 20}', "unexpected_topic"),
        ("carbonseed", "c/d", "[20]", "wrong_type"),
    ],
)
def test_rejections(name: str, topic: str, payload: str, reason: str) -> None:
    assert reject(name, topic, payload).reason == reason
