"""Historian on SQLite and PostgreSQL: exact rollups, dedupe, decimation that keeps peaks, retention."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import sqlalchemy as sa

from core.config import RetentionClass
from core.counters import Counters
from core.ingest import IngestPipeline
from core.model import NS_PER_S, Quality, SampleBatch
from core.store import database
from core.store.historian import Historian
from core.store.retention import DAY_NS, apply_retention
from core.tags import TagInfo

T0 = 1_767_225_600 * NS_PER_S  # 2026-01-01T00:00:00Z


def ingest(hist: Historian, batch: SampleBatch, historical: bool = False) -> None:
    """Push a batch through a pipeline into the running writer and wait until it is durable."""
    pipeline = IngestPipeline(
        hist.registry, hist.writer, hist.counters, clock=lambda: T0 + 400 * DAY_NS
    )
    done = threading.Event()
    batch.historical = historical
    pipeline.process(None, batch, "test", T0, done.set)
    assert done.wait(30), "writer did not confirm the batch"


def tag(hist: Historian, name: str) -> int:
    tag_id = hist.registry.resolve_or_discover(name)
    assert tag_id is not None
    return tag_id


def series(tag_id: int, seconds: int, step_s: int = 1, seed: int = 0) -> SampleBatch:
    rng = np.random.default_rng(seed)
    ts = T0 + np.arange(0, seconds, step_s, dtype=np.int64) * NS_PER_S
    return SampleBatch.from_columns(
        np.full(len(ts), tag_id), ts, rng.normal(50, 5, len(ts)), np.zeros(len(ts))
    )


def test_migrations_reach_head_on_an_empty_database(historian: Historian) -> None:
    assert database.current_revision(historian.engine) is not None
    names = set(sa.inspect(historian.engine).get_table_names())
    assert {"samples", "tags", "rollup_1m", "rollup_1h", "latest", "quarantine"} <= names


def test_rollups_equal_aggregates_of_the_raw_rows(historian: Historian) -> None:
    tid = tag(historian, "m1/power")
    data = series(tid, 7200)
    data.quality[::97] = int(Quality.BAD_COMMS_LOST)
    ingest(historian, data.take(np.arange(0, 3000)))
    ingest(historian, data.take(np.arange(3000, 7200)))
    with historian.engine.connect() as conn:
        rows = (
            conn.execute(
                sa.text("SELECT * FROM rollup_1m WHERE tag_id=:t ORDER BY bucket"), {"t": tid}
            )
            .mappings()
            .all()
        )
    assert len(rows) == 120
    for k, row in enumerate(rows):
        sl = slice(k * 60, (k + 1) * 60)
        v = data.values[sl]
        assert row["n"] == 60 and row["vsum"] == pytest.approx(v.sum())
        assert (row["vmin"], row["vmax"]) == (v.min(), v.max())
        assert (
            row["tmin"] == data.ts_ns[sl][v.argmin()] and row["tmax"] == data.ts_ns[sl][v.argmax()]
        )
        assert (row["first_value"], row["last_value"]) == (v[0], v[-1])
        assert row["n_bad"] == int((data.quality[sl] >= 128).sum())


def test_late_rows_that_tie_an_extreme_move_its_time_earlier(historian: Historian) -> None:
    """The first row (by time) holding a bucket's min or max gives tmin/tmax, late or not."""
    tid = tag(historian, "m1/steps")
    ts = [T0 + s * NS_PER_S for s in (5, 10, 20, 30)]
    values = [7.0, 5.0, 9.0, 9.0]
    ingest(historian, SampleBatch.from_columns([tid] * 3, ts[1:], values[1:], [0] * 3))
    late = SampleBatch.from_columns([tid, tid], [ts[0], ts[0] + 1], [5.0, 9.0], [0, 0])
    ingest(historian, late, historical=True)
    with historian.engine.connect() as conn:
        for table in ("rollup_1m", "rollup_1h"):
            row = conn.execute(sa.text(f"SELECT vmin, tmin, vmax, tmax, n FROM {table}")).one()
            assert tuple(row) == (5.0, ts[0], 9.0, ts[0] + 1, 5)


def test_redelivered_rows_are_stored_once_and_counted(historian: Historian) -> None:
    tid = tag(historian, "m1/energy")
    data = series(tid, 600)
    ingest(historian, data)
    ingest(historian, data.take(np.arange(100, 700 - 100)))
    ingest(historian, data, historical=True)
    with historian.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM samples")).scalar() == 600
        assert conn.execute(sa.text("SELECT sum(n) FROM rollup_1h")).scalar() == 600
    assert historian.counters.get("stored") == 600
    assert historian.counters.get("duplicates") == 1100


def test_history_returns_raw_rows_when_they_fit(historian: Historian) -> None:
    tid = tag(historian, "m1/v")
    data = series(tid, 1000)
    ingest(historian, data)
    got = historian.history("m1/v", T0, T0 + 999 * NS_PER_S, max_points=2000)
    assert got.source == "raw"
    assert got.values.tolist() == data.values.tolist() and got.ts_ns.tolist() == data.ts_ns.tolist()


@pytest.mark.parametrize(
    ("span_s", "source"), [(2 * 3600, "raw/decimated"), (3 * 86400, "rollup_1m")]
)
def test_decimation_keeps_every_peak(historian: Historian, span_s: int, source: str) -> None:
    tid = tag(historian, "m1/i")
    data = series(tid, span_s, step_s=5)
    spikes = np.array([17, len(data) // 2, len(data) - 3])
    data.values[spikes] = [500.0, -400.0, 900.0]
    ingest(historian, data)
    got = historian.history("m1/i", T0, T0 + span_s * NS_PER_S, max_points=500)
    assert got.source == source and 0 < len(got) <= 500
    for i in spikes.tolist():
        assert data.values[i] in got.values.tolist()
        assert int(data.ts_ns[i]) in got.ts_ns.tolist()
    assert np.all(np.diff(got.ts_ns) > 0)


def test_history_over_a_year_reads_the_hourly_rollups(historian: Historian) -> None:
    tid = tag(historian, "m1/t")
    ingest(historian, series(tid, 366 * 86400, step_s=1800))
    got = historian.history("m1/t", T0, T0 + 366 * DAY_NS, max_points=1000)
    assert got.source == "rollup_1h" and len(got) <= 1000


def test_retention_keeps_rollups_longer_than_raw(historian: Historian) -> None:
    tid = tag(historian, "m1/r")
    ingest(historian, series(tid, 10 * 86400, step_s=600))
    classes = {"default": RetentionClass(raw_days=2, rollup_1m_days=5, rollup_1h_days=0)}
    result = apply_retention(historian.engine, list(historian.registry), classes, T0 + 10 * DAY_NS)
    assert result.raw == 8 * 144 and result.rollup_1m == 5 * 144 and result.rollup_1h == 0
    with historian.engine.connect() as conn:
        oldest_raw = conn.execute(sa.text("SELECT min(ts) FROM samples")).scalar()
    assert oldest_raw == T0 + 8 * DAY_NS


def test_latest_and_tags_survive_reopening(historian: Historian) -> None:
    tid = tag(historian, "m2/flow")
    historian.registry.declare(TagInfo(0, "m2/flow", unit="m3/h"), origin="config")
    ingest(historian, series(tid, 10))
    reopened = Historian.open(historian.config, Counters())
    try:
        assert reopened.registry.get("m2/flow").unit == "m3/h"  # type: ignore[union-attr]
        assert reopened.latest_values()[tid].ts_ns == T0 + 9 * NS_PER_S
    finally:
        reopened.engine.dispose()
