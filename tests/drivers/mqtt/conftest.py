"""Shared pieces of the MQTT driver tests: a real broker, a recording sink, a test format.

The payload format used here is defined in test code (``testjson``) so these tests do not depend
on the production decoders in ``drivers/mqtt/formats``; it follows the same interface.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from core.model import Quality, QuarantineRecord, Reading
from drivers.base import TagDeclaration
from drivers.mqtt.config import MqttConfig, parse_mqtt_sections
from drivers.mqtt.formats.base import Decoded, DecodeError, PayloadFormat, Presence, Subscription
from tests.mosquitto import Mosquitto

WAIT_S = 20.0


class JsonTestFormat:
    """``plant/<device>/...`` JSON objects; ``<prefix>/<device>/LWT`` Online/Offline presence.

    Numeric, boolean and string values become readings ``<device>/<key>``; the first message of
    a tag also declares it. The payload ``"boom"`` raises an unexpected error on purpose.
    """

    name = "testjson"

    def __init__(self) -> None:
        self.sessions = 0

    def new_session(self) -> JsonTestFormat:
        self.sessions += 1
        return self

    def decode(self, topic: str, payload: bytes, sub: Subscription, received_ns: int) -> Decoded:
        levels = topic.split("/")
        device = levels[1] if len(levels) > 1 else "unknown"
        if levels[-1] == "LWT":
            return Decoded(presence=[Presence(device, payload.strip() == b"Online")])
        if payload == b'"boom"':
            raise RuntimeError("decoder bug")
        try:
            data = json.loads(payload)
        except (UnicodeDecodeError, ValueError) as exc:
            raise DecodeError("invalid_json", str(exc)) from None
        if not isinstance(data, dict):
            raise DecodeError("wrong_type", f"expected an object, got {type(data).__name__}")
        unit = str(sub.options.get("unit", ""))
        readings = [
            Reading(f"{device}/{key}", value, None)
            for key, value in data.items()
            if isinstance(value, int | float | str)
        ]
        declarations = [TagDeclaration(r.tag, unit=unit, device=device) for r in readings]
        return Decoded(readings=readings, declarations=declarations)


def format_lookup(fmt: PayloadFormat) -> Callable[[str], PayloadFormat]:
    """A lookup that knows only ``fmt``."""
    formats = {fmt.name: fmt}
    return formats.__getitem__


class RecordingSink:
    """A DriverSink that records everything; durability is immediate or released on demand."""

    def __init__(self, *, auto_durable: bool = True) -> None:
        self.lock = threading.Lock()
        self.auto_durable = auto_durable
        self.refuse = False
        self.batches: list[tuple[list[Reading], bool]] = []
        self.pending: list[Callable[[], None]] = []
        self.rejected: list[QuarantineRecord] = []
        self.declared: list[TagDeclaration] = []
        self.sources: set[str] = set()
        self.refused_emits = 0

    def emit(
        self,
        readings: Sequence[Reading],
        *,
        source: str,
        on_durable: Callable[[], None] | None = None,
    ) -> bool:
        with self.lock:
            if self.refuse:
                self.refused_emits += 1
                return False
            self.sources.add(source)
            self.batches.append((list(readings), self.auto_durable))
            if on_durable is not None and not self.auto_durable:
                self.pending.append(on_durable)
        if on_durable is not None and self.auto_durable:
            on_durable()
        return True

    def reject(self, record: QuarantineRecord) -> None:
        with self.lock:
            self.rejected.append(record)

    def declare(self, tags: Sequence[TagDeclaration]) -> None:
        with self.lock:
            self.declared.extend(tags)

    def release(self) -> int:
        """Report every held batch durable (sends the PUBACKs)."""
        with self.lock:
            pending, self.pending = self.pending, []
        for callback in pending:
            callback()
        return len(pending)

    def readings(self, *, durable_only: bool = False) -> list[Reading]:
        with self.lock:
            return [
                r for batch, durable in self.batches if durable or not durable_only for r in batch
            ]

    def good_values(self, tag: str, *, durable_only: bool = False) -> list[Any]:
        return [
            r.value
            for r in self.readings(durable_only=durable_only)
            if r.tag == tag and r.quality is Quality.GOOD
        ]

    def reasons(self) -> list[str]:
        with self.lock:
            return [r.reason for r in self.rejected]


def wait_until(condition: Callable[[], bool], timeout: float = WAIT_S, what: str = "") -> None:
    """Poll ``condition`` (the peer is a real broker: there is no clock to inject)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        time.sleep(0.01)


class Publisher:
    """A paho client playing the field device: QoS 1, persistent session, auto reconnect."""

    def __init__(self, broker: Mosquitto, client_id: str = "test-publisher", port: int = 0) -> None:
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=False,
        )
        self.client.reconnect_delay_set(1, 1)
        self.connected = threading.Event()
        self.received: list[tuple[str, bytes]] = []
        self.acked = 0
        self.client.on_publish = self._on_publish
        self.client.on_connect = lambda c, u, f, rc, p: self.connected.set()
        self.client.on_disconnect = lambda c, u, f, rc, p: self.connected.clear()
        self.client.on_message = lambda c, u, m: self.received.append((m.topic, m.payload))
        self.client.connect_async(broker.host, port or broker.port, keepalive=10)
        self.client.loop_start()
        assert self.connected.wait(10), "publisher did not connect"

    def _on_publish(
        self, client: mqtt.Client, userdata: Any, mid: int, rc: Any, props: Any
    ) -> None:
        self.acked += 1

    def publish(self, topic: str, payload: bytes | str, qos: int = 1) -> mqtt.MQTTMessageInfo:
        return self.client.publish(topic, payload, qos=qos)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
        for name in ("on_connect", "on_disconnect", "on_message", "on_publish", "on_subscribe"):
            setattr(self.client, name, None)


def mqtt_config(
    broker: Mosquitto, tmp_path: Path, fmt: PayloadFormat, **overrides: Any
) -> MqttConfig:
    """One validated ``[[mqtt]]`` section pointing at ``broker``, subscribed to ``plant/#``."""
    section: dict[str, Any] = {
        "name": "site",
        "host": broker.host,
        "port": broker.port,
        "client_id": "cd-test-site",
        "subscribe": [{"topic": "plant/#", "format": fmt.name, "unit": "kW"}],
        "flush_interval_s": 0.02,
    }
    section.update(overrides)
    return parse_mqtt_sections([section], tmp_path, "plant.toml", format_lookup=format_lookup(fmt))[
        0
    ]


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    """A running Mosquitto with persistence, stopped after the test."""
    with Mosquitto(tmp_path / "broker") as running:
        yield running


@pytest.fixture
def test_format() -> JsonTestFormat:
    return JsonTestFormat()
