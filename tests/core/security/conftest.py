"""Fixtures for the security tests: a plant with a real SQLite store, an injected clock, users.

Hashing uses the OWASP floor (19 MiB, t=2, p=1) from ``[security.hashing]``: still valid
argon2id, about three times faster than the production default; one test uses the default.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jaraco.classes import properties
from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked

import core.config
from core.config import PlantConfig, load_config
from core.model import NS_PER_S
from core.security.config import HashingConfig
from core.security.passwords import PasswordHasher
from core.security.roles import Role, Scope
from core.security.secrets import REDACTOR
from core.security.service import SecurityServices
from core.security.users import User
from core.store.historian import Historian
from tests.core.plant import write_plant

S = NS_PER_S
T0 = 1_767_225_600 * S  # 2026-01-01T00:00:00Z
PASSWORD = "Tr0ub4dor&3-horse-staple"
FAST_HASHING = HashingConfig(memory_kib=19_456, time_cost=2, parallelism=1)

SECURITY_TOML = """
[security]
key_file = "keys/installation.key"
checkpoint_file = "audit/checkpoint.json"
station = "panel-1"
lockout_failures = 5
lockout_minutes = 10
idle_logout_minutes = 15

[security.hashing]
memory_kib = 19456
time_cost = 2
parallelism = 1

[[areas]]
name = "boiler"
site = "north"

[[areas]]
name = "press"
site = "north"

[[areas]]
name = "packing"
site = "south"
"""


class FakeClock:
    """Injected wall clock (UTC epoch ns); tests move it, never sleep."""

    def __init__(self, start_ns: int = T0) -> None:
        self.now = start_ns

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float) -> int:
        self.now += int(seconds * S)
        return self.now


@pytest.fixture(scope="package", autouse=True)
def _security_section_wired() -> Iterator[None]:
    """Until the lead adds ``security: dict`` to PlantConfig, tests load plant files with it.

    A no-op once ``PlantConfig`` has the field.
    """
    if "security" in PlantConfig.model_fields:
        yield
        return

    class WiredPlantConfig(PlantConfig):
        security: dict[str, Any] = {}

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(core.config, "PlantConfig", WiredPlantConfig)
        yield


@pytest.fixture(autouse=True)
def _no_key_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONTROLDECK_AUDIT_KEY", raising=False)


@pytest.fixture
def clock() -> FakeClock:
    """A fresh clock at 2026-01-01T00:00:00Z."""
    return FakeClock()


@pytest.fixture
def plant_path(tmp_path: Path) -> Path:
    """A plant file with ``[security]`` (fast hashing, key and checkpoint beside it)."""
    return write_plant(tmp_path, extra=SECURITY_TOML)


@pytest.fixture
def historian(plant_path: Path) -> Iterator[Historian]:
    """The migrated SQLite store of the plant."""
    hist = Historian.open(load_config(plant_path))
    try:
        yield hist
    finally:
        hist.close()


@pytest.fixture
def services(plant_path: Path, historian: Historian, clock: FakeClock) -> SecurityServices:
    """The security core on the real store."""
    return SecurityServices.open(load_config(plant_path), historian.engine, clock=clock)


@pytest.fixture(scope="session")
def password_hash() -> str:
    """One fast hash of :data:`PASSWORD`, reused where the test is not about hashing."""
    return PasswordHasher(FAST_HASHING).hash(PASSWORD)


def add_user(
    services: SecurityServices,
    name: str,
    roles: set[Role] | frozenset[Role],
    password_hash: str,
    *,
    areas: tuple[str, ...] = (),
    sites: tuple[str, ...] = (),
    full_name: str = "",
) -> User:
    """Insert an account directly (the matrix tests need many; admin paths are tested apart)."""
    scope = Scope(frozenset(sites), frozenset(areas))
    return services.users.create(
        name, password_hash, frozenset(roles), scope, services.clock(), full_name
    )


@pytest.fixture
def no_password_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture everything at DEBUG; afterwards assert the test password never shows."""
    caplog.set_level(logging.DEBUG)
    yield caplog
    assert PASSWORD not in caplog.text
    assert all(PASSWORD not in r.getMessage() for r in caplog.records)


def audit_actions(services: SecurityServices) -> list[tuple[str, str, str]]:
    """(action, username, outcome) of every audit row, in order."""
    return [(r.action, r.username, r.outcome) for r in services.audit.records()]


@pytest.fixture
def redactor_restored() -> Iterator[None]:
    """Undo :func:`install_redaction` after a test (filters and record factory)."""
    factory = logging.getLogRecordFactory()
    root = logging.getLogger()
    filters = list(root.filters)
    yield
    logging.setLogRecordFactory(factory)
    for f in list(root.filters):
        if f not in filters:
            root.removeFilter(f)
    for handler in root.handlers:
        handler.removeFilter(REDACTOR)


class MemoryKeyring(KeyringBackend):
    """An in-memory OS keyring stand-in (never chosen automatically)."""

    @properties.classproperty
    def priority(cls) -> float:  # noqa: N805 (a class property)
        raise RuntimeError("test backend")

    def __init__(self, locked: bool = False) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}
        self.locked = locked

    def get_password(self, service: str, username: str) -> str | None:
        if self.locked:
            raise KeyringLocked("locked")
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)
