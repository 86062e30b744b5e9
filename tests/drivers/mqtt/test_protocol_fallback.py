"""MQTT 5 by default, MQTT 3.1.1 when the broker has no 5 and the plant file did not ask for 5.

The demo's embedded broker without Mosquitto is amqtt 0.12, which speaks 3.1.1 only: it answers
an MQTT 5 CONNECT with CONNACK "unacceptable protocol version" (paho: reason code 0x84). Other
3.1.1-only brokers close the connection without a CONNACK; a small fake broker plays that.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest

from drivers.base import LinkState
from drivers.mqtt import negotiation
from drivers.mqtt.driver import MqttDriver
from drivers.simulator.embedded_broker import BrokerHandle, ensure_broker
from tests.conftest import free_port
from tests.drivers.mqtt.conftest import (
    JsonTestFormat,
    Publisher,
    RecordingSink,
    format_lookup,
    mqtt_config,
    wait_until,
)
from tests.mosquitto import Mosquitto

NEGOTIATION_LOGGER = "drivers.mqtt.negotiation"


def protocol_when_online(config: Any, test_format: JsonTestFormat) -> str:
    """Start a driver of ``config``, wait until it is online; the protocol it shows then."""
    driver = MqttDriver(config, format_lookup=format_lookup(test_format))
    driver.start(RecordingSink())
    try:
        wait_until(lambda: driver.status.state is LinkState.ONLINE, what="driver online")
        return driver.status.protocol
    finally:
        driver.stop()


@pytest.fixture
def amqtt_broker() -> Iterator[BrokerHandle]:
    """The demo's pure-Python broker (what runs when Mosquitto is not installed)."""
    handle = ensure_broker("127.0.0.1", free_port(), use_mosquitto=False)
    assert handle is not None and handle.kind == "amqtt"
    try:
        yield handle
    finally:
        handle.stop()


class CountingDriver(MqttDriver):
    """An MqttDriver counting its connection attempts (``on_pre_connect``)."""

    attempts = 0

    def _on_pre_connect(self, client: mqtt.Client, userdata: Any) -> None:
        self.attempts += 1
        super()._on_pre_connect(client, userdata)


def _fallback_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.name == NEGOTIATION_LOGGER and r.levelno == logging.WARNING
    ]


def test_default_config_falls_back_to_311_on_amqtt_and_stores_messages(
    amqtt_broker: BrokerHandle,
    tmp_path: Path,
    test_format: JsonTestFormat,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger=NEGOTIATION_LOGGER)
    config = mqtt_config(amqtt_broker, tmp_path, test_format)  # type: ignore[arg-type]
    assert config.protocol == "5" and "protocol" not in config.model_fields_set
    sink = RecordingSink()
    driver = MqttDriver(config, format_lookup=format_lookup(test_format))
    driver.start(sink)
    publisher = Publisher(amqtt_broker)  # type: ignore[arg-type]
    try:
        wait_until(lambda: driver.status.state is LinkState.ONLINE, what="driver online")
        assert driver.status.protocol == "3.1.1"
        assert driver.status.as_dict()["protocol"] == "3.1.1"
        for i in range(30):
            publisher.publish("plant/dev/data", json.dumps({"seq": i}))
        wait_until(lambda: len(sink.good_values("dev/seq")) == 30, what="30 messages stored")
        assert sorted(sink.good_values("dev/seq")) == list(range(30))
        wait_until(lambda: driver.counters()["acked"] == 30, what="all acked")
    finally:
        publisher.close()
        driver.stop()
    warnings = _fallback_warnings(caplog)
    assert len(warnings) == 1
    assert "MQTT 3.1.1" in warnings[0].getMessage()
    assert "max_inflight_messages" in warnings[0].getMessage()


