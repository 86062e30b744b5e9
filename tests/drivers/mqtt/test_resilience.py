"""Bad input, a full sink, a broker going away, failover and presence (real Mosquitto)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from core.model import Quality
from drivers.base import LinkState
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

GARBAGE = [
    (b"{not json", "invalid_json"),
    (b"\xff\xfe\x00garbage", "invalid_json"),
    (b"[1, 2, 3]", "wrong_type"),
    (b'"boom"', "decoder_error"),
    (b"{" + b'"k": 1, ' * 300 + b'"z": 0}', "oversize"),
]


def _start(config, fmt, sink) -> MqttDriver:  # type: ignore[no-untyped-def]
    driver = MqttDriver(config, format_lookup=format_lookup(fmt))
    driver.start(sink)
    wait_until(lambda: driver.status.state is LinkState.ONLINE, what="driver online")
    return driver


def test_garbage_is_quarantined_counted_acked_and_the_driver_goes_on(
    broker: Mosquitto, tmp_path: Path, test_format: JsonTestFormat
) -> None:
    sink = RecordingSink()
    config = mqtt_config(broker, tmp_path, test_format, max_payload_bytes=1024)
    driver = _start(config, test_format, sink)
    publisher = Publisher(broker)
    for payload, _ in GARBAGE:
        publisher.publish("plant/dev/data", payload)
    publisher.publish("plant/dev/data", json.dumps({"seq": 1}))
    wait_until(lambda: sink.good_values("dev/seq") == [1], what="good message after garbage")
    wait_until(lambda: len(sink.rejected) == len(GARBAGE), what="quarantine")
    assert sink.reasons() == [reason for _, reason in GARBAGE]
    expected_counts: dict[str, int] = {}
    for _, reason in GARBAGE:
        expected_counts[reason] = expected_counts.get(reason, 0) + 1
    assert driver.status.errors_by_reason == expected_counts
    for record in sink.rejected:
        assert record.source == "mqtt:site"
        assert "'plant/dev/data'" in record.detail
        assert len(record.detail) < 1200
    wait_until(lambda: driver.counters()["acked"] == len(GARBAGE) + 1, what="everything acked")
    assert driver.status.state is LinkState.ONLINE
    publisher.close()
    driver.stop()


def test_full_sink_is_retried_and_an_overflowing_inbox_is_redelivered(
    broker: Mosquitto,
    tmp_path: Path,
    test_format: JsonTestFormat,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The sink refuses; the broker's in-flight window (20) then exceeds the inbox (10).

    Without the fast reader (TLS and WebSocket connections) paho's ``on_message`` refuses
    the excess, and the connection is recycled for redelivery.
    """
    monkeypatch.setattr("drivers.mqtt.driver.fast_read", lambda *args: False)
    sink = RecordingSink()
    sink.refuse = True
    config = mqtt_config(broker, tmp_path, test_format, inbox_limit=10, protocol="3.1.1")
    driver = _start(config, test_format, sink)  # 3.1.1: the broker's window, not ours
    publisher = Publisher(broker)
    publisher.publish("plant/dev/data", json.dumps({"seq": 0}))
    wait_until(lambda: sink.refused_emits >= 1, what="the handoff is retrying a refused batch")
    for i in range(1, 41):
        publisher.publish("plant/dev/data", json.dumps({"seq": i}))
    wait_until(
        lambda: driver.status.errors_by_reason.get("backpressure", 0) >= 5,
        what="inbox refusals counted",
    )
    sink.refuse = False
    wait_until(lambda: set(sink.good_values("dev/seq")) == set(range(41)), what="all 41")
    assert driver.status.reconnects >= 1  # recycled so the broker redelivers what was refused
    wait_until(lambda: driver.status.state is LinkState.ONLINE, what="online")
    publisher.close()
    driver.stop()


