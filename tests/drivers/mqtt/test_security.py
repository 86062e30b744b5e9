"""TLS against a broker with a test CA, and a password that never shows (real Mosquitto)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from drivers.base import LinkState
from drivers.mqtt.config import DriverConfigError
from drivers.mqtt.driver import MqttDriver
from tests.drivers.mqtt.conftest import (
    JsonTestFormat,
    Publisher,
    RecordingSink,
    format_lookup,
    mqtt_config,
    wait_until,
)
from tests.mosquitto import Mosquitto, generate_tls_files, make_password_file

SECRET = "Corr3ct-h0rse-battery"


@pytest.fixture
def tls_broker(tmp_path: Path) -> Mosquitto:
    files = generate_tls_files(tmp_path / "pki")
    with Mosquitto(tmp_path / "tls-broker", tls=files) as broker:
        yield broker  # type: ignore[misc]


def test_tls_with_the_right_ca_connects_and_receives(
    tls_broker: Mosquitto, tmp_path: Path, test_format: JsonTestFormat
) -> None:
    assert tls_broker.tls is not None and tls_broker.tls_port is not None
    config = mqtt_config(
        tls_broker,
        tmp_path,
        test_format,
        port=tls_broker.tls_port,
        tls={"ca_file": str(tls_broker.tls.ca_file)},
    )
    sink = RecordingSink()
    driver = MqttDriver(config, format_lookup=format_lookup(test_format))
    driver.start(sink)
    wait_until(lambda: driver.status.state is LinkState.ONLINE, what="TLS connection")
    publisher = Publisher(tls_broker)  # plain listener of the same broker
    publisher.publish("plant/dev/data", json.dumps({"seq": 1}))
    wait_until(lambda: sink.good_values("dev/seq") == [1], what="reading over TLS")
    publisher.close()
    driver.stop()


def test_tls_with_a_wrong_ca_is_refused(
    tls_broker: Mosquitto, tmp_path: Path, test_format: JsonTestFormat
) -> None:
    assert tls_broker.tls_port is not None
    other_ca = generate_tls_files(tmp_path / "other-pki", name="impostor").ca_file
    config = mqtt_config(
        tls_broker,
        tmp_path,
        test_format,
        port=tls_broker.tls_port,
        tls={"ca_file": str(other_ca)},
    )
    driver = MqttDriver(config, format_lookup=format_lookup(test_format))
    driver.start(RecordingSink())
    wait_until(lambda: driver.status.state is LinkState.OFFLINE, what="refused")
    assert "certificate verify failed" in driver.status.last_error
    assert driver.status.reconnects == 0
    driver.stop()


@pytest.mark.parametrize("password", [SECRET, "wrong-" + SECRET])
def test_password_never_appears_in_logs_status_or_errors(
    tmp_path: Path,
    test_format: JsonTestFormat,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    password: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    users = make_password_file(tmp_path / "passwd", {"cd": SECRET, "pub": "pub-pw"})
    with Mosquitto(tmp_path / "auth-broker", password_file=users) as broker:
        monkeypatch.setenv("CD_MQTT_PASSWORD", password)
        config = mqtt_config(
            broker, tmp_path, test_format, username="cd", password_env="CD_MQTT_PASSWORD"
        )
        driver = MqttDriver(config, format_lookup=format_lookup(test_format))
        driver.start(RecordingSink())
        expected = LinkState.ONLINE if password == SECRET else LinkState.OFFLINE
        wait_until(lambda: driver.status.state is expected, what=f"state {expected}")
        if expected is LinkState.OFFLINE:
            assert "refused" in driver.status.last_error
        driver.stop()
        texts = [caplog.text, repr(config), str(config), repr(driver), str(driver.status.as_dict())]
        assert not [t for t in texts if password in t or SECRET in t]


def test_a_missing_password_variable_is_a_config_error(
    broker: Mosquitto, tmp_path: Path, test_format: JsonTestFormat, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CD_MQTT_MISSING", raising=False)
    config = mqtt_config(
        broker, tmp_path, test_format, username="cd", password_env="CD_MQTT_MISSING"
    )
    driver = MqttDriver(config, format_lookup=format_lookup(test_format))
    with pytest.raises(DriverConfigError, match="CD_MQTT_MISSING"):
        driver.start(RecordingSink())
    driver.stop()
