"""MQTT to store, end to end: publisher -> Mosquitto -> MqttDriver -> pipeline -> SQLite.

Each scenario runs on a private Mosquitto (127.0.0.1, free port, stock settings but no
autosave). Two persistent QoS 1 sessions are registered first: ControlDeck's (a Collector with
one MqttDriver, started once to subscribe, then stopped) and a raw ``mosquitto_sub -c``. Then N
QoS 1 messages are published (paho, up to 5,000 unacknowledged) and the broker queues them for
both sessions. Each consumer then drains the same stream alone, so the publisher can never be
the limit and the two consumers do not compete for the two cores:

* raw: ``mosquitto_sub -c -q 1 -C N`` (C client, PUBACK at once): N / seconds until it exits;
* ours: the Collector started again (same client id and session): seconds from ``start()``
  until the SQLite writer has stored N x values rows, i.e. until every PUBACK could be sent
  (ControlDeck acks only what is durably stored). Then the table is counted (0 lost, 0 extra).

(a) ``json``: one value per message, ``{"ts": ms, "v": x}`` from 100 devices; (b) ``tasmota``:
``tele/<plug>/SENSOR`` with 18 values (ENERGY block + sensors) from 200 plugs. ``--protocol``
picks the driver's MQTT version (5 with Receive Maximum, its default, or 3.1.1).
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from bench.common import Row, print_table, record, timer
from core.config import load_config
from core.runtime import Collector, freeze_startup_heap
from drivers.loop import FieldLoop
from drivers.registry import build_drivers
from tests.mosquitto import Mosquitto

log = logging.getLogger(__name__)

RAW_CLIENT_ID = "bench-raw"
OUR_CLIENT_ID = "bench-controldeck"
PUBLISH_WINDOW = 5000
NS = 1_000_000_000
TASMOTA = {
    "Switch1": "ON",
    "ANALOG": {"A0": 512},
    "ENERGY": {
        "TotalStartTime": "2019-12-13T12:50:19",
        "Total": 1234.567,
        "Yesterday": 3.21,
        "Today": 1.234,
        "Period": 12,
        "Power": 1520,
        "ApparentPower": 1610,
        "ReactivePower": 530,
        "Factor": 0.94,
        "Frequency": 50.01,
        "Voltage": 231,
        "Current": 6.97,
    },
    "DS18B20": {"Id": "01131B7B6BAA", "Temperature": 21.3},
    "AM2301": {"Temperature": 22.1, "Humidity": 45.2, "DewPoint": 9.7},
    "BH1750": {"Illuminance": 312},
    "TempUnit": "C",
}


@dataclass(frozen=True, slots=True)
class Scenario:
    """One stream: topic filter, format options, message maker, values per message, targets."""

    name: str
    topic_filter: str
    subscribe: str
    devices: int
    values: int
    message: Callable[[int, int, int], tuple[str, bytes]]
    target: str


def json_message(index: int, devices: int, start_s: int) -> tuple[str, bytes]:
    """Device ``index % devices``, one value, a ms timestamp one second after its previous one."""
    ts_ms = (start_s + index // devices) * 1000
    return f"bench/json/d{index % devices}", b'{"ts": %d, "v": %d.5}' % (ts_ms, index % 997)


def tasmota_message(index: int, devices: int, start_s: int) -> tuple[str, bytes]:
    """A Tasmota SENSOR message of plug ``index % devices``, one second after its previous one."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(start_s + index // devices))
    body = {"Time": stamp, **TASMOTA}
    body["ENERGY"] = {**TASMOTA["ENERGY"], "Power": index % 3000}  # type: ignore[dict-item]
    return f"tele/p{index % devices}/SENSOR", json.dumps(body).encode()


SCENARIOS = {
    "json": Scenario(
        "(a) JSON, 1 value/msg, QoS 1",
        "bench/json/+",
        'format = "json"\nvalue = "v"\nname = "v"\ntimestamp = "ts"\ntimestamp_unit = "ms"',
        100,
        1,
        json_message,
        ">= 30,000 msg/s and >= 50%",
    ),
    "tasmota": Scenario(
        "(b) Tasmota SENSOR, 18 values/msg, QoS 1",
        "tele/+/SENSOR",
        'format = "tasmota"',
        200,
        18,
        tasmota_message,
        ">= 200,000 samples/s and >= 50%",
    ),
}


def write_plant(workdir: Path, port: int, scenario: Scenario, protocol: str) -> Path:
    """Plant file: SQLite store and one [[mqtt]] connection with the scenario's subscription."""
    path = workdir / "plant.toml"
    path.write_text(
        f'[store]\nurl = "sqlite:///bench.db"\n\n[[mqtt]]\nname = "bench"\nhost = "127.0.0.1"\n'
        f'port = {port}\nclient_id = "{OUR_CLIENT_ID}"\nprotocol = "{protocol}"\nqos = 1\n\n'
        f'[[mqtt.subscribe]]\ntopic = "{scenario.topic_filter}"\n{scenario.subscribe}\n'
    )
    return path


def start_collector(plant: Path, loop: FieldLoop) -> Collector:
    """A Collector of ``plant`` with its MQTT driver, started."""
    collector = Collector(load_config(plant), lambda config: build_drivers(config, loop))
    collector.start()
    freeze_startup_heap()  # as `controldeck collect` does after start
    return collector


