"""Store-and-forward: PostgreSQL cut off (through a TCP proxy) while samples arrive (R3, T1 size).

The writer must spool every batch while the database is away and replay all of it, in order,
when it returns: 0 lost, 0 duplicated, rollups consistent with the raw rows.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from core.config import load_config
from core.counters import Counters
from core.ingest import IngestPipeline
from core.model import NS_PER_S, SampleBatch
from core.store.historian import Historian
from tests.chaos.proxy import ChaosProxy
from tests.core.plant import write_plant

T0 = 1_767_225_600 * NS_PER_S
RATE_BATCHES_PER_S = 10
ROWS = 50


@pytest.fixture
def proxy() -> Iterator[ChaosProxy]:
    with ChaosProxy("127.0.0.1", 5432) as chaos:
        yield chaos


def wait_until(predicate: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.1)


def feed(
    pipeline: IngestPipeline, tag_ids: list[int], start: int, count: int, done: list[int]
) -> None:
    """``count`` batches at 10 batches/s (500 samples/s); durable batch numbers go to ``done``."""
    for k in range(start, start + count):
        ts = T0 + (k * ROWS + np.arange(ROWS, dtype=np.int64)) * NS_PER_S
        batch = SampleBatch.from_columns(
            np.full(ROWS, tag_ids[k % len(tag_ids)]), ts, np.full(ROWS, float(k)), np.zeros(ROWS)
        )
        pipeline.submit(batch, source="outage", on_durable=lambda k=k: done.append(k), timeout=10)
        time.sleep(1 / RATE_BATCHES_PER_S)


@pytest.mark.slow
@pytest.mark.parametrize("cut", ["refuse", "blackhole"])
def test_postgres_cut_off_30s_loses_and_duplicates_nothing(
    tmp_path: Path, pg_url: str, proxy: ChaosProxy, cut: str
) -> None:
    url = pg_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    plant = write_plant(tmp_path, url, store_extra="write_timeout_s = 3\nretry_interval_s = 0.5")
    hist = Historian.open(load_config(plant), Counters())
    tag_ids = [hist.registry.resolve_or_discover(f"pg/t{i}") for i in range(5)]
    hist.start()
    pipeline = IngestPipeline(hist.registry, hist.writer, hist.counters, clock=lambda: T0 + 10**18)
    pipeline.start()
    done: list[int] = []
    total = 0
    try:
        feed(pipeline, tag_ids, 0, 20, done)  # 2 s online
        if cut == "refuse":
            proxy.refuse()
            proxy.reset()
        else:
            proxy.blackhole()
        feed(pipeline, tag_ids, 20, 300, done)  # 30 s cut off
        wait_until(lambda: hist.counters.get("spooled") > 0, 10)
        assert not hist.writer.db_online
        proxy.pass_through()
        feed(pipeline, tag_ids, 320, 30, done)  # 3 s after it returns
        total = 350
        wait_until(lambda: len(done) == total and hist.spool.pending_records() == 0, 60)
    finally:
        pipeline.stop()
        hist.close()
    assert sorted(done) == list(range(total))
    direct = sa.create_engine(pg_url)
    with direct.connect() as conn:
        count, distinct_keys = conn.execute(
            sa.text("SELECT count(*), count(DISTINCT (tag_id, ts)) FROM samples")
        ).one()
        per_batch = dict(
            conn.execute(sa.text("SELECT value, count(*) FROM samples GROUP BY value")).all()
        )
        rollup_n = conn.execute(sa.text("SELECT sum(n) FROM rollup_1m")).scalar()
    direct.dispose()
    assert count == distinct_keys == total * ROWS
    assert set(per_batch.values()) == {ROWS} and len(per_batch) == total
    assert rollup_n == total * ROWS
