"""Rollup maths of the writer against a plain-Python reference, and the newest-timestamp index."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from core.model import NS_PER_S, SampleBatch
from core.store.batchops import RollupRows, aggregate, arg_extreme, rollups, sort_dedupe
from core.store.newest import NewestTimestamps

T0 = 1_767_225_600 * NS_PER_S  # a whole hour
WIDTHS = [60, 3600]


def batch(n: int, tags: int, span_s: int, seed: int) -> SampleBatch:
    """Random rows sorted by (tag, ts); values from a few integers so extremes tie often."""
    rng = np.random.default_rng(seed)
    raw = SampleBatch.from_columns(
        rng.integers(1, tags + 1, n),
        T0 + rng.integers(0, span_s * 1000, n) * 1_000_000,
        rng.integers(0, 4, n).astype(float),
        np.where(rng.random(n) < 0.1, 192, 0),
    )
    return sort_dedupe(raw)[0]


def reference(b: SampleBatch, width_s: int) -> dict[tuple[int, int], tuple[Any, ...]]:
    """(tag, bucket) -> the aggregates, one row at a time (first row wins ties)."""
    width = width_s * NS_PER_S
    out: dict[tuple[int, int], list[Any]] = {}
    for tag, ts, v, q in zip(
        *(c.tolist() for c in (b.tag_ids, b.ts_ns, b.values, b.quality)), strict=True
    ):
        key = (tag, ts - ts % width)
        if key not in out:
            out[key] = [v, v, ts, ts, 0.0, 0, 0, ts, v, ts, v]
        row = out[key]
        if v < row[0]:
            row[0], row[2] = v, ts
        if v > row[1]:
            row[1], row[3] = v, ts
        row[4] += v
        row[5] += 1
        row[6] += int(q >= 128)
        row[9], row[10] = ts, v
    return {k: tuple(v) for k, v in out.items()}


def as_dict(rows: RollupRows) -> dict[tuple[int, int], tuple[Any, ...]]:
    columns = [c.tolist() for c in rows.columns()]
    return {(r[0], r[1]): tuple(r[2:]) for r in zip(*columns, strict=True)}


@pytest.mark.parametrize(
    ("n", "tags", "span_s", "seed"),
    [(1, 1, 1, 0), (50, 50, 1, 1), (1000, 1000, 5, 2), (5000, 30, 7200, 3), (20000, 7, 10800, 4)],
)
def test_rollups_equal_row_by_row_aggregates(n: int, tags: int, span_s: int, seed: int) -> None:
    b = batch(n, tags, span_s, seed)
    for width_s, rows in rollups(b, WIDTHS).items():  # 1 h derived from the 1 min rows
        want = reference(b, width_s)
        for got in (as_dict(rows), as_dict(aggregate(b, width_s))):
            assert got.keys() == want.keys()
            for key, row in got.items():
                assert row[4] == pytest.approx(want[key][4])
                assert row[:4] + row[5:] == want[key][:4] + want[key][5:]


def test_arg_extreme_picks_the_first_of_equal_values() -> None:
    values = np.array([3.0, 1.0, 1.0, 5.0, 5.0, 2.0, 2.0])
    starts = np.array([0, 3, 5])
    assert arg_extreme(values, starts, "min").tolist() == [1, 3, 5]
    assert arg_extreme(values, starts, "max").tolist() == [0, 3, 5]


def test_newest_timestamps_keep_the_largest_per_tag() -> None:
    newest = NewestTimestamps()
    assert newest.get(7) == -1 and len(newest) == 0
    newest.replace_all([9, 3], [90, 30])
    newest.raise_to(np.array([3, 5, 9]), np.array([20, 50, 95], dtype=np.int64))
    assert [newest.get(t) for t in (3, 5, 9, 4)] == [30, 50, 95, -1]
    assert newest.per_row(np.array([3, 3, 4, 9])).tolist() == [30, 30, -1, 95]
    assert newest.per_row(np.array([], dtype=np.int32)).tolist() == []
