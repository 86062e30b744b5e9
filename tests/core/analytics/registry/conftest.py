"""Registry fixtures: a store engine per backend with the registry tables, a key, a clock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from core.analytics.registry import REGISTRY_TABLES, ModelKey, ModelRegistry
from core.store.database import make_engine, resolve_url
from core.store.schema import metadata

T0 = 1_700_000_000 * 1_000_000_000


class FakeClock:
    """A settable clock in nanoseconds."""

    def __init__(self, now_ns: int = T0) -> None:
        self.now_ns = now_ns

    def __call__(self) -> int:
        return self.now_ns

    def advance(self, seconds: float) -> None:
        self.now_ns += round(seconds * 1_000_000_000)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine with just the registry tables (created from the metadata)."""
    url = (
        f"sqlite:///{tmp_path / 'models.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    db = make_engine(resolve_url(url, tmp_path))
    metadata.create_all(db, tables=list(REGISTRY_TABLES))
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture
def key() -> ModelKey:
    return ModelKey(os.urandom(32))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def registry(engine: Engine, key: ModelKey, clock: FakeClock) -> ModelRegistry:
    return ModelRegistry(engine, key, clock)
