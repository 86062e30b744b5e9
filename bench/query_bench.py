"""History queries: (c) 1 day of raw 1 Hz data for one tag of 100, beside a plain sqlite3 fetch of
the same rows; 1 day and 1 year of 1 Hz history decimated to 2,000 points."""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench.common import Row, print_table, record, timer
from core.config import load_config
from core.counters import Counters
from core.model import NS_PER_S, SampleBatch
from core.store.backend import SampleBackend
from core.store.historian import Historian

T0 = 1_735_689_600 * NS_PER_S  # 2025-01-01
DAY = 86_400


def fill(hist: Historian, tag_ids: list[int], days: int) -> None:
    """1 Hz data for every tag, written a day of one tag at a time."""
    backend = SampleBackend(hist.engine)
    rng = np.random.default_rng(2)
    tags = [t for t in hist.registry]
    backend.write(SampleBatch.empty(), tags)
    for day in range(days):
        for tag_id in tag_ids:
            ts = T0 + (day * DAY + np.arange(DAY, dtype=np.int64)) * NS_PER_S
            backend.write(
                SampleBatch.from_columns(
                    np.full(DAY, tag_id), ts, rng.normal(50, 5, DAY), np.zeros(DAY)
                )
            )
    backend.close()


def best_of(fn: Callable[[], object], repeat: int = 7) -> float:
    """Median seconds of ``repeat`` runs (after one warm-up)."""
    fn()
    times = []
    for _ in range(repeat):
        with timer() as elapsed:
            fn()
        times.append(elapsed())
    return statistics.median(times)


def plain_fetch(db: str, tag_id: int, start: int, end: int) -> list[tuple[int, float, int]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT ts, value, quality FROM samples WHERE tag_id = ? AND ts >= ? AND ts <= ? ORDER BY ts",
            (tag_id, start, end),
        ).fetchall()


def run(year_days: int) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        plant = Path(tmp) / "plant.toml"
        plant.write_text('[store]\nurl = "sqlite:///q.db"\n')
        hist = Historian.open(load_config(plant), Counters())
        ids = [hist.registry.resolve_or_discover(f"q/t{i}") for i in range(100)]
        day_tags = [i for i in ids if i is not None]
        fill(hist, day_tags, 1)
        year_tag = hist.registry.resolve_or_discover("q/year")
        assert year_tag is not None
        fill(hist, [year_tag], year_days)
        tag, end = day_tags[42], T0 + (DAY - 1) * NS_PER_S
        db = str(hist.url.database)
        n = len(hist.raw("q/t42", T0, end))
        assert n == DAY
        ours = best_of(lambda: hist.raw("q/t42", T0, end))
        plain = best_of(lambda: plain_fetch(db, tag, T0, end))
        rows.append(
            Row(
                "(c) 1 day raw (86,400 rows) of 1 tag of 100",
                ours * 1000,
                "ms",
                plain * 1000,
                "<= 150% of plain",
            )
        )
        rows.append(
            Row(
                "(c) 1 day decimated to 2,000 points",
                best_of(lambda: hist.history("q/t42", T0, end, 2000)) * 1000,
                "ms",
                None,
                "< 50 ms",
            )
        )
        year_end = T0 + year_days * DAY * NS_PER_S
        got = hist.history("q/year", T0, year_end, 2000)
        rows.append(
            Row(
                f"(c) {year_days} days decimated to 2,000 points ({got.source}, {len(got)} pts)",
                best_of(lambda: hist.history("q/year", T0, year_end, 2000)) * 1000,
                "ms",
                None,
                "< 150 ms",
            )
        )
        hist.close()
    return rows


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--year-days", type=int, default=365, help="days of 1 Hz history for the long query"
    )
    args = parser.parse_args(argv)
    rows = run(args.year_days)
    print_table("Queries (SQLite)", rows)
    record("query", rows)
    return rows


if __name__ == "__main__":
    main()
