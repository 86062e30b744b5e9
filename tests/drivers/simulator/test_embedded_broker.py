"""ensure_broker: starts a broker on loopback when none answers, leaves a running one alone."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.simulator.embedded_broker import (
    broker_answers,
    ensure_broker,
    find_mosquitto,
    is_loopback,
)
from tests.conftest import free_port, require
from tests.mosquitto import Mosquitto


@pytest.mark.parametrize("use_mosquitto", [True, False], ids=["mosquitto", "amqtt"])
def test_starts_a_broker_when_none_answers(use_mosquitto: bool) -> None:
    if use_mosquitto:
        require(find_mosquitto() is not None, "mosquitto")
    port = free_port()
    assert not broker_answers("127.0.0.1", port)
    handle = ensure_broker("127.0.0.1", port, use_mosquitto=use_mosquitto)
    try:
        assert handle is not None
        assert handle.kind == ("mosquitto" if use_mosquitto else "amqtt")
        assert broker_answers("127.0.0.1", port)
        assert ensure_broker("127.0.0.1", port) is None  # now one answers
    finally:
        assert handle is not None
        handle.stop()
        handle.stop()  # idempotent
    assert not broker_answers("127.0.0.1", port)


def test_returns_none_when_a_broker_already_answers(tmp_path: Path) -> None:
    with Mosquitto(tmp_path / "broker") as broker:
        assert ensure_broker(broker.host, broker.port) is None


@pytest.fixture
def silent_listener() -> Iterator[int]:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield int(server.getsockname()[1])


def test_refuses_a_port_held_by_something_else(silent_listener: int) -> None:
    with pytest.raises(RuntimeError, match="does not speak MQTT"):
        ensure_broker("127.0.0.1", silent_listener)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("localhost", True),
        ("192.0.2.10", False),
        ("broker.example", False),
        ("0.0.0.0", False),
    ],
)
def test_only_loopback_addresses_are_served(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
