"""The installation key: outside the database, 0600, never replaced silently, never logged."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import keyring.core
import pytest

from core.config import load_config
from core.security.config import SecurityConfig
from core.security.events import AuditEvent
from core.security.keys import InstallationKeyError, InstallationKeys, load_master_key
from core.security.service import SecurityServices
from core.store.historian import Historian
from tests.core.security.conftest import FakeClock, MemoryKeyring

ENV_KEY = "ab" * 32


def test_first_run_creates_a_private_key_file(
    plant_path: Path, services: SecurityServices, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    path = plant_path.parent / "keys" / "installation.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0
    key_hex = path.read_text().strip()
    assert len(bytes.fromhex(key_hex)) == 32
    assert key_hex not in caplog.text and key_hex not in repr(services.keys)
    assert "<hidden>" in repr(InstallationKeys.derive(b"k" * 32))


def test_key_is_reused(
    plant_path: Path, historian: Historian, services: SecurityServices, clock: FakeClock
) -> None:
    services.audit.append(AuditEvent("login", "alice"))
    again = SecurityServices.open(load_config(plant_path), historian.engine, clock=clock)
    assert again.keys.audit == services.keys.audit and again.audit.verify().ok


def test_lost_key_is_an_error_not_a_new_key(
    plant_path: Path, historian: Historian, services: SecurityServices, clock: FakeClock
) -> None:
    services.audit.append(AuditEvent("login", "alice"))
    key_file = plant_path.parent / "keys" / "installation.key"
    key_hex = key_file.read_text().strip()
    key_file.unlink()
    with pytest.raises(InstallationKeyError, match="restore it from the backup") as info:
        SecurityServices.open(load_config(plant_path), historian.engine, clock=clock)
    assert not key_file.exists() and key_hex not in str(info.value)


def test_key_readable_by_others_is_refused(plant_path: Path, services: SecurityServices) -> None:
    key_file = plant_path.parent / "keys" / "installation.key"
    os.chmod(key_file, 0o644)
    with pytest.raises(InstallationKeyError, match="chmod 600"):
        load_master_key(SecurityConfig(), key_file, create=False)


def test_environment_key_overrides(tmp_path: Path) -> None:
    missing = tmp_path / "none.key"
    key = load_master_key(
        SecurityConfig(), missing, create=True, environ={"CONTROLDECK_AUDIT_KEY": ENV_KEY}
    )
    assert key == bytes.fromhex(ENV_KEY) and not missing.exists()


@pytest.mark.parametrize("value", ["not-hex-at-all-" * 5, "abcd" * 8])
def test_malformed_environment_key_is_named_not_shown(tmp_path: Path, value: str) -> None:
    with pytest.raises(InstallationKeyError, match="CONTROLDECK_AUDIT_KEY") as info:
        load_master_key(
            SecurityConfig(), tmp_path / "k", create=True, environ={"CONTROLDECK_AUDIT_KEY": value}
        )
    assert value not in str(info.value)


def test_keyring_source(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    backend = MemoryKeyring()
    monkeypatch.setattr(keyring.core, "_keyring_backend", backend)
    config = SecurityConfig(key_source="keyring", keyring_service="CD-test", keyring_user="plant-7")
    with pytest.raises(InstallationKeyError, match="no installation key stored"):
        load_master_key(config, tmp_path / "unused", create=False, environ={})
    created = load_master_key(config, tmp_path / "unused", create=True, environ={})
    assert backend.items[("CD-test", "plant-7")] == created.hex()
    assert load_master_key(config, tmp_path / "unused", create=False, environ={}) == created
    assert not (tmp_path / "unused").exists()


def test_purpose_keys_differ() -> None:
    keys = InstallationKeys.derive(b"m" * 32)
    assert len({keys.audit, keys.device, keys.signature}) == 3
