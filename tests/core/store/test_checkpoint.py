"""The SQLite writer's WAL checkpoints on their own thread: bounded WAL, clean stop, no blocking.

No timed assertions: each round of commits waits until a checkpoint that started after the
round's last commit has finished (:attr:`WalCheckpointer.covered`), which is what bounds the
WAL (SQLite restarts the WAL from its start on the first commit after a complete checkpoint).
The WAL then holds about one round's pages: a few tags with many rows each, so that a commit
touches the newest pages of each tag rather than (in a tiny database) every page.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.config import load_config
from core.model import NS_PER_S, SampleBatch
from core.store.backend import SampleBackend
from core.store.checkpoint import BACKSTOP_PAGES, WalCheckpointer
from core.store.dialects import SqliteDialect
from core.store.historian import Historian
from tests.core.plant import write_plant

T0 = 1_767_225_600 * NS_PER_S
TAGS = 10
ROWS_PER_COMMIT = 2000
ROUNDS = 12
COMMITS_PER_ROUND = 5
THREAD_NAME = "sqlite-wal-checkpoint"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Historian]:
    """A migrated SQLite historian whose own writer is not started (tests bring a backend)."""
    hist = Historian.open(load_config(write_plant(tmp_path, "sqlite:///plant.db")))
    yield hist
    hist.close()


@pytest.fixture
def backend(db: Historian) -> Iterator[SampleBackend]:
    sample = SampleBackend(db.engine)
    yield sample
    sample.close()


def wal_path(db: Historian) -> Path:
    database = db.engine.url.database
    assert database is not None
    return Path(database + "-wal")


def batch(commit: int) -> SampleBatch:
    """ROWS_PER_COMMIT new rows: TAGS tags, one second apart, after every earlier commit."""
    per_tag = ROWS_PER_COMMIT // TAGS
    ts = T0 + (commit * per_tag + np.tile(np.arange(per_tag), TAGS)) * NS_PER_S
    tags = np.repeat(np.arange(1, TAGS + 1), per_tag)
    values = np.random.default_rng(commit).normal(50, 5, len(ts))
    return SampleBatch.from_columns(tags, ts, values, np.zeros(len(ts)))


def checkpointer(backend: SampleBackend) -> WalCheckpointer:
    found = backend._checkpointer
    assert found is not None
    return found


def wait_covered(cp: WalCheckpointer) -> None:
    """Until a checkpoint that started after every request so far has finished."""
    deadline = time.monotonic() + 30
    while cp.covered < cp.requests:
        assert time.monotonic() < deadline, f"checkpoints stuck: {cp.covered}/{cp.requests}"
        time.sleep(0.01)


def commit_round(backend: SampleBackend, first: int) -> None:
    for commit in range(first, first + COMMITS_PER_ROUND):
        stats = backend.write(batch(commit))
        assert stats.inserted == ROWS_PER_COMMIT


def checkpoint_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == THREAD_NAME]


def test_wal_stays_bounded_while_transactions_commit(db: Historian, backend: SampleBackend) -> None:
    cp = checkpointer(backend)
    for round_ in range(2):
        commit_round(backend, round_ * COMMITS_PER_ROUND)
        wait_covered(cp)
    one_round = wal_path(db).stat().st_size  # the migrations' WAL is gone by now
    assert one_round > 0
    for round_ in range(2, ROUNDS):
        commit_round(backend, round_ * COMMITS_PER_ROUND)
        wait_covered(cp)
    # Without checkpoints the WAL would hold all ROUNDS rounds (the sample connection's own
    # backstop only starts at BACKSTOP_PAGES); with them it is reused from its start.
    assert wal_path(db).stat().st_size <= 2 * one_round
    assert cp.failures == 0 and cp.checkpoints >= ROUNDS
    busy, frames, copied = cp.last_result or (-1, -1, -1)
    assert busy == 0 and frames == copied  # the last checkpoint copied the whole WAL
    assert frames * 4096 <= 2 * one_round < BACKSTOP_PAGES * 4096


def test_wal_checkpoint_pragma_reports_everything_copied(
    db: Historian, backend: SampleBackend
) -> None:
    commit_round(backend, 0)
    wait_covered(checkpointer(backend))
    with sqlite3.connect(str(db.engine.url.database)) as conn:
        busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert busy == 0 and frames == copied


def test_close_stops_the_thread_and_is_idempotent(backend: SampleBackend) -> None:
    backend.write(batch(0))
    assert checkpoint_threads(), "the first commit starts the checkpoint thread"
    backend.close()
    assert checkpoint_threads() == []
    backend.close()
    checkpointer(backend).close()
    assert checkpoint_threads() == []


def test_a_reader_snapshot_blocks_neither_the_writer_nor_the_checkpointer(
    db: Historian, backend: SampleBackend
) -> None:
    """PASSIVE checkpoints copy what no reader still needs; the writer goes on meanwhile."""
    cp = checkpointer(backend)
    backend.write(batch(0))
    reader = sqlite3.connect(str(db.engine.url.database), isolation_level=None)
    try:
        reader.execute("BEGIN")
        (seen,) = reader.execute("SELECT count(*) FROM samples").fetchone()
        commit_round(backend, 1)  # every commit succeeds while the snapshot is held
        wait_covered(cp)
        busy, frames, copied = cp.last_result or (-1, -1, -1)
        assert busy == 0 and copied < frames  # frames newer than the snapshot stay in the WAL
        assert reader.execute("SELECT count(*) FROM samples").fetchone() == (seen,)
        reader.execute("COMMIT")
    finally:
        reader.close()
    backend.write(batch(COMMITS_PER_ROUND + 1))
    wait_covered(cp)
    busy, frames, copied = cp.last_result or (-1, -1, -1)
    assert busy == 0 and copied == frames
    assert cp.failures == 0


PRAGMAS = ("synchronous", "cache_size", "wal_autocheckpoint")


def pragmas(conn: Any) -> tuple[int, ...]:
    return tuple(int(conn.execute(f"PRAGMA {name}").fetchone()[0]) for name in PRAGMAS)


def test_sample_connection_pragmas_are_restored_on_release(db: Historian) -> None:
    raw: Any = db.engine.raw_connection()
    try:
        pooled = pragmas(raw)
        SqliteDialect().prepare_sample_connection(raw)
        assert pragmas(raw) != pooled
        assert pragmas(raw)[2] == BACKSTOP_PAGES
        SqliteDialect().release_sample_connection(raw)
        assert pragmas(raw) == pooled
    finally:
        raw.close()


def test_closing_the_backend_returns_a_connection_with_the_pool_pragmas(
    db: Historian, backend: SampleBackend
) -> None:
    backend.connect()
    dbapi = backend._conn.dbapi_connection
    backend.close()
    raw: Any = db.engine.raw_connection()
    try:
        assert pragmas(dbapi) == pragmas(raw)
    finally:
        raw.close()
