"""Tasmota SENSOR / STATE / LWT on payloads published by real Tasmota devices and its docs."""

from __future__ import annotations

import pytest

from drivers.mqtt.formats.base import Presence
from tests.drivers.mqtt.formats.helpers import decode, ns, reject, timestamps, units, values

# Shelly 2.5 (two metering channels) on Tasmota, posted by Tasmota's author in
# https://github.com/arendst/Tasmota/issues/6160 (2019-09-14)
SHELLY25_SENSOR = (
    '{"Time":"2019-09-14T16:24:49","Switch1":"OFF","Switch2":"OFF","ANALOG":{"Temperature":52.5},'
    '"ENERGY":{"TotalStartTime":"2019-04-13T18:21:03","Total":3.262,"Yesterday":0.000,'
    '"Today":0.005,"Period":1.34,"Power":[23.63,67.17],"ApparentPower":[23.63,67.17],'
    '"ReactivePower":[0.00,0.00],"Factor":[1.00,1.00],"Voltage":229.3,"Current":[0.103,0.293]},'
    '"TempUnit":"C"}'
)
# Single-channel plug, https://blog.mylocalbytes.com/kb/2022-01-10/LB-PM-Power-Monitoring
PLUG_SENSOR = (
    '{"Time":"2022-01-11T21:57:38","ENERGY":{"TotalStartTime":"2020-10-21T22:15:00",'
    '"Total":3.705,"Yesterday":0.028,"Today":0.026,"Period":1,"Power":5,"ApparentPower":5,'
    '"ReactivePower":0,"Factor":1.00,"Voltage":233,"Current":0.021}}'
)
# Tasmota docs, "POW" StatusSNS (the SENSOR object), https://tasmota.github.io/docs/JSON-Status-Responses/
DOCS_POW_SENSOR = (
    '{"Time": "2018.02.04 23:17:01", "ENERGY": {"Total": 3.185, "Yesterday": 3.058,'
    ' "Today": 0.127, "Power": 0, "Factor": 0.00, "Voltage": 221, "Current": 0.000}}'
)
# Tasmota docs, SHT3X + DHT11 in Fahrenheit, https://tasmota.github.io/docs/JSON-Status-Responses/
DOCS_FAHRENHEIT_SENSOR = (
    '{"Time": "2018-02-07T20:16:19", "DHT11": {"Temperature": 78.8, "Humidity": 27.0},'
    ' "SHT3X": {"Temperature": 74.8, "Humidity": 18.9}, "TempUnit": "F"}'
)
# tele/tasmota_9CF9D1/STATE from a device log, https://pastebin.com/4izDrY6W
STATE = (
    '{"Time":"2024-02-24T22:20:38","Uptime":"0T00:10:11","UptimeSec":611,"Heap":24,'
    '"SleepMode":"Dynamic","Sleep":50,"LoadAvg":19,"MqttCount":1,"POWER":"OFF","Wifi":{"AP":1,'
    '"SSId":"ESP-Network","BSSId":"E6:8D:8C:4B:BE:F7","Channel":3,"Mode":"11n","RSSI":44,'
    '"Signal":-78,"LinkCount":1,"Downtime":"0T00:00:05"}}'
)
# Tasmota docs, StatusSTS (the STATE object), https://tasmota.github.io/docs/JSON-Status-Responses/
DOCS_STATE = (
    '{"Time": "2018.02.15 01:00:50", "Uptime": "1 02:33:26", "Vcc": 3.504, "POWER": "ON",'
    ' "Wifi": {"AP": 1, "SSId": "XXX", "RSSI": 100, "APMac": "34:31:C4:XX:XX:XX"}}'
)


def test_multi_channel_sensor_names_values_units_and_local_time() -> None:
    decoded = decode("tasmota", "tele/shelly25/SENSOR", SHELLY25_SENSOR, timezone="Europe/Berlin")
    assert values(decoded) == {
        "shelly25/Switch1": 0,
        "shelly25/Switch2": 0,
        "shelly25/ANALOG.Temperature": 52.5,
        "shelly25/ENERGY.Total": 3.262,
        "shelly25/ENERGY.Yesterday": 0.0,
        "shelly25/ENERGY.Today": 0.005,
        "shelly25/ENERGY.Period": 1.34,
        "shelly25/ENERGY.Power[0]": 23.63,
        "shelly25/ENERGY.Power[1]": 67.17,
        "shelly25/ENERGY.ApparentPower[0]": 23.63,
        "shelly25/ENERGY.ApparentPower[1]": 67.17,
        "shelly25/ENERGY.ReactivePower[0]": 0.0,
        "shelly25/ENERGY.ReactivePower[1]": 0.0,
        "shelly25/ENERGY.Factor[0]": 1.0,
        "shelly25/ENERGY.Factor[1]": 1.0,
        "shelly25/ENERGY.Voltage": 229.3,
        "shelly25/ENERGY.Current[0]": 0.103,
        "shelly25/ENERGY.Current[1]": 0.293,
    }
    found = units(decoded)
    assert found["shelly25/ENERGY.Power[1]"] == "W"
    assert found["shelly25/ENERGY.ApparentPower[0]"] == "VA"
    assert found["shelly25/ENERGY.ReactivePower[0]"] == "var"
    assert found["shelly25/ENERGY.Total"] == "kWh"
    assert found["shelly25/ENERGY.Voltage"] == "V"
    assert found["shelly25/ENERGY.Current[1]"] == "A"
    assert found["shelly25/ANALOG.Temperature"] == "°C"
    assert "shelly25/ENERGY.Factor[0]" not in found
    # 16:24:49 CEST (UTC+2) is 14:24:49 UTC
    assert timestamps(decoded) == {ns(2019, 9, 14, 14, 24, 49)} == {1_568_471_089_000_000_000}


