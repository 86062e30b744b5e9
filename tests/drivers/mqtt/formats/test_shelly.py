"""Shelly Gen1 topics and Gen2/Gen3 status on payloads from Shelly's docs and real devices."""

from __future__ import annotations

import pytest

from drivers.mqtt.formats.base import Presence
from drivers.mqtt.formats.shelly import gen2_unit
from tests.drivers.mqtt.formats.helpers import decode, ns, reject, timestamps, units, values

# Gen1 topics and payload forms: https://shelly-api-docs.shelly.cloud/gen1/#shelly1-shelly1pm-mqtt
# ("relay/0: on, off or overpower", "relay/0/power: instantaneous power in Watts",
#  "relay/0/energy: energy consumed in Watt-minute", "online: true/false"); the numbers are ours.

# Gen2 Plus 1PM capture (shellies/plus1pm prefix), from a public MQTT log in the code index:
PLUS1PM_SWITCH = (
    '{"id":0, "source":"init", "output":false, "apower":0.0, "voltage":232.7, "current":0.000,'
    ' "aenergy":{"total":0.000,"by_minute":[0.000,0.000,0.000],"minute_ts":1661517385},'
    '"temperature":{"tC":39.2, "tF":102.5}}'
)
# Pro 3EM / 1PM Gen4 NotifyStatus frames, eddie-energy/eddie
# aiida/docs/1-running/datasources/mqtt/shelly/shelly-data-source.md
# (fields as in https://shelly-api-docs.shelly.cloud/gen2/ComponentsAndServices/EM and .../EMData)
EM_EVENT = (
    '{"src":"shellypro3em-1234567890ab","dst":"aiida/x/events","method":"NotifyStatus",'
    '"params":{"ts":1757059829.08,"em:0":{"id":0,"a_act_power":0,"a_aprt_power":0,'
    '"a_current":0.027,"a_freq":198,"a_pf":1,"a_voltage":0,"b_act_power":0,"b_aprt_power":0,'
    '"b_current":0.027,"b_freq":160.7,"b_pf":1,"b_voltage":0,"c_act_power":-18,'
    '"c_aprt_power":108.7,"c_current":0.476,"c_freq":50,"c_pf":0.55,"c_voltage":228.3,'
    '"n_current":null,"total_act_power":-18.017,"total_aprt_power":108.708,'
    '"total_current":0.531}}}'
)
EMDATA_EVENT = (
    '{"src":"shellypro3em-1234567890ab","dst":"aiida/x/events","method":"NotifyStatus",'
    '"params":{"ts":1757060280.21,"emdata:0":{"id":0,"a_total_act_energy":0.06,'
    '"a_total_act_ret_energy":0,"b_total_act_energy":0.06,"b_total_act_ret_energy":0.01,'
    '"c_total_act_energy":26289.44,"c_total_act_ret_energy":131881.85,"total_act":26289.57,'
    '"total_act_ret":131881.86}}}'
)
# Shelly H&T Gen3 status topics, JHNUL/home-server-apps homeserver-common/messages.md
HT_TEMPERATURE = '{"id": 0,"tC":20.1, "tF":68.3}'
HT_HUMIDITY = '{"id": 0,"rh":57.0}'


@pytest.mark.parametrize(
    ("topic", "payload", "tag", "value", "unit"),
    [
        ("shellies/shelly1pm-609CA4/relay/0/power", "41.93", "relay[0].power", 41.93, "W"),
        ("shellies/shelly1pm-609CA4/relay/0/energy", "1234", "relay[0].energy", 1234 / 60, "Wh"),
        ("shellies/shelly1pm-609CA4/temperature", "44.38", "temperature", 44.38, "°C"),
        ("shellies/shellyem-B9F1/emeter/1/total", "84911.9", "emeter[1].total", 84911.9, "Wh"),
        ("shellies/shellyem-B9F1/emeter/1/energy", "60", "emeter[1].energy", 1.0, "Wh"),
        ("shellies/shellyem-B9F1/emeter/0/voltage", "231.45", "emeter[0].voltage", 231.45, "V"),
        ("shellies/shellyswitch25-1/input/1", "0", "input[1]", 0, ""),
    ],
)
def test_gen1_values_and_units(topic: str, payload: str, tag: str, value: float, unit: str) -> None:
    decoded = decode("shelly", topic, payload)
    device = topic.split("/")[1]
    assert values(decoded) == {f"{device}/{tag}": pytest.approx(value)}
    assert units(decoded) == ({f"{device}/{tag}": unit} if unit else {})
    assert timestamps(decoded) == {None}


@pytest.mark.parametrize(
    ("payload", "state", "overpower"), [("on", 1, 0), ("off", 0, 0), ("overpower", 0, 1)]
)
def test_gen1_relay_state(payload: str, state: int, overpower: int) -> None:
    decoded = decode("shelly", "shellies/shelly1pm-609CA4/relay/0", payload)
    assert values(decoded) == {
        "shelly1pm-609CA4/relay[0]": state,
        "shelly1pm-609CA4/relay[0].overpower": overpower,
    }


@pytest.mark.parametrize(
    ("topic", "payload", "presence"),
    [
        ("shellies/shellyswitch-559F55/online", "false", Presence("shellyswitch-559F55", False)),
        ("shellies/shelly1-XXXXXX/online", "true", Presence("shelly1-XXXXXX", True)),
        ("shellyplus1pm-4417939341dc/online", "true", Presence("shellyplus1pm-4417939341dc", True)),
    ],
)
def test_online_is_presence(topic: str, payload: str, presence: Presence) -> None:
    assert decode("shelly", topic, payload).presence == [presence]


