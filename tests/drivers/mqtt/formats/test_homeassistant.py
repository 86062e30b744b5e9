"""Home Assistant MQTT discovery: configs from HA's docs and Tasmota, then state/availability."""

from __future__ import annotations

import pytest

from drivers.mqtt.formats import get_format, new_decoder
from drivers.mqtt.formats._ha_template import parse_template
from drivers.mqtt.formats.base import DecodeError, Presence, Subscription
from drivers.mqtt.formats.homeassistant import HomeAssistantSession
from tests.drivers.mqtt.formats.helpers import decode, reject, values

# https://www.home-assistant.io/integrations/mqtt/ "Sensors with multiple values"
BEDROOM_T = (
    '{"device_class":"temperature","state_topic":"homeassistant/sensor/sensorBedroom/state",'
    '"unit_of_measurement":"°C","value_template":"{{ value_json.temperature}}",'
    '"unique_id":"temp01ae","device":{"identifiers":["bedroom01ae"],"name":"Bedroom",'
    '"manufacturer":"Example sensors Ltd.","model":"Example Sensor","model_id":"K9",'
    '"serial_number":"12AE3010545","hw_version":"1.01a","sw_version":"2024.1.0",'
    '"configuration_url":"https://example.com/sensor_portal/config"}}'
)
BEDROOM_H = (
    '{"device_class":"humidity","state_topic":"homeassistant/sensor/sensorBedroom/state",'
    '"unit_of_measurement":"%","value_template":"{{ value_json.humidity}}",'
    '"unique_id":"hum01ae","device":{"identifiers":["bedroom01ae"]}}'
)
BEDROOM_STATE = '{ "temperature": 23.20, "humidity": 43.70 }'
# Same page, "Motion detection (binary sensor)": name null, state ON, removal by empty payload
GARDEN = (
    '{"name": null, "device_class": "motion", "state_topic": "homeassistant/binary_sensor/garden/state",'
    ' "unique_id": "motion01ad", "device": {"identifiers": ["01ad"], "name": "Garden" }}'
)
# Same page, switch "using topic prefix and abbreviated configuration variable names"
IRRIGATION = '{"~": "homeassistant/switch/irrigation", "name": "garden", "cmd_t": "~/set", "stat_t": "~/state"}'
# Tasmota's own discovery message, https://pastebin.com/XiaKgnUt (plug001)
TASMOTA_TOTAL = (
    '{"name":"plug001 ENERGY Total","stat_t":"tele/plug001/SENSOR","avty_t":"tele/plug001/LWT",'
    '"pl_avail":"Online","pl_not_avail":"Offline","uniq_id":"218FF9_ENERGY_Total",'
    '"dev":{"ids":["218FF9"]},"unit_of_meas":"kWh","dev_cla":"energy",'
    '"stat_cla":"total_increasing","frc_upd":true,'
    "\"val_tpl\":\"{{value_json['ENERGY']['Total']}}\"}"
)
TASMOTA_SENSOR = (
    '{"Time":"2022-01-11T21:57:38","ENERGY":{"TotalStartTime":"2020-10-21T22:15:00",'
    '"Total":3.705,"Yesterday":0.028,"Today":0.026,"Period":1,"Power":5}}'
)


@pytest.fixture
def session() -> HomeAssistantSession:
    decoder = new_decoder("homeassistant")
    assert isinstance(decoder, HomeAssistantSession)
    return decoder


def feed(session: HomeAssistantSession, topic: str, payload: str) -> object:
    return decode("homeassistant", topic, payload, fmt=session)


def test_multi_value_sensor(session: HomeAssistantSession) -> None:
    first = feed(session, "homeassistant/sensor/sensorBedroomT/config", BEDROOM_T)
    feed(session, "homeassistant/sensor/sensorBedroomH/config", BEDROOM_H)
    (declaration,) = first.declarations  # type: ignore[attr-defined]
    assert declaration.name == "bedroom01ae/sensorBedroomT"
    assert (declaration.unit, declaration.device_class) == ("°C", "temperature")
    assert (declaration.device, declaration.description) == ("bedroom01ae", "Bedroom")
    assert session.topics() == {"homeassistant/sensor/sensorBedroom/state"}
    state = feed(session, "homeassistant/sensor/sensorBedroom/state", BEDROOM_STATE)
    assert values(state) == {
        "bedroom01ae/sensorBedroomT": 23.2,
        "bedroom01ae/sensorBedroomH": 43.7,
    }
    assert {reading.ts_ns for reading in state.readings} == {None}  # type: ignore[attr-defined]


def test_binary_sensor_state_and_removal(session: HomeAssistantSession) -> None:
    config_topic = "homeassistant/binary_sensor/garden/config"
    (declaration,) = feed(session, config_topic, GARDEN).declarations  # type: ignore[attr-defined]
    assert (declaration.name, declaration.device_class) == ("01ad/garden", "motion")
    assert declaration.description == "Garden"  # name null: the device's name
    state_topic = "homeassistant/binary_sensor/garden/state"
    assert values(feed(session, state_topic, "ON")) == {"01ad/garden": 1}
    assert values(feed(session, state_topic, "OFF")) == {"01ad/garden": 0}
    assert feed(session, config_topic, "").declarations == []  # type: ignore[attr-defined]
    assert session.topics() == frozenset()
    with pytest.raises(DecodeError) as caught:
        feed(session, state_topic, "ON")
    assert caught.value.reason == "unexpected_topic"


def test_abbreviated_switch_with_topic_base(session: HomeAssistantSession) -> None:
    (declaration,) = feed(
        session, "homeassistant/switch/irrigation/config", IRRIGATION
    ).declarations  # type: ignore[attr-defined]
    assert (declaration.name, declaration.description) == ("switch/irrigation", "garden")
    assert session.topics() == {"homeassistant/switch/irrigation/state"}
    assert values(feed(session, "homeassistant/switch/irrigation/state", "ON")) == {
        "switch/irrigation": 1
    }


