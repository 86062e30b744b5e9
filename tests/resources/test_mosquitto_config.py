"""The shipped broker configuration (resources/mosquitto) against a real Mosquitto (S4).

The files are used as shipped; only file paths and listener ports are rewritten for the test.
"""

from __future__ import annotations

import os
import pwd
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from tests.conftest import free_port, port_open, require_binary
from tests.mosquitto import TlsFiles, generate_tls_files

SHIPPED = Path(__file__).resolve().parents[2] / "resources" / "mosquitto"
USERS = {
    "controldeck": "collector secret 1",
    "plug1": "plug one secret",
    "plug2": "plug two secret",
}


@dataclass
class Broker:
    plain_port: int
    tls_port: int
    tls: TlsFiles


def _rewrite(text: str, tmp: Path, plain: int, tls_port: int, tls: TlsFiles) -> str:
    replacements = {
        "/etc/mosquitto/controldeck.passwd": str(tmp / "passwd"),
        "/etc/mosquitto/controldeck.acl": str(tmp / "acl"),
        "/var/lib/mosquitto/": f"{tmp / 'data'}/",
        "/etc/mosquitto/ca_certificates/plant-ca.crt": str(tls.ca_file),
        "/etc/mosquitto/certs/broker.crt": str(tls.cert_file),
        "/etc/mosquitto/certs/broker.key": str(tls.key_file),
        "listener 8883": f"listener {tls_port} 127.0.0.1",
        "listener 1883 127.0.0.1": f"listener {plain} 127.0.0.1",
    }
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    # run as the test's user (as root, mosquitto would drop to "mosquitto" and not read tmp files)
    return f"user {pwd.getpwuid(os.geteuid()).pw_name}\n{text}"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    binary = require_binary("mosquitto")
    passwd = require_binary("mosquitto_passwd")
    (tmp_path / "data").mkdir()
    (tmp_path / "acl").write_text((SHIPPED / "controldeck.acl").read_text())
    (tmp_path / "passwd").touch()
    for user, password in USERS.items():
        subprocess.run(
            [passwd, "-b", str(tmp_path / "passwd"), user, password],
            check=True,
            capture_output=True,
        )
    tls = generate_tls_files(tmp_path / "tls")
    plain, tls_port = free_port(), free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(
        _rewrite((SHIPPED / "controldeck.conf").read_text(), tmp_path, plain, tls_port, tls)
    )
    with subprocess.Popen([binary, "-c", str(conf)], stderr=subprocess.PIPE) as proc:
        deadline = time.monotonic() + 10
        while not (port_open("127.0.0.1", plain) and port_open("127.0.0.1", tls_port)):
            assert proc.poll() is None and time.monotonic() < deadline, (
                proc.stderr.read() if proc.stderr else ""
            )
            time.sleep(0.05)
        yield Broker(plain, tls_port, tls)
        proc.terminate()
        proc.wait(10)
        if proc.stderr:
            proc.stderr.close()


class Client:
    """A paho client that records what it receives and the CONNACK reason."""

    def __init__(self, user: str | None, port: int, tls: TlsFiles | None = None) -> None:
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"test-{user}-{port}")
        if user:
            self.client.username_pw_set(user, USERS[user])
        if tls:
            self.client.tls_set(ca_certs=str(tls.ca_file), tls_version=ssl.PROTOCOL_TLS_CLIENT)
        self.received: list[str] = []
        self.connack = threading.Event()
        self.reason: object = None
        self.client.on_connect = self._on_connect
        self.client.on_message = lambda c, u, m: self.received.append(m.topic)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert self.connack.wait(10)

    def _on_connect(
        self, c: object, u: object, flags: object, reason: object, props: object
    ) -> None:
        self.reason = reason
        self.connack.set()

    @property
    def accepted(self) -> bool:
        return not getattr(self.reason, "is_failure", True)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def settle() -> None:
    time.sleep(0.5)


def test_anonymous_clients_are_refused(broker: Broker) -> None:
    anonymous = Client(None, broker.plain_port)
    assert not anonymous.accepted
    anonymous.close()


def test_a_device_publishes_only_its_own_topics(broker: Broker) -> None:
    collector = Client("controldeck", broker.tls_port, broker.tls)
    plug1, plug2 = Client("plug1", broker.plain_port), Client("plug2", broker.plain_port)
    try:
        assert collector.accepted and plug1.accepted and plug2.accepted
        collector.client.subscribe("#", qos=1)
        plug2.client.subscribe("tele/#", qos=1)
        settle()
        plug1.client.publish(
            "tele/plug1/SENSOR", '{"ENERGY":{"Power":12}}', qos=1
        ).wait_for_publish(5)
        plug1.client.publish(
            "tele/plug2/SENSOR", '{"ENERGY":{"Power":99}}', qos=1
        ).wait_for_publish(5)
        plug1.client.publish("cmnd/plug2/POWER", "OFF", qos=1).wait_for_publish(5)
        settle()
        assert collector.received == ["tele/plug1/SENSOR"]
        assert plug2.received == []  # a device cannot read other devices' telemetry either
    finally:
        for c in (collector, plug1, plug2):
            c.close()


def test_controldeck_sends_commands_a_device_receives_only_its_own(broker: Broker) -> None:
    collector = Client("controldeck", broker.tls_port, broker.tls)
    plug1 = Client("plug1", broker.plain_port)
    try:
        plug1.client.subscribe("cmnd/#", qos=1)
        settle()
        collector.client.publish("cmnd/plug1/POWER", "ON", qos=1).wait_for_publish(5)
        collector.client.publish("cmnd/plug2/POWER", "ON", qos=1).wait_for_publish(5)
        settle()
        assert plug1.received == ["cmnd/plug1/POWER"]
    finally:
        collector.close()
        plug1.close()


@pytest.mark.parametrize("right_ca", [True, False])
def test_the_tls_listener_verifies_against_the_plant_ca(
    broker: Broker, tmp_path: Path, right_ca: bool
) -> None:
    ca = (
        broker.tls.ca_file
        if right_ca
        else generate_tls_files(tmp_path / "other", name="other").ca_file
    )
    context = ssl.create_default_context(cafile=str(ca))
    with socket.create_connection(("127.0.0.1", broker.tls_port), timeout=5) as raw:
        if right_ca:
            with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                assert tls.version() in ("TLSv1.2", "TLSv1.3")
        else:
            with pytest.raises(ssl.SSLCertVerificationError):
                context.wrap_socket(raw, server_hostname="127.0.0.1")
