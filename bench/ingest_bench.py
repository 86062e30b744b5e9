"""Ingest throughput: pipeline + writer (raw rows, two rollups, latest) vs the raw database limit.

(a) SQLite: our pipeline + writer vs plain ``sqlite3.executemany`` into the same schema.
(b) PostgreSQL: our pipeline + writer vs plain psycopg ``COPY`` into the same schema.
``--flush``: the cost of one writer transaction (sort + dedupe + raw rows + both rollups + latest,
:meth:`SampleBackend.write` on SQLite) per batch shape, on a store already holding 40 h of
history per tag (so each tag's newest raw and rollup rows sit on pages of their own, as in a
plant that has run for a while). CPU of the writing thread and wall time, median per flush.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import psycopg

from bench.common import Row, print_table, record, timer
from core.config import load_config
from core.counters import Counters
from core.ingest import IngestPipeline
from core.model import NS_PER_S, SampleBatch
from core.store import database
from core.store.backend import SampleBackend
from core.store.batchops import sort_dedupe
from core.store.historian import Historian

T0 = 1_767_225_600 * NS_PER_S
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def make_batches(total: int, tags: int, per_batch: int) -> list[SampleBatch]:
    """1 Hz data for ``tags`` tags, cut into driver-sized batches (time-major order)."""
    steps = total // tags
    tag_ids = np.tile(np.arange(1, tags + 1, dtype=np.int32), steps)
    ts = T0 + np.repeat(np.arange(steps, dtype=np.int64), tags) * NS_PER_S
    values = np.random.default_rng(1).normal(50, 5, steps * tags)
    quality = np.zeros(steps * tags, dtype=np.uint8)
    return [
        SampleBatch(
            tag_ids[i : i + per_batch],
            ts[i : i + per_batch],
            values[i : i + per_batch],
            quality[i : i + per_batch],
        )
        for i in range(0, len(ts), per_batch)
    ]


def run_pipeline(url: str, workdir: Path, batches: list[SampleBatch], tags: int) -> float:
    """Samples/s through IngestPipeline + HistorianWriter until the last batch is durable."""
    plant = workdir / f"plant-{uuid.uuid4().hex[:6]}.toml"
    plant.write_text(f'[store]\nurl = "{url}"\nbatch_size = 50000\n')
    hist = Historian.open(load_config(plant), Counters())
    for i in range(1, tags + 1):
        hist.registry.resolve_or_discover(f"bench/t{i}")
    hist.start()
    pipeline = IngestPipeline(hist.registry, hist.writer, hist.counters, clock=lambda: T0 + 10**18)
    pipeline.start()
    done = threading.Event()
    with timer() as elapsed:
        for k, batch in enumerate(batches):
            last = k == len(batches) - 1
            pipeline.submit(batch, source="bench", on_durable=done.set if last else None)
        done.wait()
    seconds = elapsed()
    pipeline.stop()
    stored = hist.counters.get("stored")
    hist.close()
    assert stored == sum(len(b) for b in batches), f"stored {stored}"
    return stored / seconds


def raw_sqlite(workdir: Path, batches: list[SampleBatch]) -> float:
    """Plain executemany into the same (migrated) schema, one transaction per 50,000 rows."""
    url = database.resolve_url("sqlite:///raw.db", workdir)
    database.upgrade(database.make_engine(url))
    conn = sqlite3.connect(str(url.database))
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    rows = [
        list(
            zip(
                b.tag_ids.tolist(),
                b.ts_ns.tolist(),
                b.values.tolist(),
                b.quality.tolist(),
                strict=True,
            )
        )
        for b in batches
    ]
    with timer() as elapsed:
        for chunk in rows:
            conn.executemany(
                "INSERT INTO samples (tag_id, ts, value, quality) VALUES (?, ?, ?, ?)", chunk
            )
            conn.commit()
    conn.close()
    return sum(len(r) for r in rows) / elapsed()


def raw_copy(url: str, batches: list[SampleBatch]) -> float:
    """Plain psycopg binary COPY into the same (migrated) schema, one transaction per batch."""
    database.upgrade(database.make_engine(database.resolve_url(url, Path())))
    dsn = url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(dsn) as conn, timer() as elapsed:
        for b in batches:
            with (
                conn.cursor() as cur,
                cur.copy(
                    "COPY samples (tag_id, ts, value, quality) FROM STDIN (FORMAT BINARY)"
                ) as copy,
            ):
                copy.set_types(["int4", "int8", "float8", "int2"])
                for row in zip(
                    b.tag_ids.tolist(),
                    b.ts_ns.tolist(),
                    b.values.tolist(),
                    b.quality.tolist(),
                    strict=True,
                ):
                    copy.write_row(row)
            conn.commit()
    return sum(len(b) for b in batches) / elapsed()


def pg_database() -> str:
    name = f"cd_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


FLUSH_SHAPES = [(1_000, 1_000, 0.1, 60), (20_000, 3_600, 1.0, 15), (100_000, 3_600, 5.0, 6)]
"""(rows per flush, tags, seconds of data per flush, flushes measured): an OPC-UA poll of
1,000 items; Tasmota plugs at the writer's 20,000-row and 100,000-row batch sizes."""
HISTORY_STEPS = 240
"""History rows per tag written first, one every 10 minutes (40 h)."""


