"""Secured sessions against a real server: trust list, rejected certificates, user tokens."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.model import Quality
from drivers.base import LinkState, WriteOutcome, WriteRequest
from drivers.opcua.pki import certificate_file_name, load_certificate_file
from drivers.opcua.security import list_rejected, trust_server_certificate
from tests.conftest import free_port
from tests.drivers.opcua.conftest import BoilerServer, make_config, wait_state, wait_until

PASSWORD = "s3cret-Pa55"
PASSWORD_ENV = "CONTROLDECK_TEST_OPCUA_PASSWORD"
NODES = [
    {"tag": "boiler/temperature", "node": "ns=2;s=Boiler.Temperature"},
    {"tag": "boiler/setpoint", "node": "ns=2;s=Boiler.Setpoint", "writable": True},
]


@pytest.fixture(scope="module")
def secure_server(
    tmp_path_factory: pytest.TempPathFactory, server_cert_dir: Path
) -> Iterator[BoilerServer]:
    """SignAndEncrypt only (Basic256Sha256, Aes256_Sha256_RsaPss), user alice, no anonymous."""
    server = BoilerServer(
        free_port(),
        tmp_path_factory.mktemp("secure-server"),
        "--security",
        "sign-encrypt",
        "--cert-dir",
        str(server_cert_dir),
        "--user",
        f"alice:{PASSWORD}",
    )
    server.start()
    yield server
    server.kill()


@pytest.fixture(autouse=True)
def password_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)


def secure_config(endpoint: str, pki: Path, policy: str = "Basic256Sha256", **extra):
    return make_config(
        endpoint,
        NODES,
        security_mode="SignAndEncrypt",
        security_policy=policy,
        username="alice",
        password_env=PASSWORD_ENV,
        pki_dir=str(pki),
        **extra,
    )


def trust_server(pki: Path, server_cert_dir: Path) -> None:
    cert = server_cert_dir / "server_cert.der"
    (pki / "trusted").mkdir(parents=True, exist_ok=True)
    shutil.copy(cert, pki / "trusted" / certificate_file_name(load_certificate_file(cert)))


def has_good(readings) -> bool:
    return any(r.quality is Quality.GOOD for r in readings)


@pytest.mark.parametrize("policy", ["Basic256Sha256", "Aes256_Sha256_RsaPss"])
def test_sign_and_encrypt_session_with_trusted_server(
    secure_server, server_cert_dir, client_pki, run_driver, policy
) -> None:
    trust_server(client_pki, server_cert_dir)
    driver, sink = run_driver(secure_config(secure_server.endpoint, client_pki, policy))
    assert sink.wait_for(has_good, 10), driver.status.as_dict()
    assert driver.write(WriteRequest("boiler/setpoint", 63.0)).outcome is WriteOutcome.CONFIRMED
    assert list_rejected(client_pki) == []


def test_untrusted_server_is_refused_until_trusted(
    secure_server, client_pki, run_driver, caplog
) -> None:
    caplog.set_level(logging.INFO)
    driver, sink = run_driver(secure_config(secure_server.endpoint, client_pki))
    assert wait_until(lambda: list_rejected(client_pki) != [], 10)
    assert wait_state(driver, LinkState.OFFLINE, 5)
    assert "BadCertificateUntrusted" in driver.status.last_error
    assert not has_good(sink.readings())
    [rejected] = list_rejected(client_pki)
    assert rejected.application_uri == "urn:controldeck:test:boiler-server"

    trusted = trust_server_certificate(client_pki, rejected.name)
    assert trusted.parent == client_pki / "trusted" and list_rejected(client_pki) == []
    assert sink.wait_for(has_good, 15), "connects on the next retry, without a restart"
    assert driver.status.state is LinkState.ONLINE
    assert PASSWORD not in caplog.text and PASSWORD not in repr(driver.config)


def test_wrong_password_is_refused_and_never_shown(
    secure_server, server_cert_dir, client_pki, run_driver, monkeypatch, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv(PASSWORD_ENV, "wrong-Pa55word")
    trust_server(client_pki, server_cert_dir)
    driver, sink = run_driver(secure_config(secure_server.endpoint, client_pki))
    assert wait_state(driver, LinkState.OFFLINE, 10)
    assert wait_until(lambda: "Bad" in driver.status.last_error, 5), driver.status.last_error
    assert not has_good(sink.readings())
    assert "wrong-Pa55word" not in caplog.text + driver.status.last_error


def test_endpoint_offering_only_none_is_refused(plain_server, client_pki, run_driver) -> None:
    driver, sink = run_driver(secure_config(plain_server.endpoint, client_pki))
    assert wait_state(driver, LinkState.OFFLINE, 10)
    assert "offers no SignAndEncrypt/Basic256Sha256 endpoint" in driver.status.last_error
    assert not has_good(sink.readings())


def test_server_restart_keeps_a_secured_session_alive(
    start_server, server_cert_dir, client_pki, run_driver
) -> None:
    server = start_server(
        "--security",
        "sign-encrypt",
        "--cert-dir",
        str(server_cert_dir),
        "--user",
        f"alice:{PASSWORD}",
    )
    trust_server(client_pki, server_cert_dir)
    driver, sink = run_driver(secure_config(server.endpoint, client_pki))
    assert sink.wait_for(has_good, 10)
    server.kill()
    assert wait_state(driver, LinkState.OFFLINE, 10)
    mark = sink.mark()
    server.start()
    assert sink.wait_for(lambda rs: has_good(rs[mark:]), 15)
    assert driver.status.reconnects == 1