def test_single_channel_sensor_in_utc_by_default() -> None:
    decoded = decode("tasmota", "tele/pow1/SENSOR", PLUG_SENSOR)
    assert values(decoded) == {
        "pow1/ENERGY.Total": 3.705,
        "pow1/ENERGY.Yesterday": 0.028,
        "pow1/ENERGY.Today": 0.026,
        "pow1/ENERGY.Period": 1,
        "pow1/ENERGY.Power": 5,
        "pow1/ENERGY.ApparentPower": 5,
        "pow1/ENERGY.ReactivePower": 0,
        "pow1/ENERGY.Factor": 1.0,
        "pow1/ENERGY.Voltage": 233,
        "pow1/ENERGY.Current": 0.021,
    }
    assert units(decoded)["pow1/ENERGY.Power"] == "W"
    assert timestamps(decoded) == {ns(2022, 1, 11, 21, 57, 38)}


def test_docs_sensor_with_tasmota5_time_format() -> None:
    decoded = decode("tasmota", "tele/sonoff/SENSOR", DOCS_POW_SENSOR, timezone="Europe/Paris")
    assert values(decoded)["sonoff/ENERGY.Total"] == 3.185
    assert values(decoded)["sonoff/ENERGY.Current"] == 0.0
    assert timestamps(decoded) == {ns(2018, 2, 4, 23, 17, 1, zone="Europe/Paris")}


def test_temp_unit_of_the_payload_is_declared() -> None:
    decoded = decode("tasmota", "tele/lab/SENSOR", DOCS_FAHRENHEIT_SENSOR)
    assert values(decoded) == {
        "lab/DHT11.Temperature": 78.8,
        "lab/DHT11.Humidity": 27.0,
        "lab/SHT3X.Temperature": 74.8,
        "lab/SHT3X.Humidity": 18.9,
    }
    assert units(decoded) == {
        "lab/DHT11.Temperature": "°F",
        "lab/DHT11.Humidity": "%",
        "lab/SHT3X.Temperature": "°F",
        "lab/SHT3X.Humidity": "%",
    }


def test_state_power_and_wifi() -> None:
    decoded = decode("tasmota", "tele/tasmota_9CF9D1/STATE", STATE)
    assert values(decoded) == {
        "tasmota_9CF9D1/UptimeSec": 611,
        "tasmota_9CF9D1/Heap": 24,
        "tasmota_9CF9D1/Sleep": 50,
        "tasmota_9CF9D1/LoadAvg": 19,
        "tasmota_9CF9D1/MqttCount": 1,
        "tasmota_9CF9D1/POWER": 0,
        "tasmota_9CF9D1/Wifi.AP": 1,
        "tasmota_9CF9D1/Wifi.Channel": 3,
        "tasmota_9CF9D1/Wifi.RSSI": 44,
        "tasmota_9CF9D1/Wifi.Signal": -78,
        "tasmota_9CF9D1/Wifi.LinkCount": 1,
    }
    assert units(decoded)["tasmota_9CF9D1/Wifi.Signal"] == "dBm"
    assert units(decoded)["tasmota_9CF9D1/UptimeSec"] == "s"
    assert timestamps(decoded) == {ns(2024, 2, 24, 22, 20, 38)}


def test_docs_state_power_on() -> None:
    decoded = decode("tasmota", "tele/sonoff/STATE", DOCS_STATE)
    assert values(decoded) == {
        "sonoff/Vcc": 3.504,
        "sonoff/POWER": 1,
        "sonoff/Wifi.AP": 1,
        "sonoff/Wifi.RSSI": 100,
    }


# LWT payloads: https://gist.github.com/grischard/1e3d51fe0c2a1b2cacece8b39db4ec83
# ("tele/tasmota_28AF0B/LWT = Online (retained)") and Tasmota's discovery pl_not_avail "Offline"
@pytest.mark.parametrize(("payload", "online"), [("Online", True), ("Offline", False)])
def test_lwt_is_presence(payload: str, online: bool) -> None:
    decoded = decode("tasmota", "tele/tasmota_28AF0B/LWT", payload)
    assert decoded.presence == [Presence("tasmota_28AF0B", online)]
    assert decoded.readings == []


