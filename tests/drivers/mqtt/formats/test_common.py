"""Shared decoding rules: payload limits, encodings, nesting, timestamps and the registry."""

from __future__ import annotations

import pytest

from drivers.mqtt.formats import DECODE_REASONS, FORMAT_NAMES, get_format, new_decoder
from drivers.mqtt.formats._common import MAX_DEPTH, STATE_WORDS, flatten
from drivers.mqtt.formats._timestamps import timestamp_ns
from drivers.mqtt.formats.base import MAX_PAYLOAD_BYTES, DecodeError
from drivers.mqtt.formats.homeassistant import HomeAssistantSession
from tests.drivers.mqtt.formats.helpers import reject

JSON_TOPICS = {
    "json": "plant/dev1",
    "zerocraftr": "zerocraftr/telemetry/dev1",
    "og-field": "og/field/site/type/dev1",
    "carbonseed": "carbonseed/dev1/telemetry",
    "tasmota": "tele/dev1/SENSOR",
    "shelly": "shellies/plus1pm/status/switch:0",
    "zigbee2mqtt": "zigbee2mqtt/dev1",
    "homeassistant": "homeassistant/sensor/dev1/t/config",
}


def test_registry_lists_every_format_in_config_order() -> None:
    assert FORMAT_NAMES == (
        "json",
        "zerocraftr",
        "og-field",
        "carbonseed",
        "tasmota",
        "shelly",
        "zigbee2mqtt",
        "homeassistant",
    )
    for name in FORMAT_NAMES:
        assert get_format(name).name == name


def test_unknown_format_names_the_known_ones() -> None:
    with pytest.raises(KeyError) as caught:
        get_format("sparkplug")
    message = str(caught.value)
    assert "sparkplug" in message and all(name in message for name in FORMAT_NAMES)


def test_new_decoder_gives_sessions_only_to_stateful_formats() -> None:
    first, second = new_decoder("homeassistant"), new_decoder("homeassistant")
    assert isinstance(first, HomeAssistantSession) and first is not second
    assert new_decoder("tasmota") is get_format("tasmota")
    assert getattr(get_format("tasmota"), "new_session", None) is None


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_too_large_payloads(name: str) -> None:
    payload = b" " * (MAX_PAYLOAD_BYTES + 1)
    assert reject(name, JSON_TOPICS[name], payload).reason == "too_large"


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_invalid_utf8(name: str) -> None:
    assert reject(name, JSON_TOPICS[name], b'{"a": "\xff\xfe"}').reason == "invalid_encoding"


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_invalid_json(name: str) -> None:
    assert reject(name, JSON_TOPICS[name], b'{"a": 1,').reason == "invalid_json"


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_json_that_is_not_an_object(name: str) -> None:
    payload = b"[1, 2]" if name != "json" else b'"text"'
    assert reject(name, JSON_TOPICS[name], payload).reason == "wrong_type"


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5000])
@pytest.mark.parametrize("name", ["json", "tasmota", "zigbee2mqtt", "shelly"])
def test_deep_nesting(name: str, depth: int) -> None:
    payload = '{"a":' * depth + "1" + "}" * depth
    assert reject(name, JSON_TOPICS[name], payload).reason == "too_deep"


def test_digit_limit_is_invalid_json() -> None:
    assert reject("json", "a/b", "1" * 5000).reason == "invalid_json"


def test_state_words() -> None:
    assert STATE_WORDS["ON"] == STATE_WORDS["online"] == STATE_WORDS["True"] == 1
    assert STATE_WORDS["off"] == STATE_WORDS["OFFLINE"] == STATE_WORDS["false"] == 0
    assert "Normal" not in STATE_WORDS


def test_flatten_paths_keys_and_skips() -> None:
    leaves = flatten(
        {"Time": "x", "A": {"B": [1, {"C": True}], "D": "ON", "E": "idle", "F": None}},
        [],
        skip=frozenset({"Time"}),
    )
    assert leaves == [("A.B[0]", "B", 1), ("A.B[1].C", "C", True), ("A.D", "D", 1)]
    assert flatten({"D": "ON"}, [], states=None) == []


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (0, "s", 0),
        (-1, "s", -1_000_000_000),
        (1.25, "s", 1_250_000_000),
        ("2024-02-29T23:59:59.999999+00:00", "auto", 1_709_251_199_999_999_000),
        ("2024-02-29T23:59:59Z", "iso", 1_709_251_199_000_000_000),
        ("1709251199", "auto", 1_709_251_199_000_000_000),
        (1_709_251_199_999, "auto", 1_709_251_199_999_000_000),
    ],
)
def test_timestamps(value: object, unit: str, expected: int) -> None:
    assert timestamp_ns(value, unit) == expected


@pytest.mark.parametrize(
    ("value", "unit"),
    [
        (float("nan"), "auto"),
        (float("inf"), "s"),
        (10**30, "s"),
        (1e300, "ms"),
        (True, "auto"),
        (None, "auto"),
        ([1], "auto"),
        ("tomorrow", "auto"),
        ("1709251199", "iso"),
        (1709251199, "iso"),
        ("0001-01-01T00:00:00+14:00", "auto"),
        ("9999-12-31T23:59:59-14:00", "auto"),
    ],
)
def test_bad_timestamps(value: object, unit: str) -> None:
    with pytest.raises(DecodeError) as caught:
        timestamp_ns(value, unit)
    assert caught.value.reason == "bad_timestamp"


def test_reasons_are_documented() -> None:
    assert {
        "too_large",
        "invalid_encoding",
        "invalid_json",
        "wrong_type",
        "unexpected_topic",
    } <= DECODE_REASONS