def test_tasmota_discovery_state_and_availability(session: HomeAssistantSession) -> None:
    config = feed(session, "homeassistant/sensor/218FF9_ENERGY_Total/config", TASMOTA_TOTAL)
    (declaration,) = config.declarations  # type: ignore[attr-defined]
    assert declaration.name == "218FF9/218FF9_ENERGY_Total"
    assert (declaration.unit, declaration.device_class) == ("kWh", "energy")
    assert declaration.description == "plug001 ENERGY Total"
    assert session.topics() == {"tele/plug001/SENSOR", "tele/plug001/LWT"}
    state = feed(session, "tele/plug001/SENSOR", TASMOTA_SENSOR)
    assert values(state) == {"218FF9/218FF9_ENERGY_Total": 3.705}
    offline = feed(session, "tele/plug001/LWT", "Offline")
    assert offline.presence == [Presence("218FF9", False)]  # type: ignore[attr-defined]
    assert feed(session, "tele/plug001/LWT", "Online").presence == [Presence("218FF9", True)]  # type: ignore[attr-defined]


def test_reconfiguring_an_entity_replaces_it(session: HomeAssistantSession) -> None:
    topic = "homeassistant/sensor/node1/power/config"
    feed(session, topic, '{"stat_t": "a/state", "unit_of_meas": "W"}')
    feed(session, topic, '{"stat_t": "b/state", "unit_of_meas": "kW"}')
    assert session.topics() == {"b/state"}
    assert values(feed(session, "b/state", "1.5")) == {"node1/power": 1.5}


def test_config_without_state_topic_yields_nothing(session: HomeAssistantSession) -> None:
    decoded = feed(session, "homeassistant/button/node1/restart/config", '{"cmd_t": "x/restart"}')
    assert decoded.declarations == [] and session.topics() == frozenset()  # type: ignore[attr-defined]


def test_entity_limit() -> None:
    session = HomeAssistantSession(max_entities=2)
    for index in range(2):
        feed(session, f"homeassistant/sensor/n/e{index}/config", f'{{"stat_t": "s/{index}"}}')
    with pytest.raises(DecodeError) as caught:
        feed(session, "homeassistant/sensor/n/e9/config", '{"stat_t": "s/9"}')
    assert caught.value.reason == "too_many_entities"


def test_non_numeric_state_is_skipped(session: HomeAssistantSession) -> None:
    feed(session, "homeassistant/sensor/n/mode/config", '{"stat_t": "n/mode"}')
    assert feed(session, "n/mode", "heating").readings == []  # type: ignore[attr-defined]


def test_stateless_format_reads_configs_but_not_state() -> None:
    fmt = get_format("homeassistant")
    sub = Subscription("#", "homeassistant", {})
    decoded = fmt.decode("homeassistant/sensor/sensorBedroomT/config", BEDROOM_T.encode(), sub, 0)
    assert [d.name for d in decoded.declarations] == ["bedroom01ae/sensorBedroomT"]
    assert reject("homeassistant", "homeassistant/sensor/sensorBedroom/state", "{}").reason == (
        "unexpected_topic"
    )


def test_custom_discovery_prefix(session: HomeAssistantSession) -> None:
    decoded = decode(
        "homeassistant",
        "ha/sensor/n/t/config",
        '{"stat_t": "n/t"}',
        fmt=session,
        discovery_prefix="ha",
    )
    assert [d.name for d in decoded.declarations] == ["n/t"]


@pytest.mark.parametrize(
    ("template", "payload", "rendered"),
    [
        ("{{ value }}", "21.5", "21.5"),
        ("{{value_json.temperature}}", '{"temperature": 23.2}', 23.2),
        ("{{ value_json['ENERGY']['Total'] }}", '{"ENERGY": {"Total": 3.7}}', 3.7),
        ('{{ value_json["a"].b[1] }}', '{"a": {"b": [1, 2]}}', 2),
        ("{{ value_json.t | float }}", '{"t": "21.25"}', 21.25),
        ("{{ value_json.t | float(0) }}", '{"t": "n/a"}', 0.0),
        ("{{ value_json.t | int }}", '{"t": 7.9}', 7),
        ("{{ value_json.t | round(1) }}", '{"t": 7.96}', 8.0),
        ("{{ value_json.missing }}", '{"t": 1}', None),
        (None, "ON", "ON"),
    ],
)
def test_supported_templates(template: str | None, payload: str, rendered: object) -> None:
    import json

    parsed = parse_template(template)
    data = json.loads(payload) if parsed.path is not None else None
    assert parsed.render(payload, data) == rendered


@pytest.mark.parametrize(
    "template",
    [
        "{{ value_json.t * 10 }}",
        "{{ states('sensor.x') }}",
        "{% if value == 'ON' %}1{% endif %}",
        "{{ value_json.t | default(0) }}",
        "{{ value_json[0 }}",
        "{{ value_json.t }} {{ value }}",
        "value_json.t",
    ],
)
def test_unsupported_templates_are_refused(template: str) -> None:
    config = '{"stat_t": "n/t", "val_tpl": ' + __import__("json").dumps(template) + "}"
    assert reject("homeassistant", "homeassistant/sensor/n/t/config", config).reason == (
        "unsupported_template"
    )


@pytest.mark.parametrize(
    ("payload", "reason"),
    [("[1]", "wrong_type"), ('{"stat_t": 5}', "wrong_type"), ("{", "invalid_json")],
)
def test_bad_configs(payload: str, reason: str) -> None:
    assert reject("homeassistant", "homeassistant/sensor/n/t/config", payload).reason == reason