def test_a_full_inbox_holds_the_broker_back_with_the_fast_reader(
    broker: Mosquitto, tmp_path: Path, test_format: JsonTestFormat
) -> None:
    """Same overflow on plain TCP: the fast reader leaves the excess unread (TCP flow control),
    so nothing is refused or redelivered, and everything arrives once the sink takes again."""
    sink = RecordingSink()
    sink.refuse = True
    config = mqtt_config(broker, tmp_path, test_format, inbox_limit=10, protocol="3.1.1")
    driver = _start(config, test_format, sink)  # 3.1.1: the broker's window, not ours
    publisher = Publisher(broker)
    publisher.publish("plant/dev/data", json.dumps({"seq": 0}))
    wait_until(lambda: sink.refused_emits >= 1, what="the handoff is retrying a refused batch")
    for i in range(1, 41):
        publisher.publish("plant/dev/data", json.dumps({"seq": i}))
    wait_until(lambda: driver.counters()["inbox"] == 10, what="the inbox is full")
    sink.refuse = False
    wait_until(lambda: set(sink.good_values("dev/seq")) == set(range(41)), what="all 41")
    wait_until(lambda: driver.counters()["acked"] == 41, what="all 41 acked")
    assert driver.status.errors_by_reason.get("backpressure", 0) == 1  # the sink's, not the inbox's
    assert driver.status.reconnects == 0 and driver.counters()["redelivered"] == 0
    assert sorted(sink.good_values("dev/seq")) == list(range(41))  # each exactly once
    publisher.close()
    driver.stop()


def test_broker_loss_goes_offline_once_marks_tags_comms_lost_and_recovers_once(
    broker: Mosquitto,
    tmp_path: Path,
    test_format: JsonTestFormat,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    sink = RecordingSink()
    driver = _start(mqtt_config(broker, tmp_path, test_format), test_format, sink)
    publisher = Publisher(broker)
    publisher.publish("plant/pump1/data", json.dumps({"flow": 12.5, "run": 1}))
    wait_until(lambda: sink.good_values("pump1/flow") == [12.5], what="first reading")
    broker.kill()
    wait_until(lambda: driver.status.state is LinkState.OFFLINE, what="offline")
    wait_until(lambda: len(_comms_lost(sink)) == 2, what="comms-lost readings")
    assert {(r.tag, r.value) for r in _comms_lost(sink)} == {("pump1/flow", 12.5), ("pump1/run", 1)}
    broker.start()
    wait_until(lambda: driver.status.state is LinkState.ONLINE, what="recovered")
    assert driver.status.reconnects == 1
    wait_until(lambda: test_format.sessions == 2, what="a fresh format session per connection")
    offline_logs = [r for r in caplog.records if "offline" in r.getMessage()]
    recovered_logs = [r for r in caplog.records if "recovered" in r.getMessage()]
    assert len(offline_logs) == 1 and len(recovered_logs) == 1
    publisher.close()
    driver.stop()


def _comms_lost(sink: RecordingSink) -> list:  # type: ignore[type-arg]
    return [r for r in sink.readings() if r.quality is Quality.BAD_COMMS_LOST]


def test_fails_over_to_the_secondary_while_the_primary_is_down(
    tmp_path: Path, test_format: JsonTestFormat
) -> None:
    with Mosquitto(tmp_path / "secondary") as secondary:
        primary = Mosquitto(tmp_path / "primary")  # configured, never started: down
        sink = RecordingSink()
        config = mqtt_config(
            primary,
            tmp_path,
            test_format,
            secondary_host=secondary.host,
            secondary_port=secondary.port,
        )
        driver = _start(config, test_format, sink)
        assert driver.status.endpoint == f"{secondary.host}:{secondary.port}"
        publisher = Publisher(secondary)
        publisher.publish("plant/dev/data", json.dumps({"seq": 7}))
        wait_until(lambda: sink.good_values("dev/seq") == [7], what="reading via secondary")
        publisher.close()
        driver.stop()
        primary.close()


def test_presence_and_online_tag(
    broker: Mosquitto, tmp_path: Path, test_format: JsonTestFormat
) -> None:
    sink = RecordingSink()
    driver = _start(mqtt_config(broker, tmp_path, test_format), test_format, sink)
    publisher = Publisher(broker)
    publisher.publish("plant/plug1/LWT", b"Online")
    wait_until(lambda: "plug1" in driver.device_presence(), what="presence")
    first_seen = driver.device_presence()["plug1"]
    assert first_seen.online
    publisher.publish("plant/plug1/data", json.dumps({"power": 40}))
    publisher.publish("plant/plug1/LWT", b"Offline")
    wait_until(lambda: not driver.device_presence()["plug1"].online, what="offline presence")
    assert driver.device_presence()["plug1"].last_seen_ns > first_seen.last_seen_ns
    wait_until(lambda: sink.good_values("plug1/online") == [1, 0], what="online tag 1 then 0")
    publisher.close()
    driver.stop()
