"""MQTT to the store, end to end through the real command line (issue 3, R1/R2 at T1 size).

A QoS 1 publisher with a persistent session feeds a private Mosquitto; ``controldeck collect``
(a child process, SQLite) subscribes. Every message carries a sequence number as its value and
a unique timestamp, so the store must end up with each one exactly once:

* the broker is SIGKILLed and restarted mid-stream (persistence on): 0 lost, 0 duplicated;
* the collector is SIGKILLed mid-stream and started again: 0 lost, 0 duplicated.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from tests.conftest import require_binary
from tests.mosquitto import Mosquitto

ROOT = Path(__file__).resolve().parents[2]
T0_MS = 1_767_225_600_000
DEVICES = 4


def plant_file(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "plant.toml"
    path.write_text(f"""
[plant]
name = "e2e"
[store]
url = "sqlite:///plant.db"
flush_interval_s = 0.05
[ingest]
status_interval_s = 0.5
[[mqtt]]
name = "broker"
host = "127.0.0.1"
port = {port}
client_id = "controldeck-e2e"
qos = 1
reconnect_max_s = 2
  [[mqtt.subscribe]]
  topic = "e2e/+/seq"
  format = "json"
  device_level = 1
  value = "seq"
  name = "seq"
  timestamp = "ts"
  timestamp_unit = "ms"
""")
    return path


class Publisher:
    """Publishes seq 0..n-1 at QoS 1 (persistent session), round-robin over devices."""

    def __init__(self, port: int, total: int, rate: float) -> None:
        self.port, self.total, self.rate = port, total, rate
        self.sent = 0
        self.running = threading.Event()
        self.running.set()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id="e2e-pub", clean_session=False
        )
        self.client.max_inflight_messages_set(50)
        self.client.reconnect_delay_set(0.2, 1)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self.client.connect_async("127.0.0.1", self.port, keepalive=5)
        self.client.loop_start()
        self.thread.start()

    def _run(self) -> None:
        for seq in range(self.total):
            self.running.wait()
            payload = f'{{"seq": {seq}, "ts": {T0_MS + seq}}}'
            self.client.publish(f"e2e/dev{seq % DEVICES}/seq", payload, qos=1)
            self.sent = seq + 1
            time.sleep(1 / self.rate)

    def drained(self, timeout: float) -> None:
        """Wait until the broker has acknowledged everything published so far."""
        deadline = time.monotonic() + timeout
        while self.client._out_messages and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not self.client._out_messages, "publisher still has unacknowledged messages"

    def wait_all_acked(self, timeout: float) -> None:
        self.thread.join(timeout)
        self.drained(timeout)

    def close(self) -> None:
        self.running.set()
        self.thread.join(10)
        self.client.disconnect()
        self.client.loop_stop()


def start_collector(plant: Path, log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as err:
        return subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "collect", "--config", str(plant)],
            cwd=ROOT,
            stderr=err,
        )


def wait_subscribed(db: Path, timeout: float = 60) -> None:
    """Until the collector reports its MQTT driver online (its session then exists at the broker)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with sqlite3.connect(db, timeout=5) as conn:
                rows = conn.execute("SELECT payload FROM runtime_status").fetchall()
        except sqlite3.OperationalError:
            rows = []
        if any(d["state"] == "online" for (p,) in rows for d in json.loads(p)["drivers"]):
            time.sleep(0.5)  # the SUBACK follows the CONNACK
            return
        time.sleep(0.1)
    raise AssertionError("the collector did not come online")


def stored(db: Path) -> tuple[int, set[int]]:
    """Good samples of the sequence tags: how many, and which sequence numbers."""
    with sqlite3.connect(db, timeout=30) as conn:
        rows = conn.execute(
            "SELECT s.value FROM samples s JOIN tags t ON t.id = s.tag_id "
            "WHERE t.name LIKE 'dev%/seq' AND s.quality < 128"  # bad rows mark the comms-lost gaps
        ).fetchall()
    values = [int(v) for (v,) in rows]
    return len(values), set(values)


def wait_stored(db: Path, total: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.exists():
            try:
                if stored(db)[0] >= total:
                    return
            except sqlite3.OperationalError:
                pass
        time.sleep(0.2)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    require_binary("mosquitto")
    with Mosquitto(tmp_path / "broker") as b:
        yield b


def stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
        child.wait(60)


@pytest.mark.slow
def test_broker_killed_mid_stream_loses_and_duplicates_nothing(
    tmp_path: Path, broker: Mosquitto
) -> None:
    plant, db, total = plant_file(tmp_path, broker.port), tmp_path / "plant.db", 1500
    collector = start_collector(plant, tmp_path / "collector.log")
    publisher = Publisher(broker.port, total, rate=300)
    try:
        wait_subscribed(db)
        publisher.start()
        for _ in range(2):
            time.sleep(1.5)
            # Mosquitto PUBACKs before it persists (see RELIABILITY rule 2): a kill between the two
            # loses a message no subscriber can save. Pause the device, let the broker settle, kill.
            publisher.running.clear()
            publisher.drained(30)
            time.sleep(0.3)
            broker.kill()
            time.sleep(1)
            broker.restart()
            publisher.running.set()
        publisher.wait_all_acked(60)
        wait_stored(db, total, 60)
    finally:
        publisher.close()
        stop(collector)
    count, values = stored(db)
    assert values == set(range(total)), f"lost: {sorted(set(range(total)) - values)[:20]}"
    assert count == total, "duplicates in the store"


@pytest.mark.slow
def test_collector_killed_mid_stream_loses_nothing(tmp_path: Path, broker: Mosquitto) -> None:
    plant, db, total = plant_file(tmp_path, broker.port), tmp_path / "plant.db", 1500
    collector = start_collector(plant, tmp_path / "collector.log")
    publisher = Publisher(broker.port, total, rate=300)
    try:
        wait_subscribed(db)
        publisher.start()
        for _ in range(2):
            time.sleep(1.5)
            os.kill(collector.pid, signal.SIGKILL)
            collector.wait(10)
            time.sleep(0.5)
            collector = start_collector(plant, tmp_path / "collector.log")
        publisher.wait_all_acked(60)
        wait_stored(db, total, 60)
    finally:
        publisher.close()
        stop(collector)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    count, values = stored(db)
    assert values == set(range(total)), f"lost: {sorted(set(range(total)) - values)[:20]}"
    assert count == total, "duplicates in the store"
