"""Writes: command payloads, confirmation by state message, refusal while offline."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.base import LinkState, WriteOutcome, WriteRequest
from drivers.mqtt.commands import render_payload, value_text, values_match
from drivers.mqtt.config import CommandConfig
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

POWER = CommandConfig(
    tag="plug1/POWER",
    topic="cmnd/plug1/POWER",
    value_map={"1": "ON", "0": "OFF"},
    confirm_tag="plug1/POWER",
    timeout_s=1.0,
)
SETPOINT = CommandConfig(tag="boiler/sp", topic="cmnd/boiler/sp", payload='{"sp": {value}}')


@pytest.mark.parametrize(
    ("command", "value", "payload"),
    [
        (POWER, True, "ON"),
        (POWER, 0, "OFF"),
        (POWER, 1.0, "ON"),
        (SETPOINT, 21.5, '{"sp": 21.5}'),
        (SETPOINT, 40.0, '{"sp": 40}'),
        (SETPOINT, -3, '{"sp": -3}'),
    ],
)
def test_render_payload(command: CommandConfig, value: Any, payload: str) -> None:
    assert render_payload(command, value)[0] == payload


@pytest.mark.parametrize("value", [2, 0.5, float("nan")])
def test_values_outside_the_map_or_not_finite_are_refused(value: float) -> None:
    with pytest.raises(ValueError, match=r"not allowed|not a finite"):
        render_payload(POWER, value)


@pytest.mark.parametrize(
    ("written", "mapped", "read_back", "match"),
    [
        (1, "ON", "ON", True),
        (True, "ON", " on ", True),
        (1, "ON", "OFF", False),
        (21.5, "21.5", 21.5, True),
        (21.5, "21.5", 21.4, False),
        (1, "ON", None, False),
        (1, "1", True, True),
    ],
)
def test_values_match(written: Any, mapped: str, read_back: object, match: bool) -> None:
    assert values_match(written, mapped, read_back) is match


@given(
    st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(2**60), 2**60) | st.booleans()
)
def test_value_text_round_trips(value: float | int | bool) -> None:
    assert float(value_text(value)) == float(value)


class PlugSimulator:
    """A Tasmota-like plug: answers ``cmnd/plug1/POWER`` on ``plant/plug1/RESULT``."""

    def __init__(self, broker: Mosquitto, answer: str | None) -> None:
        self.answer = answer
        self.commands: list[bytes] = []
        self.ready = threading.Event()
        self.device = Publisher(broker, client_id="plug1-sim")
        self.device.client.on_message = self._on_message
        self.device.client.on_subscribe = lambda *args: self.ready.set()
        self.device.client.subscribe("cmnd/plug1/#", qos=1)
        assert self.ready.wait(5)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self.commands.append(message.payload)
        state = self.answer if self.answer is not None else None
        if state == "echo":
            state = message.payload.decode()
        if state is not None:
            client.publish("plant/plug1/RESULT", json.dumps({"POWER": state}), qos=1)

    def close(self) -> None:
        self.device.close()


def _driver(broker: Mosquitto, tmp_path: Path, fmt: JsonTestFormat) -> MqttDriver:
    config = mqtt_config(broker, tmp_path, fmt, commands=[POWER.model_dump()])
    driver = MqttDriver(config, format_lookup=format_lookup(fmt))
    driver.start(RecordingSink())
    wait_until(lambda: driver.status.state is LinkState.ONLINE, what="driver online")
    return driver


@pytest.mark.parametrize(
    ("answer", "outcome", "detail"),
    [
        ("echo", WriteOutcome.CONFIRMED, "state confirmed"),
        ("OFF", WriteOutcome.UNCONFIRMED, "state did not match"),
        (None, WriteOutcome.UNCONFIRMED, "no state message"),
    ],
)
def test_write_is_confirmed_only_by_a_matching_state_message(
    broker: Mosquitto,
    tmp_path: Path,
    test_format: JsonTestFormat,
    answer: str | None,
    outcome: WriteOutcome,
    detail: str,
) -> None:
    plug = PlugSimulator(broker, answer)
    driver = _driver(broker, tmp_path, test_format)
    result = driver.write(WriteRequest("plug1/POWER", True, user="op1"))
    assert (result.outcome, result.detail.split(":")[0]) == (outcome, detail)
    assert plug.commands == [b"ON"]
    if outcome is WriteOutcome.CONFIRMED:
        assert result.read_back is True
    plug.close()
    driver.stop()


def test_write_fails_at_once_while_offline(
    broker: Mosquitto, tmp_path: Path, test_format: JsonTestFormat
) -> None:
    driver = _driver(broker, tmp_path, test_format)
    assert driver.write(WriteRequest("nope/tag", 1)).outcome is WriteOutcome.FAILED
    assert driver.write(WriteRequest("plug1/POWER", 5)).outcome is WriteOutcome.FAILED
    broker.kill()
    wait_until(lambda: driver.status.state is LinkState.OFFLINE, what="offline")
    started = time.monotonic()
    result = driver.write(WriteRequest("plug1/POWER", 1))
    assert result.outcome is WriteOutcome.FAILED and "not connected" in result.detail
    assert time.monotonic() - started < POWER.timeout_s
    driver.stop()


def test_an_unacknowledged_command_is_not_replayed_after_reconnect(
    broker: Mosquitto, tmp_path: Path, test_format: JsonTestFormat
) -> None:
    """The broker hangs (SIGSTOP) while a command is in flight, then dies and comes back."""
    plug = PlugSimulator(broker, "echo")
    driver = _driver(broker, tmp_path, test_format)
    broker.pause()
    result = driver.write(WriteRequest("plug1/POWER", 1))
    assert result.outcome is WriteOutcome.UNCONFIRMED
    broker.kill()
    broker.start()
    wait_until(lambda: driver.status.reconnects == 1, what="driver reconnected")
    wait_until(plug.device.connected.is_set, what="plug reconnected")
    confirmed = driver.write(WriteRequest("plug1/POWER", 0))
    assert confirmed.outcome is WriteOutcome.CONFIRMED
    assert plug.commands == [b"OFF"]  # the first command was dropped, not replayed
    plug.close()
    driver.stop()
