"""Fixtures for the console security tests: a fresh plant store with no user (real SQLite,
real :class:`SecurityServices` with an injected clock and the OWASP-floor argon2 parameters),
and an access context on it (real workers, real operator session)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from core.config import PlantConfig, load_config
from core.model import NS_PER_S
from core.security.roles import Role, Scope
from core.security.service import SecurityServices
from core.security.users import User
from core.store.historian import Historian
from hmi.formatting import PlantClock
from hmi.operator import OperatorSession
from hmi.security.access import AccessContext
from hmi.workers import WorkerPool

T0 = 1_767_225_600 * NS_PER_S  # 2026-01-01T00:00:00Z
ADMIN_PASSWORD = "Velvet-Harbour-Lantern-91"
OPERATOR_PASSWORD = "Copper-Meadow-Falcon-27"
LOCKOUT_FAILURES = 3
IDLE_MINUTES = 15

FRESH_PLANT = f"""
[plant]
name = "Fresh plant"
timezone = "Europe/Berlin"

[store]
url = "sqlite:///plant.db"

[[areas]]
name = "boiler house"
site = "north"

[[areas]]
name = "utilities"
site = "north"

[[areas]]
name = "packing"
site = "south"

[security]
key_file = "keys/installation.key"
checkpoint_file = "audit/checkpoint.json"
station = "panel-7"
lockout_failures = {LOCKOUT_FAILURES}
lockout_minutes = 10
idle_logout_minutes = {IDLE_MINUTES}
  [security.hashing]
  memory_kib = 19456
"""


class FakeClock:
    """Injected wall clock (UTC epoch ns): tests move it, never sleep."""

    def __init__(self, start_ns: int = T0) -> None:
        self.now = start_ns

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.now += int(seconds * NS_PER_S)


@pytest.fixture
def clock() -> FakeClock:
    """A fresh clock at 2026-01-01T00:00:00Z."""
    return FakeClock()


@pytest.fixture
def plant_config(tmp_path: Path) -> PlantConfig:
    """A plant with three areas on two sites and no user."""
    path = tmp_path / "plant.toml"
    path.write_text(FRESH_PLANT, encoding="utf-8")
    return load_config(path)


@pytest.fixture
def historian(plant_config: PlantConfig) -> Iterator[Historian]:
    """The migrated, empty SQLite store."""
    store = Historian.open(plant_config)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def services(plant_config: PlantConfig, historian: Historian, clock: FakeClock) -> SecurityServices:
    """The security core on the fresh store, with the injected clock."""
    return SecurityServices.open(plant_config, historian.engine, clock=clock)


@pytest.fixture
def make_access(
    plant_config: PlantConfig, historian: Historian, qtbot: QtBot
) -> Iterator[Callable[..., AccessContext]]:
    """Build an access context on some security services (own workers and operator session)."""
    made: list[AccessContext] = []

    def build(security: Any, touch: bool = False) -> AccessContext:
        workers = WorkerPool()
        access = AccessContext(
            security=security,
            workers=workers,
            operator=OperatorSession(security, workers, keep_alive_ms=3_600_000),
            clock=PlantClock(plant_config.plant.timezone),
            areas=tuple((a.name, a.site) for a in plant_config.areas),
            touch=lambda: touch,
        )
        made.append(access)
        return access

    yield build
    for access in made:
        access.operator.logout("test over")
        access.workers.wait(30_000)


@pytest.fixture
def access(services: SecurityServices, make_access: Callable[..., AccessContext]) -> AccessContext:
    """An access context on the fresh store (nobody logged on)."""
    return make_access(services)


def create_accounts(services: SecurityServices) -> tuple[User, User]:
    """The administrator and an operator of the utilities area (through the real user admin)."""
    admin = services.admin.create_first_administrator(
        "ada", ADMIN_PASSWORD, full_name="Ada Lovelace"
    )
    olaf = services.admin.add_user(
        admin,
        "olaf",
        OPERATOR_PASSWORD,
        frozenset({Role.OPERATOR}),
        Scope(areas=frozenset({"utilities"})),
        full_name="Olaf Berg",
    )
    return admin, olaf


def log_on(qtbot: QtBot, access: AccessContext, name: str, password: str) -> None:
    """Log a user on through the console's operator session and wait for it."""
    access.operator.login(name, password)
    qtbot.waitUntil(lambda: access.operator.username == name, timeout=10_000)


def audit_rows(services: SecurityServices) -> list[tuple[str, str, str, str]]:
    """(action, username, target, outcome) of every audit row, in order."""
    return [(r.action, r.username, r.target, r.outcome) for r in services.audit.records()]
