"""Property tests: any bytes or JSON on any topic gives a Decoded or a documented DecodeError."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.model import Reading
from drivers.base import TagDeclaration
from drivers.mqtt.formats import DECODE_REASONS, FORMAT_NAMES, get_format
from drivers.mqtt.formats.base import Decoded, DecodeError, PayloadFormat, Presence, Subscription
from drivers.mqtt.formats.homeassistant import HomeAssistantSession

FUZZ = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

KEYS = [
    "Time", "ENERGY", "Power", "Total", "TempUnit", "POWER", "Wifi", "state", "last_seen",
    "metrics", "metric", "name", "value", "unit", "ts", "timestamp", "device_id", "method",
    "params", "em:0", "switch:0", "aenergy", "stat_t", "state_topic", "val_tpl", "value_template",
    "avty_t", "availability", "~", "dev", "ids", "pl_on", "temperature", "a_act_power",
]  # fmt: skip
WORDS = [
    "ON", "OFF", "online", "offline", "true", "Online", "WARN", "ALERT", "OK", "NotifyStatus",
    "2024-05-14T09:30:00Z", "2019.09.14 16:24:49", "1700000000", "{{ value_json.a }}",
    "{{ value }}", "{{ value_json['ENERGY']['Total'] | float(0) }}", "tele/x/SENSOR", "~/state",
]  # fmt: skip
TOPICS = [
    "plant/dev1", "zerocraftr/telemetry/dev1", "og/field/site/type/dev1", "carbonseed/d/telemetry",
    "tele/dev1/SENSOR", "tele/dev1/STATE", "tele/dev1/LWT", "tele/dev1/INFO1",
    "shellies/dev1/relay/0", "shellies/dev1/relay/0/power", "shellies/dev1/relay/0/energy",
    "shellies/dev1/online", "dev1/status/switch:0", "dev1/events/rpc", "zigbee2mqtt/dev1",
    "zigbee2mqtt/bridge/state", "zigbee2mqtt/a/b/availability", "homeassistant/sensor/n/t/config",
    "homeassistant/switch/t/config", "x/state", "", "/", "a//b", "#",
]  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(WORDS)
    | st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=30,
)
json_payloads = json_values.map(lambda value: json.dumps(value, allow_nan=True).encode())
payloads = st.binary(max_size=300) | json_payloads | st.sampled_from([w.encode() for w in WORDS])
topics = st.sampled_from(TOPICS) | st.text(max_size=30)
options = st.dictionaries(
    st.sampled_from(
        [
            "timezone",
            "device",
            "device_level",
            "value",
            "fields",
            "timestamp",
            "timestamp_unit",
            "unit_key",
            "prefix",
            "base_topic",
            "discovery_prefix",
            "name",
            "unit",
        ]
    ),
    json_values,
    max_size=3,
)


def check(decoder: PayloadFormat, topic: str, payload: bytes, opts: dict[str, Any]) -> None:
    """Only a well-formed Decoded or a DecodeError with a documented reason may come out."""
    sub = Subscription(topic="#", format=decoder.name, options=opts)
    try:
        decoded = decoder.decode(topic, payload, sub, 0)
    except DecodeError as error:
        assert error.reason in DECODE_REASONS and error.reason
        assert isinstance(error.detail, str)
        return
    assert isinstance(decoded, Decoded)
    for reading in decoded.readings:
        assert isinstance(reading, Reading) and isinstance(reading.tag, str) and reading.tag
        assert isinstance(reading.value, bool | int | float)
        assert reading.ts_ns is None or (
            isinstance(reading.ts_ns, int) and -(2**63) <= reading.ts_ns < 2**63
        )
    assert all(isinstance(d, TagDeclaration) for d in decoded.declarations)
    assert all(isinstance(p, Presence) and isinstance(p.online, bool) for p in decoded.presence)


@pytest.mark.parametrize("name", FORMAT_NAMES)
@FUZZ
@given(topic=topics, payload=payloads)
def test_any_payload_on_any_topic(name: str, topic: str, payload: bytes) -> None:
    check(get_format(name), topic, payload, {})


@pytest.mark.parametrize("name", ["json", "tasmota", "zigbee2mqtt", "carbonseed", "homeassistant"])
@settings(FUZZ, max_examples=100)
@given(topic=topics, payload=json_payloads, opts=options)
def test_any_options(name: str, topic: str, payload: bytes, opts: dict[str, Any]) -> None:
    check(get_format(name), topic, payload, opts)


configs = st.fixed_dictionaries(
    {},
    optional={
        "stat_t": st.sampled_from(["x/state", "tele/x/SENSOR", "~/state"]) | json_values,
        "val_tpl": st.sampled_from(WORDS) | json_values,
        "~": st.sampled_from(["base", "x"]) | json_values,
        "avty_t": st.sampled_from(["x/avail", "x/state"]) | json_values,
        "availability": json_values,
        "dev": json_values,
        "pl_on": json_values,
        "unit_of_meas": json_values,
    },
).map(lambda config: json.dumps(config, allow_nan=True).encode())


@settings(FUZZ, max_examples=150)
@given(
    messages=st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "homeassistant/sensor/n/t/config",
                    "homeassistant/switch/t/config",
                    "x/state",
                    "tele/x/SENSOR",
                    "x/avail",
                    "base/state",
                ]
            ),
            configs | payloads | st.just(b""),
        ),
        max_size=8,
    )
)
def test_home_assistant_session_sequences(messages: list[tuple[str, bytes]]) -> None:
    session = HomeAssistantSession(max_entities=3)
    for topic, payload in messages:
        check(session, topic, payload, {})
        assert all(isinstance(topic, str) for topic in session.topics())
