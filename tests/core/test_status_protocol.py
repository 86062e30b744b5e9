"""``controldeck status`` (text) names the MQTT protocol each driver negotiated.

A real ``controldeck collect`` child subscribes to a real broker on 127.0.0.1: Mosquitto speaks
MQTT 5; the demo's amqtt broker has no MQTT 5, so a driver without ``protocol`` in the plant
file falls back to 3.1.1. ``controldeck status`` then runs as a user runs it.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.cli.run_cmds import driver_line
from drivers.simulator.embedded_broker import BrokerHandle, ensure_broker
from tests.conftest import free_port, require
from tests.core.plant import write_plant
from tests.core.test_cli import ROOT, run_cli

MQTT = """
[ingest]
status_interval_s = 0.2

[[mqtt]]
name = "broker"
host = "127.0.0.1"
port = {port}
client_id = "controldeck-status-{port}"
  [[mqtt.subscribe]]
  topic = "status-test/+/value"
  format = "json"
  device_level = 1
  value = "v"
  name = "v"
"""


@pytest.fixture(params=[("mosquitto", "MQTT 5"), ("amqtt", "MQTT 3.1.1")], ids=["5", "3.1.1"])
def broker(request: pytest.FixtureRequest) -> Iterator[tuple[BrokerHandle, str]]:
    kind, expected = request.param
    handle = ensure_broker("127.0.0.1", free_port(), use_mosquitto=kind == "mosquitto")
    assert handle is not None
    try:
        require(handle.kind == kind, f"{kind} broker")
        yield handle, expected
    finally:
        handle.stop()


def wait_online(db: Path, child: subprocess.Popen[str], timeout: float = 60) -> None:
    """Until the collector publishes its MQTT driver online with a protocol (read from the
    store directly: a ``status`` child must not race the collector's schema creation)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise AssertionError(f"collector exited: {child.communicate()[1][-2000:]}")
        rows = []
        if db.exists():
            try:
                with sqlite3.connect(db, timeout=5) as conn:
                    rows = conn.execute("SELECT payload FROM runtime_status").fetchall()
            except sqlite3.OperationalError:
                pass  # the collector is creating the schema
        drivers = [d for (payload,) in rows for d in json.loads(payload)["drivers"]]
        if any(d["state"] == "online" and d.get("protocol") for d in drivers):
            return
        time.sleep(0.2)
    raise AssertionError("the MQTT driver did not come online")


def test_status_text_names_the_negotiated_mqtt_protocol(
    tmp_path: Path, broker: tuple[BrokerHandle, str]
) -> None:
    handle, expected = broker
    plant = write_plant(tmp_path, extra=MQTT.format(port=handle.port))
    with subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "collect", "--config", str(plant)],
        stderr=subprocess.PIPE, text=True,
    ) as child:  # fmt: skip
        try:
            wait_online(tmp_path / "plant.db", child)
            status = run_cli("status", "--config", str(plant))
        finally:
            child.send_signal(signal.SIGTERM)
            child.communicate(timeout=60)
    assert status.returncode == 0, status.stderr
    lines = [line for line in status.stdout.splitlines() if line.startswith("driver broker")]
    assert lines == [f"driver broker (mqtt, {expected}): online"], status.stdout


@pytest.mark.parametrize(
    ("driver", "line"),
    [
        (
            {"name": "b", "kind": "mqtt", "state": "offline", "protocol": "", "last_error": "x"},
            "driver b (mqtt): offline x",
        ),
        ({"name": "oven", "kind": "modbus", "state": "online"}, "driver oven (modbus): online"),
        (
            {"name": "b", "kind": "mqtt", "state": "online", "protocol": "5", "last_error": ""},
            "driver b (mqtt, MQTT 5): online",
        ),
    ],
)
def test_driver_line_names_a_protocol_only_once_negotiated(
    driver: dict[str, str], line: str
) -> None:
    """Before the first CONNACK (and for drivers without a choice) there is no protocol."""
    assert driver_line(driver) == line
