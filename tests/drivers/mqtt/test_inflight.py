"""A live QoS 1 stream is not throttled to the broker's v3.1.1 in-flight window per commit.

Acks wait for the durable commit, so a broker window of unacknowledged messages caps what one
commit can hold. Mosquitto's ``max_inflight_messages`` (20 by default) applies to MQTT 3.1.1
clients; an MQTT 5 client announces its own Receive Maximum, which the driver sets to its inbox
bound. With the default settings the driver speaks MQTT 5, so a commit can take far more.
"""

from __future__ import annotations

import json
from pathlib import Path

from drivers.base import LinkState
from drivers.mqtt.config import MqttConfig
from drivers.mqtt.driver import MqttDriver
from tests.drivers.mqtt.conftest import (
    JsonTestFormat,
    Publisher,
    RecordingSink,
    format_lookup,
    mqtt_config,
    wait_until,
)
from tests.mosquitto import Mosquitto

BROKER_V311_WINDOW = 20
"""Mosquitto's default ``max_inflight_messages``."""
LIVE_MESSAGES = 200


def start_subscribed(
    broker: Mosquitto, config: MqttConfig, fmt: JsonTestFormat, sink: RecordingSink
) -> tuple[MqttDriver, Publisher]:
    """The driver, once its subscription is in place at the broker (ONLINE comes at CONNACK,
    before SUBACK: a message published in between would not be routed to it).

    A retained probe published beforehand arrives exactly once, after the subscription: it
    holds one slot of the in-flight window until released.
    """
    publisher = Publisher(broker)
    publisher.client.publish("plant/probe/data", json.dumps({"seq": 0}), qos=1, retain=True)
    wait_until(lambda: publisher.acked == 1, what="probe at the broker")
    driver = MqttDriver(config, format_lookup=format_lookup(fmt))
    driver.start(sink)
    wait_until(lambda: sink.good_values("probe/seq") == [0], what="subscription in place")
    return driver, publisher


def test_default_protocol_is_mqtt5(broker: Mosquitto, tmp_path: Path) -> None:
    config = mqtt_config(broker, tmp_path, JsonTestFormat())
    assert config.protocol == "5"
    assert MqttConfig.model_fields["protocol"].default == "5"


def test_live_stream_beyond_the_v311_window_arrives_before_any_commit(
    broker: Mosquitto, tmp_path: Path, test_format: JsonTestFormat
) -> None:
    """Nothing is made durable (no PUBACK at all) while 200 live messages arrive: with a
    20-message window the broker would stop after 20 and the wait below would fail."""
    config = mqtt_config(broker, tmp_path, test_format)  # default protocol and limits
    held = RecordingSink(auto_durable=False)
    driver, publisher = start_subscribed(broker, config, test_format, held)
    try:
        assert driver.status.state is LinkState.ONLINE
        for i in range(LIVE_MESSAGES):
            publisher.publish("plant/dev/data", json.dumps({"seq": i}))
        wait_until(
            lambda: len(held.good_values("dev/seq")) == LIVE_MESSAGES,
            what=f"{LIVE_MESSAGES} live messages before any commit",
        )
        assert driver.counters()["acked"] == 0
        assert sorted(held.good_values("dev/seq")) == list(range(LIVE_MESSAGES))
        assert LIVE_MESSAGES > BROKER_V311_WINDOW
        held.release()
        wait_until(lambda: driver.counters()["acked"] == LIVE_MESSAGES + 1, what="all acked")
    finally:
        publisher.close()
        driver.stop()


def test_v311_live_stream_is_held_at_the_broker_window(
    broker: Mosquitto, tmp_path: Path, test_format: JsonTestFormat
) -> None:
    """The limit this default avoids (and why README documents ``max_inflight_messages``):
    an MQTT 3.1.1 session gets 20 unacknowledged messages, the rest once those are acked."""
    config = mqtt_config(broker, tmp_path, test_format, protocol="3.1.1")
    held = RecordingSink(auto_durable=False)
    driver, publisher = start_subscribed(broker, config, test_format, held)
    window = BROKER_V311_WINDOW - 1  # the probe holds one slot
    try:
        for i in range(LIVE_MESSAGES):
            publisher.publish("plant/dev/data", json.dumps({"seq": i}))
        wait_until(lambda: publisher.acked == LIVE_MESSAGES + 1, what="all at the broker")
        wait_until(lambda: len(held.good_values("dev/seq")) >= window, what="window")
        assert len(held.good_values("dev/seq")) == window
        while len(held.good_values("dev/seq")) < LIVE_MESSAGES:  # each release frees the window
            held.release()
            wait_until(lambda: held.pending or len(held.good_values("dev/seq")) == LIVE_MESSAGES)
        assert sorted(held.good_values("dev/seq")) == list(range(LIVE_MESSAGES))
    finally:
        held.release()
        publisher.close()
        driver.stop()