def test_explicit_mqtt5_is_refused_by_amqtt_and_does_not_fall_back(
    amqtt_broker: BrokerHandle,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    test_format: JsonTestFormat,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """amqtt leaves the driver's MQTT 5 CONNECT (with properties) unanswered."""
    caplog.set_level(logging.WARNING, logger=NEGOTIATION_LOGGER)
    monkeypatch.setattr(negotiation, "CONNACK_TIMEOUT_S", 0.5)
    config = mqtt_config(amqtt_broker, tmp_path, test_format, protocol="5")  # type: ignore[arg-type]
    driver = CountingDriver(config, format_lookup=format_lookup(test_format))
    driver.start(RecordingSink())
    try:
        wait_until(lambda: driver.attempts >= 3, what="three attempts")
        assert driver.status.state is LinkState.OFFLINE
        assert "did not answer the MQTT 5 CONNECT" in driver.status.last_error
        assert 'protocol = "3.1.1"' in driver.status.last_error
        assert driver.status.protocol == ""
        assert driver._client is not None and driver._client.protocol == mqtt.MQTTv5
    finally:
        driver.stop()
    assert _fallback_warnings(caplog) == []


def test_default_config_negotiates_mqtt5_with_mosquitto(
    broker: Mosquitto,
    tmp_path: Path,
    test_format: JsonTestFormat,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger=NEGOTIATION_LOGGER)
    config = mqtt_config(broker, tmp_path, test_format)
    assert protocol_when_online(config, test_format) == "5"
    assert _fallback_warnings(caplog) == []


def test_explicit_311_is_shown_as_such(
    broker: Mosquitto, tmp_path: Path, test_format: JsonTestFormat
) -> None:
    config = mqtt_config(broker, tmp_path, test_format, protocol="3.1.1")
    assert protocol_when_online(config, test_format) == "3.1.1"


class Only311Broker:
    """A fake broker without MQTT 5; what it does with a CONNECT depends on its level.

    ``on_v5`` / ``on_v4``: ``"close"`` the socket, ``"refuse"`` with the 3.1.1 CONNACK
    "unacceptable protocol version" (what amqtt sends), ``"silent"`` (read, never answer) or
    ``"accept"`` (CONNACK accepted, then only read: enough for the driver to be online).
    It records the protocol level of every CONNECT.
    """

    def __init__(self, on_v5: str = "close", on_v4: str = "accept") -> None:
        self.host = "127.0.0.1"
        self._server = socket.create_server((self.host, 0))
        self._server.settimeout(0.05)  # accept() wakes up to see close()
        self._closed = threading.Event()
        self.port = int(self._server.getsockname()[1])
        self._modes = {5: on_v5, 4: on_v4}
        self.levels: list[int] = []
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._server.accept()
                conn.settimeout(5)
                level = _connect_level(conn)
            except TimeoutError:
                continue
            except OSError:
                return
            self.levels.append(level)
            mode = self._modes.get(level, "close")
            if mode in ("accept", "refuse"):
                conn.sendall(bytes([0x20, 2, 0, 0 if mode == "accept" else 1]))
            if mode in ("accept", "silent"):
                self._open.append(conn)
            else:
                conn.close()

    def close(self) -> None:
        self._closed.set()
        self._thread.join(5)
        self._server.close()
        for conn in self._open:
            conn.close()


def _connect_level(conn: socket.socket) -> int:
    """The protocol level byte of the CONNECT packet read from ``conn`` (-1: none)."""
    data = b""
    while len(data) < 16:
        chunk = conn.recv(16 - len(data))
        if not chunk:
            return -1
        data += chunk
    pos = 1
    while data[pos] & 0x80:  # remaining length varint
        pos += 1
    return data[pos + 1 + 6]  # after the length: 0x00 0x04 "MQTT", then the level


@pytest.fixture
def fake_broker(request: pytest.FixtureRequest) -> Iterator[Only311Broker]:
    fake = Only311Broker(*getattr(request, "param", ("close", "accept")))
    try:
        yield fake
    finally:
        fake.close()


@pytest.mark.parametrize("fake_broker", [("close", "accept"), ("refuse", "accept")], indirect=True)
def test_default_config_falls_back_when_a_broker_closes_or_refuses_mqtt5(
    fake_broker: Only311Broker,
    tmp_path: Path,
    test_format: JsonTestFormat,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger=NEGOTIATION_LOGGER)
    config = mqtt_config(fake_broker, tmp_path, test_format)  # type: ignore[arg-type]
    assert protocol_when_online(config, test_format) == "3.1.1"
    assert fake_broker.levels == [5, 4]
    assert len(_fallback_warnings(caplog)) == 1


@pytest.mark.parametrize(
    ("fake_broker", "shown"),
    [
        (("close", "accept"), "closed the connection before CONNACK"),
        (("refuse", "accept"), "Unsupported protocol version"),
    ],
    indirect=["fake_broker"],
)
def test_explicit_mqtt5_reports_the_refusal(
    fake_broker: Only311Broker, shown: str, tmp_path: Path, test_format: JsonTestFormat
) -> None:
    config = mqtt_config(fake_broker, tmp_path, test_format, protocol="5")  # type: ignore[arg-type]
    driver = CountingDriver(config, format_lookup=format_lookup(test_format))
    driver.start(RecordingSink())
    try:
        wait_until(lambda: len(fake_broker.levels) >= 2, what="two CONNECTs")
        wait_until(lambda: driver.status.state is LinkState.OFFLINE, what="offline")
        assert shown in driver.status.last_error
    finally:
        driver.stop()
    assert set(fake_broker.levels) == {5}


@pytest.mark.parametrize("fake_broker", [("silent", "silent")], indirect=True)
def test_a_broker_answering_nothing_is_not_taken_for_an_old_one(
    fake_broker: Only311Broker,
    tmp_path: Path,
    test_format: JsonTestFormat,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A hung broker: 3.1.1 is tried once, unanswered too, so the next attempt is MQTT 5."""
    caplog.set_level(logging.WARNING, logger=NEGOTIATION_LOGGER)
    monkeypatch.setattr(negotiation, "CONNACK_TIMEOUT_S", 0.3)
    config = mqtt_config(fake_broker, tmp_path, test_format)  # type: ignore[arg-type]
    driver = MqttDriver(config, format_lookup=format_lookup(test_format))
    driver.start(RecordingSink())
    try:
        wait_until(lambda: len(fake_broker.levels) >= 3, what="three CONNECTs")
        assert "did not answer" in driver.status.last_error
    finally:
        driver.stop()
    assert fake_broker.levels[:3] == [5, 4, 5]
    assert _fallback_warnings(caplog) == []
