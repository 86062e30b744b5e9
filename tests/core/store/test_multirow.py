"""SQLite's multi-row statements: chunk boundaries, duplicates, rollups, latest, variable limit.

The SQLite dialect writes raw, rollup and latest rows up to 500 per ``INSERT ... VALUES``
statement. Batch sizes around those boundaries are checked at two levels: the dialect alone,
with duplicate rows inside the statement sequence (the writer removes those before, but the
statements must not miscount them), and the whole writer, whose counters report ``stored``
rows and ``duplicates`` (repeated in the batch plus already stored).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

from core.config import load_config
from core.ingest import IngestPipeline
from core.model import NS_PER_S, Quality, SampleBatch
from core.store.backend import SampleBackend
from core.store.dialects import SqliteDialect
from core.store.historian import Historian
from core.store.multirow import ROWS_PER_STATEMENT, rows_per_statement
from core.store.retention import DAY_NS
from tests.core.plant import write_plant

T0 = 1_767_225_600 * NS_PER_S  # 2026-01-01T00:00:00Z, a whole hour
SIZES = [0, 1, 499, 500, 501, 1000, 1234]
ROLLUP_WIDTHS = {"rollup_1m": 60, "rollup_1h": 3600}


@pytest.fixture
def sqlite_historian(tmp_path: Path) -> Iterator[Historian]:
    """A migrated SQLite historian with its writer running."""
    hist = Historian.open(load_config(write_plant(tmp_path, "sqlite:///plant.db")))
    hist.start()
    yield hist
    hist.close()


def ingest(hist: Historian, batch: SampleBatch) -> None:
    """Through the ingest pipeline into the running writer; returns once durable."""
    pipeline = IngestPipeline(
        hist.registry, hist.writer, hist.counters, clock=lambda: T0 + 400 * DAY_NS
    )
    done = threading.Event()
    batch.historical = True
    pipeline.process(None, batch, "test", T0, done.set)
    assert done.wait(30), "writer did not confirm the batch"


def rows(tags: list[int], ts_s: list[int], seed: int) -> SampleBatch:
    """One row per (tag, ts) pair, random values, every 7th row of bad quality."""
    rng = np.random.default_rng(seed)
    quality = np.zeros(len(tags))
    quality[::7] = int(Quality.BAD_COMMS_LOST)
    ts = T0 + np.asarray(ts_s, dtype=np.int64) * NS_PER_S
    return SampleBatch.from_columns(
        np.asarray(tags, dtype=np.int64), ts, rng.normal(50, 5, len(tags)), quality
    )


def new_rows(tag_ids: list[int], n: int, seed: int = 1) -> SampleBatch:
    """``n`` rows two per tag (0 s and 70 s: two 1-minute buckets, one 1-hour bucket)."""
    return rows([tag_ids[i // 2] for i in range(n)], [(i % 2) * 70 for i in range(n)], seed)


def chunk_edges(n: int) -> list[int]:
    """Row indexes on both sides of each statement boundary (and the last row)."""
    edges = {i for k in range(ROWS_PER_STATEMENT, n, ROWS_PER_STATEMENT) for i in (k - 1, k)}
    return sorted(i for i in edges | {0, n - 1} if 0 <= i < n)


def stored(hist: Historian, sql: str) -> list[tuple[Any, ...]]:
    with hist.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql)).all()]


# -- the dialect alone ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", SIZES)
def test_insert_samples_counts_new_rows_across_chunk_boundaries(
    sqlite_historian: Historian, n: int
) -> None:
    """``n`` statement rows; duplicates sit on each 500-row boundary and match stored rows."""
    tags = list(range(1, n + 2))
    fresh = rows(tags[:n], [0] * n, seed=2)
    for i in chunk_edges(n)[1::2]:  # each boundary's second row repeats the first one's key
        fresh.tag_ids[i] = fresh.tag_ids[i - 1]
    before = fresh.take(np.arange(0, n, 3))  # every 3rd row already stored
    keys, stored_keys = set(fresh.tag_ids.tolist()), set(before.tag_ids.tolist())
    raw: Any = sqlite_historian.engine.raw_connection()
    try:
        cur = raw.cursor()
        assert SqliteDialect().insert_samples(cur, before) == len(stored_keys)
        assert SqliteDialect().insert_samples(cur, fresh) == len(keys - stored_keys)
        raw.commit()
    finally:
        raw.close()
    assert stored(sqlite_historian, "SELECT count(*) FROM samples") == [(len(keys),)]
    if n > ROWS_PER_STATEMENT:
        assert len(keys) < n  # duplicates did straddle a statement boundary


def test_rows_per_statement_follow_the_variable_limit() -> None:
    assert rows_per_statement(4, 32766) == ROWS_PER_STATEMENT
    assert rows_per_statement(13, 32766) == ROWS_PER_STATEMENT
    assert rows_per_statement(13, 999) == 76  # 988 variables
    assert rows_per_statement(4, 999) == 249
    assert rows_per_statement(2000, 999) == 1
    for width in (4, 13):
        for limit in (999, 32766, 250000):
            assert rows_per_statement(width, limit) * width <= limit


def test_a_low_variable_limit_is_never_exceeded(sqlite_historian: Historian) -> None:
    """A build with the old limit of 999: 13 rollup columns x 500 rows would not fit."""
    backend = SampleBackend(sqlite_historian.engine)
    backend.connect()
    try:
        dbapi: sqlite3.Connection = backend._conn.dbapi_connection
        dbapi.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
        batch = new_rows(list(range(1, 1000)), 1234)
        stats = backend.write(batch)
    finally:
        dbapi.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 32766)
        backend.close()
    assert (stats.inserted, stats.duplicates) == (1234, 0)
    assert stored(sqlite_historian, "SELECT count(*), sum(n) FROM rollup_1m") == [(1234, 1234)]
    assert stored(sqlite_historian, "SELECT count(*) FROM latest") == [(617,)]


# -- the whole writer ----------------------------------------------------------------------------


def writer_batches(hist: Historian, n: int) -> tuple[SampleBatch, SampleBatch, SampleBatch]:
    """(stored first, new rows, second batch): the second holds ``n`` new rows, copies of some
    of them (in-batch duplicates, listed after their originals) and every row stored first."""
    count = max(1, (n + 1) // 2)
    tag_ids = [hist.registry.resolve_or_discover(f"d{k}/v") for k in range(count)]
    assert all(t is not None for t in tag_ids)
    ids = [int(t) for t in tag_ids if t is not None]
    first = rows(ids[::3], [30] * len(ids[::3]), seed=3)  # same buckets, newer than 0 s
    fresh = new_rows(ids, n)
    copies = fresh.take(np.asarray(chunk_edges(n), dtype=np.intp))
    copies.values[:] = -1.0  # the original (first occurrence) must win
    second = SampleBatch.concat([fresh, first, copies])
    return first, fresh, second


@pytest.mark.parametrize("n", SIZES)
def test_writer_stores_new_rows_once_and_counts_duplicates(
    sqlite_historian: Historian, n: int
) -> None:
    first, fresh, second = writer_batches(sqlite_historian, n)
    ingest(sqlite_historian, first)
    counters = sqlite_historian.counters
    stored_before, dups_before = counters.get("stored"), counters.get("duplicates")
    ingest(sqlite_historian, second)
    assert counters.get("stored") - stored_before == n
    assert counters.get("duplicates") - dups_before == len(second) - n
    raw = stored(sqlite_historian, "SELECT tag_id, ts, value, quality FROM samples")
    assert len(raw) == len(first) + n
    by_key = {(r[0], r[1]): r[2] for r in raw}
    originals = zip(
        fresh.tag_ids.tolist(), fresh.ts_ns.tolist(), fresh.values.tolist(), strict=True
    )
    assert all(by_key[(t, ts)] == v for t, ts, v in originals)  # the first occurrence won
    check_rollups(sqlite_historian, raw)
    check_latest(sqlite_historian, raw)


def check_rollups(hist: Historian, raw: list[tuple[Any, ...]]) -> None:
    """Every rollup row equals the aggregate of its raw rows."""
    for table, width_s in ROLLUP_WIDTHS.items():
        expected = aggregates(raw, width_s * NS_PER_S)
        got = stored(
            hist,
            f"SELECT tag_id, bucket, n, n_bad, vsum, vmin, vmax, tmin, tmax, first_ts, "
            f"first_value, last_ts, last_value FROM {table}",
        )
        assert {(r[0], r[1]) for r in got} == set(expected)
        for row in got:
            want = expected[(row[0], row[1])]
            assert row[2:4] == want[:2] and row[4] == pytest.approx(want[2])
            assert row[5:] == want[3:]


def aggregates(raw: list[tuple[Any, ...]], width: int) -> dict[tuple[int, int], tuple[Any, ...]]:
    """(tag, bucket) -> (n, n_bad, vsum, vmin, vmax, tmin, tmax, first, first v, last, last v)."""
    groups: dict[tuple[int, int], list[tuple[Any, ...]]] = {}
    for row in sorted(raw, key=lambda r: (r[0], r[1])):
        groups.setdefault((row[0], row[1] // width * width), []).append(row)
    out = {}
    for key, group in groups.items():
        low = min(group, key=lambda r: r[2])
        high = max(group, key=lambda r: r[2])
        bad = sum(1 for r in group if r[3] >= 128)
        total = sum(r[2] for r in group)
        ends = (group[0][1], group[0][2], group[-1][1], group[-1][2])
        out[key] = (len(group), bad, total, low[2], high[2], low[1], high[1], *ends)
    return out


def check_latest(hist: Historian, raw: list[tuple[Any, ...]]) -> None:
    """``latest`` holds each tag's newest raw row (stored rows newer than the batch stay)."""
    newest: dict[int, tuple[int, float]] = {}
    for tag_id, ts, value, _ in raw:
        if tag_id not in newest or ts > newest[tag_id][0]:
            newest[tag_id] = (ts, value)
    got = {r[0]: (r[1], r[2]) for r in stored(hist, "SELECT tag_id, ts, value FROM latest")}
    assert got == newest
