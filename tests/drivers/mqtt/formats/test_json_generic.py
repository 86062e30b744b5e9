"""The generic ``json`` format: field mapping options, flattening, timestamps and rejections."""

from __future__ import annotations

import pytest

from drivers.mqtt.formats._paths import parse_path
from drivers.mqtt.formats.base import DecodeError
from tests.drivers.mqtt.formats.helpers import decode, ns, reject, timestamps, units, values

# ESP32 BME280 node, WangZhiYao/HomeSensor Sensor/ESP32_GY-302_BME280/README.md (epoch seconds)
HOMESENSOR = (
    '{"sensorId": "1c87c3182ec8", "type": "thp", "timestamp": 1720708139, "data": '
    '{"temperature": 29.05999947, "pressure": 993.9020386, "humidity": 35.59570313}}'
)
# MTConnect MQTT JSON ingress v2, https://github.com/mtconnect/cppagent/wiki/MQTT-JSON-Ingress-Protocol-Version-2.0
MTCONNECT = (
    '{"timestamp": "2023-11-06T12:12:44Z", "tempId": 22.6, "positionId": 1002.345,'
    ' "executionId": "ACTIVE"}'
)


def test_flatten_without_mapping_and_auto_timestamp() -> None:
    decoded = decode("json", "home/balcony", HOMESENSOR)
    assert values(decoded) == {
        "balcony/data.temperature": 29.05999947,
        "balcony/data.pressure": 993.9020386,
        "balcony/data.humidity": 35.59570313,
    }
    assert timestamps(decoded) == {1_720_708_139_000_000_000}


def test_iso_timestamp_and_skipped_strings() -> None:
    decoded = decode("json", "mtc/mill1", MTCONNECT)
    assert values(decoded) == {"mill1/tempId": 22.6, "mill1/positionId": 1002.345}
    assert timestamps(decoded) == {ns(2023, 11, 6, 12, 12, 44)}


def test_single_value_with_name_unit_and_device_level() -> None:
    decoded = decode(
        "json", "home/balcony/env", HOMESENSOR, value="data.temperature", name="temp", unit="°C",
        device_level=1,
    )  # fmt: skip
    assert values(decoded) == {"balcony/temp": 29.05999947}
    assert units(decoded) == {"balcony/temp": "°C"}


def test_fields_table_with_paths_indices_and_units() -> None:
    payload = (
        '{"t": "2024-05-14T09:30:00.250+02:00", "m": {"v": [10.5, 20.5]}, "u": "bar", "on": "OFF"}'
    )
    decoded = decode(
        "json", "x", payload, device="press7", timestamp="t", unit_key="u",
        fields={"p1": "m.v[0]", "p2": {"path": "m.v[1]", "unit": "kPa"}, "run": "on", "gone": "z"},
    )  # fmt: skip
    assert values(decoded) == {"press7/p1": 10.5, "press7/p2": 20.5, "press7/run": 0}
    assert units(decoded) == {"press7/p1": "bar", "press7/p2": "kPa", "press7/run": "bar"}
    assert timestamps(decoded) == {ns(2024, 5, 14, 7, 30, 0, micro=250_000)}


@pytest.mark.parametrize(
    ("stamp", "unit", "expected"),
    [
        ("1700000000", "auto", 1_700_000_000_000_000_000),
        ("1700000000123", "auto", 1_700_000_000_123_000_000),
        ("1700000000123456", "auto", 1_700_000_000_123_456_000),
        ("1700000000123456789", "auto", 1_700_000_000_123_456_789),
        ("1700000000.5", "auto", 1_700_000_000_500_000_000),
        ("1700000000", "ms", 1_700_000_000_000_000),
        ('"2024-05-14 09:30:00"', "iso", ns(2024, 5, 14, 9, 30, 0)),
        ('"1700000000"', "s", 1_700_000_000_000_000_000),
    ],
)
def test_timestamp_units(stamp: str, unit: str, expected: int) -> None:
    decoded = decode(
        "json", "a/b", f'{{"at": {stamp}, "v": 1}}', timestamp="at", timestamp_unit=unit
    )
    assert values(decoded) == {"b/v": 1}  # the timestamp is not a reading
    assert timestamps(decoded) == {expected}


def test_only_the_timestamp_leaf_is_left_out() -> None:
    decoded = decode("json", "a/b", '{"ts": 1700000000, "cycle": {"ts": 42}}')
    assert values(decoded) == {"b/cycle.ts": 42}


def test_naive_iso_timestamp_in_configured_zone() -> None:
    payload = '{"ts": "2024-01-15T08:00:00", "v": 1}'
    decoded = decode("json", "a/b", payload, timezone="America/New_York")
    assert timestamps(decoded) == {ns(2024, 1, 15, 13, 0, 0)}


def test_bare_values_and_top_level_arrays() -> None:
    assert values(decode("json", "sensors/boiler1/temp", "21.5", device_level=1)) == {
        "boiler1/value": 21.5
    }
    assert values(decode("json", "s/pump", '"ON"')) == {"pump/value": 1}
    assert values(decode("json", "s/arr", "[1, [2, 3]]")) == {
        "arr/[0]": 1,
        "arr/[1][0]": 2,
        "arr/[1][1]": 3,
    }


def test_non_finite_numbers_are_passed_on_as_floats() -> None:
    found = values(decode("json", "a/b", '{"x": NaN, "y": Infinity, "z": -Infinity}'))
    assert found["b/x"] != found["b/x"]  # NaN
    assert (found["b/y"], found["b/z"]) == (float("inf"), float("-inf"))


def test_integers_beyond_int64_become_floats() -> None:
    assert values(decode("json", "a/b", '{"x": 123456789012345678901234567890}')) == {
        "b/x": 1.2345678901234568e29
    }


@pytest.mark.parametrize(
    ("payload", "options", "reason"),
    [
        ('"warm"', {}, "wrong_type"),
        ("null", {}, "wrong_type"),
        ('{"a": {"t": "warm"}}', {"value": "a.t"}, "wrong_type"),
        ("5", {"value": "a.t"}, "wrong_type"),
        ('{"ts": "noon"}', {}, "bad_timestamp"),
        ('{"ts": true}', {}, "bad_timestamp"),
        ('{"ts": 1e30}', {}, "bad_timestamp"),
        ("{}", {"value": "a..b"}, "invalid_option"),
        ("{}", {"value": "a", "fields": {"b": "c"}}, "invalid_option"),
        ("{}", {"fields": {"b": 3}}, "invalid_option"),
        ("{}", {"device_level": "1"}, "invalid_option"),
        ("{}", {"device_level": True}, "invalid_option"),
        ("{}", {"timestamp_unit": "fortnights"}, "invalid_option"),
        ("{}", {"device_level": 7}, "unexpected_topic"),
    ],
)
def test_rejections(payload: str, options: dict[str, object], reason: str) -> None:
    assert reject("json", "a/b", payload, **options).reason == reason


@pytest.mark.parametrize(
    ("text", "path"),
    [("a", ("a",)), ("a.b[2].c", ("a", "b", 2, "c")), ("[0][1]", (0, 1)), ("x[10]", ("x", 10))],
)
def test_key_paths(text: str, path: tuple[object, ...]) -> None:
    assert parse_path(text) == path


@pytest.mark.parametrize("text", ["", ".", "a.", "a..b", "a[", "a[x]", "a[1]b", "a.[0]", "a[²]"])
def test_malformed_key_paths(text: str) -> None:
    with pytest.raises(DecodeError) as caught:
        parse_path(text)
    assert caught.value.reason == "invalid_option"
