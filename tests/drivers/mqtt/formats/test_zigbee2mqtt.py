"""Zigbee2MQTT device state, availability and bridge state on documented and captured payloads."""

from __future__ import annotations

import pytest

from drivers.mqtt.formats.base import Presence
from tests.drivers.mqtt.formats.helpers import decode, ns, reject, timestamps, units, values

# Examples of https://www.zigbee2mqtt.io/guide/usage/mqtt_topics_and_messages.html
DOCS_TEMPERATURE = '{"temperature": 27.34, "humidity": 44.72}'  # Xiaomi WSDCGQ01LM
DOCS_ACTION = '{"action": "single"}'  # Xiaomi WXKG01LM
DOCS_OCCUPANCY = '{"occupancy": true}'  # Xiaomi RTCGQ01LM
DOCS_BULB = '{"state": "ON", "brightness": 215, "color_temp": 325}'  # IKEA LED1545G12
# Aqara QBKG12LM with ISO_8601_local last_seen, https://github.com/Koenkk/zigbee-herdsman-converters/issues/1020
AQARA_SWITCH = (
    '{"power":0,"consumption":0.32,"temperature":16,"linkquality":34,'
    '"last_seen":"2020-02-26T20:44:09+01:00","state_left":"OFF","state_right":"OFF"}'
)
# Zigbee2MQTT log, https://pastebin.com/nrimgPMf
PLUG_LOG = '{"state":"ON","linkquality":102,"last_seen":"2019-12-14T15:38:56.796Z"}'


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (DOCS_TEMPERATURE, {"temperature": 27.34, "humidity": 44.72}),
        (DOCS_ACTION, {}),
        (DOCS_OCCUPANCY, {"occupancy": True}),
        (DOCS_BULB, {"state": 1, "brightness": 215, "color_temp": 325}),
    ],
)
def test_docs_examples(payload: str, expected: dict[str, object]) -> None:
    decoded = decode("zigbee2mqtt", "zigbee2mqtt/0x00158d0001", payload)
    assert values(decoded) == {f"0x00158d0001/{key}": value for key, value in expected.items()}
    assert timestamps(decoded) <= {None}


def test_units_of_standard_exposes() -> None:
    decoded = decode("zigbee2mqtt", "zigbee2mqtt/bedroom_sensor", DOCS_TEMPERATURE)
    assert units(decoded) == {"bedroom_sensor/temperature": "°C", "bedroom_sensor/humidity": "%"}


def test_states_and_local_last_seen() -> None:
    decoded = decode("zigbee2mqtt", "zigbee2mqtt/kitchen/wall_switch", AQARA_SWITCH)
    assert values(decoded) == {
        "kitchen/wall_switch/power": 0,
        "kitchen/wall_switch/consumption": 0.32,
        "kitchen/wall_switch/temperature": 16,
        "kitchen/wall_switch/linkquality": 34,
        "kitchen/wall_switch/state_left": 0,
        "kitchen/wall_switch/state_right": 0,
    }
    assert timestamps(decoded) == {ns(2020, 2, 26, 19, 44, 9)}
    assert units(decoded)["kitchen/wall_switch/power"] == "W"


def test_utc_last_seen_with_milliseconds() -> None:
    decoded = decode("zigbee2mqtt", "zigbee2mqtt/0x00124b0006227235", PLUG_LOG)
    assert values(decoded) == {"0x00124b0006227235/state": 1, "0x00124b0006227235/linkquality": 102}
    assert timestamps(decoded) == {ns(2019, 12, 14, 15, 38, 56, micro=796_000)}


def test_epoch_last_seen_in_milliseconds() -> None:
    decoded = decode("zigbee2mqtt", "zigbee2mqtt/plug", '{"power": 5, "last_seen": 1576337936796}')
    assert timestamps(decoded) == {1_576_337_936_796_000_000}


@pytest.mark.parametrize(
    ("topic", "payload", "presence"),
    [
        ("zigbee2mqtt/bridge/state", "online", Presence("zigbee2mqtt", True)),
        ("zigbee2mqtt/bridge/state", '{"state":"offline"}', Presence("zigbee2mqtt", False)),
        ("zigbee2mqtt/hall/lamp/availability", '{"state":"online"}', Presence("hall/lamp", True)),
        ("zigbee2mqtt/0x00158d0001/availability", "offline", Presence("0x00158d0001", False)),
        ("zb/lamp/availability", "online", Presence("lamp", True)),
    ],
)
def test_availability_and_bridge_state(topic: str, payload: str, presence: Presence) -> None:
    options = {"base_topic": "zb"} if topic.startswith("zb/") else {}
    assert decode("zigbee2mqtt", topic, payload, **options).presence == [presence]


@pytest.mark.parametrize(
    "topic",
    [
        "zigbee2mqtt/bridge/devices",
        "zigbee2mqtt/bridge/info",
        "zigbee2mqtt/bridge/logging",
        "zigbee2mqtt/bridge/response/permit_join",
        "zigbee2mqtt/lamp/set",
        "zigbee2mqtt/lamp/set/state",
        "zigbee2mqtt/lamp/get",
    ],
)
def test_bridge_and_command_topics_are_ignored(topic: str) -> None:
    decoded = decode("zigbee2mqtt", topic, '[{"ieee_address": "0x00158d0001"}]')
    assert decoded.readings == decoded.presence == decoded.declarations == []


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        ("tele/pow1/SENSOR", "{}", "unexpected_topic"),
        ("zigbee2mqtt/", "{}", "unexpected_topic"),
        ("zigbee2mqtt/a//b", "{}", "unexpected_topic"),
        ("zigbee2mqtt/lamp", '"ON"', "wrong_type"),
        ("zigbee2mqtt/lamp", '{"state": ', "invalid_json"),
        ("zigbee2mqtt/lamp", '{"last_seen": "soon"}', "bad_timestamp"),
        ("zigbee2mqtt/lamp/availability", "maybe", "wrong_type"),
        ("zigbee2mqtt/bridge/state", '{"state": 1}', "wrong_type"),
    ],
)
def test_rejections(topic: str, payload: str, reason: str) -> None:
    assert reject("zigbee2mqtt", topic, payload).reason == reason