def flush_batches(rows: int, tags: int, span_s: float, count: int) -> list[SampleBatch]:
    """``count`` consecutive flushes of ``rows`` rows (time-major), each ``span_s`` of data."""
    per_tag = max(1, rows // tags)
    step = int(span_s * NS_PER_S) // per_tag
    rng = np.random.default_rng(3)
    tag_ids = np.tile(np.arange(1, tags + 1, dtype=np.int32), per_tag)
    offsets = np.repeat(np.arange(per_tag, dtype=np.int64), tags) * step
    return [
        SampleBatch(
            tag_ids,
            T0 + k * per_tag * step + offsets,
            rng.normal(50, 5, len(tag_ids)),
            np.zeros(len(tag_ids), dtype=np.uint8),
        )
        for k in range(count)
    ]


def flush_cost(workdir: Path, rows: int, tags: int, span_s: float, count: int) -> Row:
    """Median CPU per flush of one batch shape; wall time in the unit column."""
    url = database.resolve_url(f"sqlite:///flush-{rows}.db", workdir)
    engine = database.make_engine(url)
    database.upgrade(engine)
    backend = SampleBackend(engine)
    history = flush_batches(tags * HISTORY_STEPS, tags, HISTORY_STEPS * 600.0, 1)[0]
    history.ts_ns -= HISTORY_STEPS * 600 * NS_PER_S
    backend.write(sort_dedupe(history)[0])
    cpu, wall = [], []
    for k, batch in enumerate(flush_batches(rows, tags, span_s, count + 2)):
        started, cpu0 = time.perf_counter(), time.thread_time()
        backend.write(sort_dedupe(batch)[0])
        if k >= 2:  # the first two warm the caches
            cpu.append(time.thread_time() - cpu0)
            wall.append(time.perf_counter() - started)
    backend.close()
    engine.dispose()
    return Row(
        f"flush of {rows:,} rows over {tags:,} tags: CPU ms (wall p50 {np.median(wall) * 1e3:.1f})",
        float(np.median(cpu) * 1e3),
        "ms",
    )


def run(samples: int, tags: int, per_batch: int, with_pg: bool) -> list[Row]:
    batches = make_batches(samples, tags, per_batch)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ours = run_pipeline("sqlite:///ours.db", work, batches, tags)
        rows.append(
            Row(
                f"(a) SQLite pipeline+writer, {tags} tags",
                ours,
                "samples/s",
                raw_sqlite(work, batches),
                ">= 200,000 and >= 50%",
            )
        )
        if with_pg:
            names = [pg_database(), pg_database()]
            try:
                base = "postgresql+psycopg://postgres@127.0.0.1:5432/"
                ours_pg = run_pipeline(base + names[0], work, batches, tags)
                rows.append(
                    Row(
                        f"(b) PostgreSQL pipeline+writer, {tags} tags",
                        ours_pg,
                        "samples/s",
                        raw_copy(base + names[1], batches),
                        ">= 150,000 and >= 50%",
                    )
                )
            finally:
                for name in names:
                    drop_database(name)
    return rows


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=2_000_000)
    parser.add_argument("--tags", type=int, default=100)
    parser.add_argument("--batch", type=int, default=5_000, help="samples per driver batch")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--flush", action="store_true", help="only the cost per writer flush")
    args = parser.parse_args(argv)
    if args.flush:
        with tempfile.TemporaryDirectory() as tmp:
            flush_rows = [flush_cost(Path(tmp), *shape) for shape in FLUSH_SHAPES]
        print_table("Writer flush (SQLite)", flush_rows)
        return flush_rows
    rows = run(args.samples, args.tags, args.batch, not args.no_pg)
    print_table("Ingest", rows)
    record("ingest", rows)
    return rows


if __name__ == "__main__":
    main()
