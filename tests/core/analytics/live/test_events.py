"""Anomaly event storage: upserts, overlap queries, retry after a store failure, the migration."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext

from core.analytics.live import AnomalyEvent, EventStore, anomaly_events, list_events
from core.counters import Counters
from core.model import NS_PER_S
from core.store import database
from core.store.schema import metadata
from tests.core.analytics.live.conftest import make_event

S = NS_PER_S


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    engine = database.make_engine(sa.make_url(f"sqlite:///{tmp_path / 'events.db'}"))
    database.upgrade(engine)
    yield engine
    engine.dispose()


def _store(engine: sa.Engine, *events: AnomalyEvent) -> EventStore:
    store = EventStore(engine, Counters())
    for event in events:
        store.save(event)
    assert store.flush()
    return store


def test_snapshots_of_one_event_become_one_row(engine: sa.Engine) -> None:
    opened = make_event("a/x", 100, None)
    store = _store(engine, opened)
    store.save(replace(opened, peak_score=0.9))
    store.save(replace(opened, peak_score=0.9, end_ns=160 * S, close_reason="recovered"))
    assert store.pending == 1 and store.flush() and store.pending == 0
    (row,) = list_events(engine, 0, 10**6 * S)
    assert (row.peak_score, row.end_ns, row.close_reason) == (0.9, 160 * S, "recovered")
    assert store.load_open() == []


EVENTS = [
    make_event("a/x", 100, 110),
    make_event("a/x", 200, None),
    make_event("b/y", 150, 300),
    make_event("b/y", 400, 405),
]


@pytest.mark.parametrize(
    ("start_s", "end_s", "tag", "open_only", "limit", "expected"),
    [
        (0, 1000, None, False, None, [("a/x", 100), ("b/y", 150), ("a/x", 200), ("b/y", 400)]),
        (111, 199, None, False, None, [("b/y", 150)]),
        (110, 110, None, False, None, [("a/x", 100)]),
        (301, 399, None, False, None, [("a/x", 200)]),
        (0, 1000, "b/y", False, None, [("b/y", 150), ("b/y", 400)]),
        (0, 1000, None, True, None, [("a/x", 200)]),
        (0, 1000, None, False, 2, [("a/x", 200), ("b/y", 400)]),
        (0, 99, None, False, None, []),
    ],
)
def test_list_events_overlapping_a_period(
    engine: sa.Engine,
    start_s: int,
    end_s: int,
    tag: str | None,
    open_only: bool,
    limit: int | None,
    expected: list[tuple[str, int]],
) -> None:
    _store(engine, *EVENTS)
    found = list_events(engine, start_s * S, end_s * S, tag=tag, open_only=open_only, limit=limit)
    assert [(e.tag, e.start_ns // S) for e in found] == expected


def test_a_failed_write_is_kept_and_retried(tmp_path: Path) -> None:
    engine = database.make_engine(sa.make_url(f"sqlite:///{tmp_path / 'bare.db'}"))
    counters = Counters()
    clock = [0.0]
    store = EventStore(engine, counters, retry_interval_s=5.0, monotonic=lambda: clock[0])
    store.save(make_event("a/x", 1, None))
    assert not store.flush() and store.pending == 1  # no table yet: the write fails
    assert counters.get("anomaly.event_write_errors") == 1
    metadata.create_all(engine, tables=[anomaly_events])
    assert not store.flush() and counters.get("anomaly.event_write_errors") == 1  # waits
    clock[0] = 5.0
    assert store.flush() and store.pending == 0
    assert [e.tag for e in list_events(engine, 0, 10 * S)] == ["a/x"]
    engine.dispose()


def test_too_many_unwritten_events_drop_the_oldest_counted(engine: sa.Engine) -> None:
    counters = Counters()
    store = EventStore(engine, counters, max_pending=2)
    for start in (1, 2, 3):
        store.save(make_event("a/x", start, None))
    assert store.pending == 2 and counters.get("anomaly.events_dropped") == 1
    assert store.flush()
    assert [e.start_ns // S for e in list_events(engine, 0, 10 * S)] == [2, 3]


def test_list_events_refuses_a_reversed_period(engine: sa.Engine) -> None:
    with pytest.raises(ValueError, match="end before start"):
        list_events(engine, 10, 5)


def _downgrade(engine: sa.Engine, revision: str) -> None:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(database.MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def _schema_diff(engine: sa.Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    return [d for d in diff if "anomaly_events" in repr(d)]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_0007_creates_exactly_the_table(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'm.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    engine = database.make_engine(database.resolve_url(url, tmp_path))
    try:
        database.upgrade(engine, "0006")
        assert "anomaly_events" not in sa.inspect(engine).get_table_names()
        database.upgrade(engine, "0007")
        assert database.current_revision(engine) == "0007"
        assert _schema_diff(engine) == []
        _downgrade(engine, "0006")
        assert "anomaly_events" not in sa.inspect(engine).get_table_names()
        database.upgrade(engine)
        _store(engine, make_event("a/x", 1, None))
        assert len(list_events(engine, 0, 10 * S)) == 1
    finally:
        engine.dispose()