def register_sessions(broker: Mosquitto, plant: Path, scenario: Scenario) -> None:
    """Create both persistent sessions with their subscriptions, then leave."""
    mosquitto_sub(broker, scenario, "-E")
    loop = FieldLoop("mqtt-bench-loop")
    collector = start_collector(plant, loop)
    try:
        deadline = time.monotonic() + 10
        while collector.drivers[0].status.as_dict()["state"] != "online":
            if time.monotonic() > deadline:
                raise RuntimeError("the MQTT driver did not connect within 10 s")
            time.sleep(0.05)
        time.sleep(0.5)  # SUBACK
    finally:
        collector.stop()
        loop.stop()


def mosquitto_sub(broker: Mosquitto, scenario: Scenario, *extra: str) -> None:
    """Run ``mosquitto_sub`` on the raw persistent session (bounded)."""
    binary = shutil.which("mosquitto_sub") or "/usr/bin/mosquitto_sub"
    command = [binary, "-h", broker.host, "-p", str(broker.port), "-c", "-i", RAW_CLIENT_ID]
    command += ["-q", "1", "-t", scenario.topic_filter, *extra]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, timeout=300)


def publish(broker: Mosquitto, scenario: Scenario, count: int) -> float:
    """Publish ``count`` messages at QoS 1 (up to 5,000 unacknowledged) until all are acked."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-publisher")
    client.max_inflight_messages_set(0)  # the window below bounds what is unacknowledged
    window = threading.BoundedSemaphore(PUBLISH_WINDOW)
    client.on_publish = lambda *_: window.release()
    client.connect(broker.host, broker.port)
    client.loop_start()
    start_s = int(time.time()) - count // scenario.devices - 120  # all in the recent past
    try:
        with timer() as elapsed:
            for index in range(count + PUBLISH_WINDOW):
                if not window.acquire(timeout=30):
                    raise RuntimeError(f"no PUBACK for 30 s after {index} messages")
                if index < count:
                    topic, payload = scenario.message(index, scenario.devices, start_s)
                    client.publish(topic, payload, qos=1)
            return count / elapsed()
    finally:
        client.disconnect()
        client.loop_stop()


def drain_ours(plant: Path, expected_rows: int, timeout: float) -> tuple[float, int]:
    """Seconds from Collector.start() until ``expected_rows`` are stored; rows stored."""
    loop = FieldLoop("mqtt-bench-loop")
    with timer() as elapsed:
        collector = start_collector(plant, loop)
        try:
            deadline = time.monotonic() + timeout
            while collector.counters.get("stored") < expected_rows:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.01)
            seconds = elapsed()
        finally:
            collector.stop()
            loop.stop()
    return seconds, collector.counters.get("stored")


def stored_rows(db: Path) -> tuple[int, int]:
    """(rows, distinct tags) in the samples table."""
    with sqlite3.connect(db) as conn:
        rows, tags = conn.execute("SELECT COUNT(*), COUNT(DISTINCT tag_id) FROM samples").fetchone()
    return int(rows), int(tags)


def run_scenario(scenario: Scenario, count: int, protocol: str, timeout: float) -> list[Row]:
    """One scenario on a fresh broker: register, publish, drain raw, drain ours, count."""
    extra = ["autosave_on_changes false", "autosave_interval 3600"]
    with (
        tempfile.TemporaryDirectory() as tmp,
        Mosquitto(Path(tmp) / "broker", extra_config=extra) as broker,
    ):
        plant = write_plant(Path(tmp), broker.port, scenario, protocol)
        register_sessions(broker, plant, scenario)
        published = publish(broker, scenario, count)
        with timer() as elapsed:
            mosquitto_sub(broker, scenario, "-C", str(count))
        raw = count / elapsed()
        seconds, stored = drain_ours(plant, count * scenario.values, timeout)
        rows, tags = stored_rows(Path(tmp) / "bench.db")
    ours = stored / scenario.values / seconds
    log.info(
        "%s: published %.0f msg/s; stored %d rows of %d tags", scenario.name, published, rows, tags
    )
    if rows != count * scenario.values:
        log.warning("%s: %d rows stored, %d expected", scenario.name, rows, count * scenario.values)
    label = f"{scenario.name}, MQTT {protocol}"
    per_message = scenario.values == 1  # the target is in messages/s, else in samples/s
    return [
        Row(f"{label}: messages", ours, "msg/s", raw, scenario.target if per_message else ""),
        Row(
            f"{label}: samples",
            ours * scenario.values,
            "samples/s",
            raw * scenario.values,
            "" if per_message else scenario.target,
        ),
        Row(f"{label}: rows stored", rows, "rows", count * scenario.values, "100%"),
    ]


def main(argv: list[str] | None = None) -> list[Row]:
    """Run the chosen scenarios and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("scenarios", nargs="*", help=f"some of {', '.join(SCENARIOS)} (all)")
    parser.add_argument("--json-messages", type=int, default=300_000)
    parser.add_argument("--tasmota-messages", type=int, default=30_000)
    parser.add_argument("--protocol", choices=("3.1.1", "5"), default="5")
    parser.add_argument("--timeout", type=float, default=120.0, help="bound of our drain, s")
    args = parser.parse_args(argv)
    unknown = [s for s in args.scenarios if s not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}")
    counts = {"json": args.json_messages, "tasmota": args.tasmota_messages}
    rows: list[Row] = []
    for name in args.scenarios or list(SCENARIOS):
        rows += run_scenario(SCENARIOS[name], counts[name], args.protocol, args.timeout)
    print_table("MQTT to SQLite store (127.0.0.1, Mosquitto)", rows)
    record("mqtt", rows)
    return rows


if __name__ == "__main__":
    main()
