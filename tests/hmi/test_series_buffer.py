"""The capacity-doubling series buffer of live plots (properties checked with hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.series_buffer import SeriesBuffer

chunks = st.lists(
    st.lists(st.integers(min_value=0, max_value=10_000), min_size=0, max_size=40),
    min_size=1,
    max_size=30,
)


def arrays(times: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ts = np.array(sorted(set(times)), dtype=np.int64)
    return ts, ts.astype(np.float64) / 10, (ts % 3 == 0).astype(np.uint8) * 128


@settings(max_examples=80, deadline=None)
@given(chunks, st.integers(min_value=0, max_value=10_000))
def test_appends_keep_strict_time_order_and_trim_drops_only_old_points(
    parts: list[list[int]], cut: int
) -> None:
    buffer = SeriesBuffer(capacity=4)
    kept: list[int] = []
    for part in parts:
        ts, values, quality = arrays(part)
        buffer.append(ts, values, quality)
        kept.extend(t for t in ts.tolist() if not kept or t > kept[-1])
    got = buffer.view()[0].tolist()
    assert got == kept
    assert buffer.capacity >= len(buffer)
    buffer.trim_before(cut)
    assert buffer.view()[0].tolist() == [t for t in kept if t >= cut]
    values = buffer.view()[1]
    assert np.allclose(values, buffer.view()[0] / 10)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=1000), max_size=50),
    st.lists(st.integers(min_value=0, max_value=1000), max_size=50),
)
def test_replace_takes_history_and_keeps_newer_live_points(
    live: list[int], history: list[int]
) -> None:
    buffer = SeriesBuffer()
    buffer.append(*arrays(live))
    hist = arrays(history)
    buffer.replace(*hist)
    end = hist[0][-1] if len(hist[0]) else -1
    expected = sorted(set(history)) + [t for t in sorted(set(live)) if t > end]
    assert buffer.view()[0].tolist() == expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [(5, None), (10, (10, 1.0)), (15, (10, 1.0)), (20, (20, 2.0)), (99, (30, 3.0))],
)
def test_value_at(at: int, expected: tuple[int, float] | None) -> None:
    buffer = SeriesBuffer()
    buffer.append(
        np.array([10, 20, 30], dtype=np.int64), np.array([1.0, 2.0, 3.0]), np.zeros(3, np.uint8)
    )
    point = buffer.value_at(at)
    assert (point[:2] if point else None) == expected


def test_window_and_compaction_reuse_memory() -> None:
    buffer = SeriesBuffer(capacity=8)
    for start in range(0, 1000, 4):
        ts = np.arange(start, start + 4, dtype=np.int64)
        buffer.append(ts, ts * 1.0, np.zeros(4, np.uint8))
        buffer.trim_before(start - 8)
    assert buffer.capacity <= 32, "trimmed points make room instead of growing"
    ts, _, _ = buffer.window(990, 995)
    assert ts.tolist() == [990, 991, 992, 993, 994, 995]
