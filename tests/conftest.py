"""Fixtures shared by every test package: free ports, service requirements, PostgreSQL databases."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import Iterator

import pytest

_HOME = tempfile.mkdtemp(prefix="controldeck-test-home-")
for _var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
    # platformdirs reads these on every call: keys, spool and logs of tests stay out of $HOME
    os.environ[_var] = os.path.join(_HOME, _var.lower())

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_ADMIN_DSN = os.environ.get(
    "CONTROLDECK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def require(condition: bool, what: str) -> None:
    """Skip when a service or tool is missing, except under CI=true where it is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required for this test and missing under CI: {what}")
    pytest.skip(f"missing: {what}")


def require_binary(name: str) -> str:
    """Path of an executable, or skip/fail as :func:`require` does."""
    path = shutil.which(name) or (
        f"/usr/sbin/{name}" if os.path.exists(f"/usr/sbin/{name}") else None
    )
    require(path is not None, f"executable {name}")
    assert path is not None
    return path


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database of this test's own (dropped afterwards), as a SQLAlchemy URL."""
    psycopg = pytest.importorskip("psycopg")
    require(port_open("127.0.0.1", 5432), "PostgreSQL on 127.0.0.1:5432")
    name = f"cd_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
