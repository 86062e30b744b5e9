"""Helpers for the alarm tests: an injected clock, batch builders, engines on memory and SQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine

from core.alarms.config import AlarmDefinition, parse_alarm_sections
from core.alarms.engine import AlarmEngine
from core.alarms.journal import JournalSink, MemoryJournal
from core.alarms.permissions import AllowAll, PermissionChecker
from core.alarms.tables import ALARM_TABLES
from core.model import NS_PER_S, SampleBatch
from core.store.schema import metadata

S = NS_PER_S
T0 = 1_700_000_000 * S
"""A fixed epoch for the tests (2023-11-14T22:13:20Z, a Tuesday)."""


class FakeClock:
    """An injected clock: ``clock()`` returns the current time; ``advance`` moves it."""

    def __init__(self, start_ns: int = T0) -> None:
        self.now = start_ns

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float) -> int:
        self.now += int(seconds * S)
        return self.now

    def at(self, seconds: float) -> int:
        """Absolute time ``seconds`` after T0 (and sets the clock there)."""
        self.now = T0 + int(seconds * S)
        return self.now


def batch(rows: Sequence[tuple[int, float, float] | tuple[int, float, float, int]]) -> SampleBatch:
    """Rows of (tag_id, seconds after T0, value[, quality])."""
    tags = [r[0] for r in rows]
    ts = [T0 + int(r[1] * S) for r in rows]
    values = [r[2] for r in rows]
    quality = [r[3] if len(r) > 3 else 0 for r in rows]  # type: ignore[misc]
    return SampleBatch.from_columns(tags, ts, values, quality)


def definitions(*raw: dict[str, Any]) -> list[AlarmDefinition]:
    """Validated definitions from raw ``[[alarms]]`` tables."""
    return parse_alarm_sections(list(raw), [], {}, "test.toml").alarms


class Resolver:
    """Tag name -> id; unknown names get the next id on first use."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def __call__(self, name: str) -> int | None:
        return self.ids.setdefault(name, len(self.ids) + 1)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_engine(
    clock: FakeClock,
) -> Callable[..., tuple[AlarmEngine, MemoryJournal, Resolver]]:
    """Build an engine over raw definitions with a memory journal and the fake clock."""

    def build(
        *raw: dict[str, Any],
        permissions: PermissionChecker | None = None,
        journal: JournalSink | None = None,
        **options: Any,
    ) -> tuple[AlarmEngine, MemoryJournal, Resolver]:
        memory = MemoryJournal()
        resolver = Resolver()
        engine = AlarmEngine(
            definitions(*raw),
            resolver,
            journal if journal is not None else memory,
            permissions or AllowAll(),
            clock=clock,
            **options,
        )
        return engine, memory, resolver

    return build


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A file SQLite database holding the alarm tables."""
    engine = create_engine(f"sqlite:///{tmp_path / 'alarms.db'}")
    metadata.create_all(engine, tables=list(ALARM_TABLES))
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """The alarm tables on SQLite (file) and on PostgreSQL (a fresh database)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'alarms.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    engine = create_engine(url)
    metadata.create_all(engine, tables=list(ALARM_TABLES))
    yield engine
    engine.dispose()