def test_gen2_switch_status() -> None:
    decoded = decode("shelly", "shellies/plus1pm/status/switch:0", PLUS1PM_SWITCH)
    assert values(decoded) == {
        "plus1pm/switch:0.output": False,
        "plus1pm/switch:0.apower": 0.0,
        "plus1pm/switch:0.voltage": 232.7,
        "plus1pm/switch:0.current": 0.0,
        "plus1pm/switch:0.aenergy.total": 0.0,
        "plus1pm/switch:0.aenergy.by_minute[0]": 0.0,
        "plus1pm/switch:0.aenergy.by_minute[1]": 0.0,
        "plus1pm/switch:0.aenergy.by_minute[2]": 0.0,
        "plus1pm/switch:0.temperature.tC": 39.2,
        "plus1pm/switch:0.temperature.tF": 102.5,
    }
    found = units(decoded)
    assert found["plus1pm/switch:0.apower"] == "W"
    assert found["plus1pm/switch:0.aenergy.total"] == "Wh"
    assert found["plus1pm/switch:0.aenergy.by_minute[2]"] == "mWh"
    assert found["plus1pm/switch:0.temperature.tC"] == "°C"
    assert timestamps(decoded) == {None}


def test_gen2_em_notification_with_timestamp() -> None:
    decoded = decode("shelly", "aiida/meter7/events/rpc", EM_EVENT)
    found = values(decoded)
    assert found["meter7/em:0.c_act_power"] == -18
    assert found["meter7/em:0.c_voltage"] == 228.3
    assert found["meter7/em:0.total_act_power"] == -18.017
    assert found["meter7/em:0.total_current"] == 0.531
    assert "meter7/em:0.n_current" not in found  # null
    assert "meter7/em:0.id" not in found
    assert len(found) == 21
    declared = units(decoded)
    assert declared["meter7/em:0.a_act_power"] == "W"
    assert declared["meter7/em:0.c_aprt_power"] == "VA"
    assert declared["meter7/em:0.b_freq"] == "Hz"
    assert declared["meter7/em:0.total_current"] == "A"
    assert "meter7/em:0.a_pf" not in declared
    assert timestamps(decoded) == {1_757_059_829_080_000_000}


def test_gen2_emdata_totals_in_wh() -> None:
    decoded = decode("shelly", "aiida/meter7/events/rpc", EMDATA_EVENT)
    assert values(decoded) == {
        "meter7/emdata:0.a_total_act_energy": 0.06,
        "meter7/emdata:0.a_total_act_ret_energy": 0,
        "meter7/emdata:0.b_total_act_energy": 0.06,
        "meter7/emdata:0.b_total_act_ret_energy": 0.01,
        "meter7/emdata:0.c_total_act_energy": 26289.44,
        "meter7/emdata:0.c_total_act_ret_energy": 131881.85,
        "meter7/emdata:0.total_act": 26289.57,
        "meter7/emdata:0.total_act_ret": 131881.86,
    }
    assert set(units(decoded).values()) == {"Wh"}
    assert timestamps(decoded) == {ns(2025, 9, 5, 8, 18, 0, micro=210_000)}


def test_gen3_sensor_status_topics() -> None:
    temperature = decode("shelly", "shellyht-livingroom/status/temperature:0", HT_TEMPERATURE)
    humidity = decode("shelly", "shellyht-livingroom/status/humidity:0", HT_HUMIDITY)
    assert values(temperature) == {
        "shellyht-livingroom/temperature:0.tC": 20.1,
        "shellyht-livingroom/temperature:0.tF": 68.3,
    }
    assert units(humidity) == {"shellyht-livingroom/humidity:0.rh": "%"}


@pytest.mark.parametrize(
    ("key", "unit"),
    [("a_act_power", "W"), ("total_aprt_power", "VA"), ("n_current", "A"), ("c_pf", "")],
)
def test_gen2_phase_prefixed_units(key: str, unit: str) -> None:
    assert gen2_unit(key) == unit


@pytest.mark.parametrize(
    "topic",
    [
        "shellies/announce",
        "shellies/shelly1pm-609CA4/announce",
        "shellies/shelly1pm-609CA4/relay/0/command",
        "shellies/shelly1pm-609CA4/temperature_status",
        "shellyplus1pm-4417939341dc/rpc",
    ],
)
def test_non_telemetry_topics_are_ignored(topic: str) -> None:
    decoded = decode("shelly", topic, "Normal")
    assert decoded.readings == decoded.presence == []


def test_other_rpc_methods_are_ignored() -> None:
    frame = '{"src":"x","method":"NotifyEvent","params":{"ts":1.0,"events":[]}}'
    assert decode("shelly", "dev/events/rpc", frame).readings == []


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        ("shellies/shelly1pm-609CA4/relay/0/power", "high", "wrong_type"),
        ("shellies/shelly1pm-609CA4/relay/0", "maybe", "wrong_type"),
        ("shellies/shelly1pm-609CA4/online", "yes", "wrong_type"),
        ("shellies/plus1pm/status/switch:0", "[]", "wrong_type"),
        ("dev/events/rpc", '{"method":"NotifyStatus","params":[1]}', "wrong_type"),
        ("dev/events/rpc", '{"method":"NotifyStatus","params":{"ts":"x"}}', "bad_timestamp"),
        ("plant/boiler/temperature", "21.5", "unexpected_topic"),
    ],
)
def test_rejections(topic: str, payload: str, reason: str) -> None:
    assert reject("shelly", topic, payload).reason == reason
