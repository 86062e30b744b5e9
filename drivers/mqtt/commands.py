"""Writes over MQTT: render a command payload, then wait for the device's state message.

A write publishes ``[[mqtt.commands]]`` ``payload`` (``{value}`` replaced by the value's text,
mapped through ``value_map``) to the command topic at QoS 1. When ``confirm_tag`` is set, the
write waits (bounded) for a reading of that tag whose value matches what was written.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence

import paho.mqtt.client as mqtt

from core.model import Reading
from drivers.base import WriteOutcome, WriteRequest, WriteResult
from drivers.mqtt.config import CommandConfig, MqttConfig

log = logging.getLogger(__name__)

Scalar = float | int | bool


def value_text(value: Scalar) -> str:
    """Canonical text of a written value: ``1``/``0`` for booleans, no ``.0`` on whole floats."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"value {value!r} is not a finite number")
    return str(int(number)) if number.is_integer() and abs(number) < 2**53 else repr(number)


def render_payload(command: CommandConfig, value: Scalar) -> tuple[str, str]:
    """(payload, mapped value text) for ``value``; ValueError when the value is not allowed."""
    text = value_text(value)
    if command.value_map:
        if text not in command.value_map:
            allowed = ", ".join(sorted(command.value_map))
            raise ValueError(f"value {text} is not allowed for {command.tag} (allowed: {allowed})")
        text = command.value_map[text]
    return command.payload.replace("{value}", text), text


def values_match(written: Scalar, mapped_text: str, read_back: object) -> bool:
    """True when a state value confirms the write (numerically, or as the mapped text)."""
    if isinstance(read_back, str):
        candidates = {mapped_text.strip().casefold(), value_text(written).casefold()}
        return read_back.strip().casefold() in candidates
    if isinstance(read_back, bool | int | float):
        try:
            return math.isclose(float(read_back), float(written), rel_tol=1e-9, abs_tol=1e-9)
        except (TypeError, ValueError):
            return False
    return False


class ConfirmWaiter:
    """Waits for the first state value of one tag that matches the written value."""

    def __init__(self, tag: str, written: Scalar, mapped_text: str) -> None:
        self.tag = tag
        self._written = written
        self._mapped_text = mapped_text
        self._event = threading.Event()
        self.last_value: object = None
        self.seen = False

    def offer(self, value: object) -> None:
        """A state value of the tag arrived."""
        self.last_value = value
        self.seen = True
        if values_match(self._written, self._mapped_text, value):
            self._event.set()

    def wait(self, timeout: float) -> bool:
        """True when a matching value arrived within ``timeout`` seconds."""
        return self._event.wait(timeout)


class ConfirmWaiters:
    """The writes waiting for a state message, keyed by confirm tag. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[str, list[ConfirmWaiter]] = {}

    def add(self, waiter: ConfirmWaiter) -> None:
        """Register before publishing, so a quick answer is not missed."""
        with self._lock:
            self._waiting.setdefault(waiter.tag, []).append(waiter)

    def remove(self, waiter: ConfirmWaiter) -> None:
        """Unregister (always, after the wait)."""
        with self._lock:
            waiters = self._waiting.get(waiter.tag, [])
            if waiter in waiters:
                waiters.remove(waiter)
            if not waiters:
                self._waiting.pop(waiter.tag, None)

    def observe(self, readings: Sequence[Reading]) -> None:
        """Called by the handoff thread with every decoded good reading."""
        if not self._waiting:
            return
        with self._lock:
            for reading in readings:
                for waiter in self._waiting.get(reading.tag, ()):
                    waiter.offer(reading.value)


def publish_command(
    client: mqtt.Client,
    command: CommandConfig,
    request: WriteRequest,
    confirmations: ConfirmWaiters,
) -> WriteResult:
    """Publish a command at QoS 1; CONFIRMED only when the confirm tag reports the value."""
    try:
        payload, mapped = render_payload(command, request.value)
    except ValueError as exc:
        return WriteResult(WriteOutcome.FAILED, str(exc))
    waiter = None
    if command.confirm_tag:
        waiter = ConfirmWaiter(command.confirm_tag, request.value, mapped)
        confirmations.add(waiter)
    try:
        info = client.publish(command.topic, payload, qos=1, retain=command.retain)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            return WriteResult(WriteOutcome.FAILED, f"publish: {mqtt.error_string(info.rc)}")
        if waiter is None:
            return _await_puback(info, command.timeout_s)
        return _await_state(waiter, request.value, command.timeout_s)
    finally:
        if waiter is not None:
            confirmations.remove(waiter)


def _await_state(waiter: ConfirmWaiter, written: Scalar, timeout_s: float) -> WriteResult:
    if waiter.wait(timeout_s):
        read_back = _scalar(waiter.last_value)
        return WriteResult(
            WriteOutcome.CONFIRMED,
            f"state confirmed: {waiter.last_value!r}",
            written if read_back is None else read_back,
        )
    detail = "state did not match" if waiter.seen else "no state message"
    return WriteResult(WriteOutcome.UNCONFIRMED, detail, _scalar(waiter.last_value))


def _await_puback(info: mqtt.MQTTMessageInfo, timeout_s: float) -> WriteResult:
    try:
        info.wait_for_publish(timeout_s)
    except (RuntimeError, ValueError) as exc:
        return WriteResult(WriteOutcome.FAILED, f"publish: {exc}")
    if info.is_published():
        return WriteResult(WriteOutcome.UNCONFIRMED, "published; no confirm tag configured")
    return WriteResult(WriteOutcome.UNCONFIRMED, "no PUBACK from the broker in time")


def _scalar(value: object) -> Scalar | None:
    return value if isinstance(value, bool | int | float) else None


def write_command(
    config: MqttConfig,
    client: mqtt.Client | None,
    request: WriteRequest,
    confirmations: ConfirmWaiters,
) -> WriteResult:
    """A driver's write: the tag's command published on ``client`` (None: not connected)."""
    command = config.command_for(request.tag)
    if command is None:
        return WriteResult(WriteOutcome.FAILED, f"{request.tag} has no [[mqtt.commands]]")
    if client is None or not client.is_connected():
        return WriteResult(WriteOutcome.FAILED, f"mqtt {config.name} is not connected")
    log.info(
        "mqtt %s: write %s=%r (user %s) -> %s",
        config.name,
        request.tag,
        request.value,
        request.user or "-",
        command.topic,
    )
    return publish_command(client, command, request, confirmations)