@pytest.mark.parametrize(
    ("topic", "device"),
    [
        ("tele/pow1/SENSOR", "pow1"),  # %prefix%/%topic%/ (default FullTopic)
        ("tasmota/pow1/tele/SENSOR", "pow1"),  # tasmota/%topic%/%prefix%/
        ("home/sonoff/106/pow3/tele/SENSOR", "pow3"),
    ],
)
def test_full_topic_layouts(topic: str, device: str) -> None:
    assert f"{device}/ENERGY.Total" in values(decode("tasmota", topic, PLUG_SENSOR))


def test_device_level_option_overrides_detection() -> None:
    decoded = decode("tasmota", "site/a/pow9/SENSOR", PLUG_SENSOR, device_level=2)
    assert "pow9/ENERGY.Power" in values(decoded)


@pytest.mark.parametrize("kind", ["INFO1", "RESULT", "UPTIME", "HASS_STATE"])
def test_other_tasmota_messages_are_ignored(kind: str) -> None:
    decoded = decode("tasmota", f"tele/pow1/{kind}", '{"Module":"Sonoff Basic"}')
    assert decoded.readings == decoded.declarations == decoded.presence == []


@pytest.mark.parametrize(
    ("topic", "payload", "reason", "options"),
    [
        ("stat/pow1/POWER", "ON", "unexpected_topic", {}),
        ("pow1", "{}", "unexpected_topic", {}),
        ("tele/pow1/SENSOR", "[1, 2]", "wrong_type", {}),
        ("tele/pow1/SENSOR", '{"Time": 5}', "bad_timestamp", {}),
        ("tele/pow1/SENSOR", '{"Time": "yesterday"}', "bad_timestamp", {}),
        ("tele/pow1/LWT", "Rebooting", "wrong_type", {}),
        ("tele/pow1/SENSOR", PLUG_SENSOR, "invalid_option", {"timezone": "Mars/Olympus"}),
        ("tele/pow1/SENSOR", PLUG_SENSOR, "invalid_option", {"prefix": 3}),
    ],
)
def test_rejections(topic: str, payload: str, reason: str, options: dict[str, object]) -> None:
    assert reject("tasmota", topic, payload, **options).reason == reason


def test_time_with_offset_ignores_timezone_option() -> None:
    payload = '{"Time":"2024-02-24T22:20:38+01:00","UptimeSec":1}'
    decoded = decode("tasmota", "tele/x/STATE", payload, timezone="America/New_York")
    assert timestamps(decoded) == {ns(2024, 2, 24, 21, 20, 38)}


def test_missing_time_leaves_timestamp_to_the_pipeline() -> None:
    assert timestamps(decode("tasmota", "tele/x/SENSOR", '{"ENERGY":{"Power":3}}')) == {None}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # One path, two layouts: the unit follows the nearest key, not the path text.
        ('{"Sensor.Humidity": 40}', '{"Sensor": {"Humidity": 40}}'),
        ('{"Sensor": {"Humidity": 40}}', '{"Sensor.Humidity": 40}'),
        (
            '{"AM2301": {"Temperature": 20}, "TempUnit": "C"}',
            '{"AM2301": {"Temperature": 68}, "TempUnit": "F"}',
        ),
        ('{"ENERGY": {"Power": 5}}', '{"ENERGY": {"Power": 5, "Voltage": 230}}'),
    ],
)
def test_a_device_changing_its_layout_is_decoded_afresh(first: str, second: str) -> None:
    topic = "tele/layout1/SENSOR"
    fresh = decode("tasmota", "tele/layout2/SENSOR", second)
    decode("tasmota", topic, first)
    after_change = decode("tasmota", topic, second)
    assert values(after_change) == {
        k.replace("layout2", "layout1"): v for k, v in values(fresh).items()
    }
    assert units(after_change) == {
        k.replace("layout2", "layout1"): v for k, v in units(fresh).items()
    }


def test_repeated_messages_and_times_decode_the_same() -> None:
    first = decode("tasmota", "tele/pow1/SENSOR", PLUG_SENSOR)
    again = decode("tasmota", "tele/pow1/SENSOR", PLUG_SENSOR)
    assert again.readings == first.readings and again.declarations == first.declarations
    in_vienna = decode("tasmota", "tele/pow1/SENSOR", PLUG_SENSOR, timezone="Europe/Vienna")
    assert timestamps(in_vienna) == {ns(2022, 1, 11, 21, 57, 38, zone="Europe/Vienna")}
    assert timestamps(first) == {ns(2022, 1, 11, 21, 57, 38)}
