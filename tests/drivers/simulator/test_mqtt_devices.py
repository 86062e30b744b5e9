"""Simulated MQTT devices publish to a real Mosquitto, and every payload decodes with its format."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from drivers.mqtt.formats import get_format
from drivers.mqtt.formats.base import Subscription
from drivers.simulator.faults import Fault, FaultKind
from drivers.simulator.mqtt_devices import (
    DeviceFamily,
    MqttDeviceSimulator,
    PublisherSettings,
    _wrap,
)
from drivers.simulator.mqtt_families import CarbonseedFamily, ZerocraftrFamily
from drivers.simulator.og_field_family import OG_STATE_SHARES, OgFieldFamily
from drivers.simulator.tasmota_family import TasmotaFamily
from tests.mosquitto import Mosquitto

FORMAT_OF_PREFIX = {
    "zerocraftr": "zerocraftr",
    "og": "og-field",
    "carbonseed": "carbonseed",
    "tele": "tasmota",
}
RUN_S = 4.0


class Collector:
    """A subscriber on ``#`` that keeps every message (topic, payload, retain) it receives."""

    def __init__(self, host: str, port: int, qos: int) -> None:
        self.messages: list[tuple[str, bytes, bool]] = []
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"collector-{qos}")
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *_args: self._subscribed.set()
        self.client.on_connect = lambda client, *_args: client.subscribe("#", qos=qos)
        self.client.connect(host, port)
        self.client.loop_start()
        assert self._subscribed.wait(10)

    def _on_message(
        self, _client: mqtt.Client, _userdata: object, message: mqtt.MQTTMessage
    ) -> None:
        with self._lock:
            self.messages.append((message.topic, message.payload, bool(message.retain)))

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    with Mosquitto(tmp_path / "broker") as running:
        yield running


def families(t0: float) -> list[DeviceFamily]:
    outage = (Fault("plug2", FaultKind.POWER_OUTAGE, start_s=1.0, duration_s=1.5),)
    return [
        ZerocraftrFamily(3, seed=4, faults=(), t0=t0),
        OgFieldFamily(24, sites=3, seed=4, faults=(), t0=t0),
        CarbonseedFamily(2, seed=4, faults=(), t0=t0),
        TasmotaFamily(2, seed=4, faults=outage, t0=t0),
    ]


def run_devices(
    broker: Mosquitto, qos: int
) -> tuple[list[tuple[str, bytes, bool]], MqttDeviceSimulator]:
    collector = Collector(broker.host, broker.port, qos)
    t0 = time.time()
    settings = PublisherSettings(
        host=broker.host, port=broker.port, interval_s=0.5, qos=qos, connections=2
    )
    simulator = MqttDeviceSimulator(families(t0), settings)
    stop = threading.Event()
    thread = threading.Thread(target=simulator.run, args=(stop,))
    thread.start()
    try:
        time.sleep(RUN_S)
    finally:
        stop.set()
        thread.join(10)
        time.sleep(0.3)
        collector.close()
    assert not thread.is_alive()
    return collector.messages, simulator


@pytest.mark.parametrize("qos", [0, 1])
def test_devices_publish_payloads_their_formats_decode(broker: Mosquitto, qos: int) -> None:
    messages, simulator = run_devices(broker, qos)
    assert simulator.stats.published > 0
    tags: dict[str, list[tuple[int, float]]] = defaultdict(list)
    per_format: dict[str, int] = defaultdict(int)
    for topic, payload, _retain in messages:
        name = FORMAT_OF_PREFIX[topic.split("/")[0]]
        decoded = get_format(name).decode(
            topic, payload, Subscription(topic="#", format=name), time.time_ns()
        )
        per_format[name] += 1
        for reading in decoded.readings:
            tags[reading.tag].append((reading.ts_ns or 0, float(reading.value)))
    assert set(per_format) == {"zerocraftr", "og-field", "carbonseed", "tasmota"}
    for counter in (
        "zc-press-001/energy_kwh",
        "zc-press-001/co2_kg",
        "plug1/ENERGY.Total",
        "pu-01-000003/energy",
    ):
        values = [v for _ts, v in sorted(tags[counter])]
        assert len(values) >= 3, counter
        assert values == sorted(values), f"{counter} went backwards"
    assert {v for tag, series in tags.items() if tag.endswith("/state") for _ts, v in series} <= {
        0.0,
        1.0,
        2.0,
    }
    assert any(t.endswith("/vibration_x") for t in tags) and any(t.endswith("/h2s") for t in tags)


def test_tasmota_will_marks_a_plug_offline_during_a_power_outage(broker: Mosquitto) -> None:
    messages, _simulator = run_devices(broker, 1)
    lwt = get_format("tasmota")
    presence = []
    for topic, payload, _retain in messages:
        if topic.endswith("/LWT"):
            decoded = lwt.decode(
                topic, payload, Subscription(topic="tele/#", format="tasmota"), time.time_ns()
            )
            presence.extend((p.device, p.online) for p in decoded.presence)
    plug2 = [online for device, online in presence if device == "plug2"]
    assert plug2[0] is True and False in plug2 and plug2[-1] is True
    assert all(online for device, online in presence if device == "plug1")


def test_og_field_state_shares_at_load_scenario_size() -> None:
    family = OgFieldFamily(100_000, sites=10, seed=1, faults=(), t0=0.0)
    counts = family.state_counts(1_700_000_000.0)
    for state, share in zip(("OK", "WARN", "ALERT"), OG_STATE_SHARES, strict=True):
        assert counts[state] / 100_000 == pytest.approx(share, abs=0.01)
    sites = {topic.split("/")[2] for topic in family.topics}
    types = {topic.split("/")[3] for topic in family.topics}
    assert len(sites) == 10 and len(types) == 4
    assert len(set(family.devices)) == 100_000


@pytest.mark.parametrize(
    ("first", "count", "total", "ranges"),
    [
        (0, 5, 10, [(0, 5)]),
        (8, 5, 10, [(8, 10), (0, 3)]),
        (3, 10, 10, [(3, 10), (0, 3)]),
        (9, 1, 10, [(9, 10)]),
    ],
)
def test_wrap_splits_turns_at_the_end_of_the_device_list(
    first: int, count: int, total: int, ranges: list[tuple[int, int]]
) -> None:
    assert _wrap(first, count, total) == ranges
