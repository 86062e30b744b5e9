"""The trend's history cache: ladder widths, aligned spans, gaps, no duplicate points."""

from __future__ import annotations

import numpy as np
import pytest

from core.model import NS_PER_S
from hmi.views.trends.span_cache import (
    FRESH_MARGIN_NS,
    LADDER_NS,
    SpanCache,
    align,
    bucket_width,
    subtract,
    union,
)

HOUR = 3600 * NS_PER_S


@pytest.mark.parametrize(
    ("span_s", "points", "width_s"),
    [(3600, 2600, 3), (86_400, 2600, 120), (7 * 86_400, 2600, 600), (365 * 86_400, 2600, 8 * 3600)],
)
def test_bucket_width_fits_the_budget_and_the_rollups(
    span_s: int, points: int, width_s: int
) -> None:
    width = bucket_width(span_s * NS_PER_S, points)
    assert width == width_s * NS_PER_S
    assert span_s * NS_PER_S / width + 1 <= points / 2, "min and max per bucket fit the budget"
    assert width < 60 * NS_PER_S or width % (60 * NS_PER_S) == 0
    assert width < HOUR or width % HOUR == 0
    assert list(LADDER_NS) == sorted(LADDER_NS)


def test_intervals() -> None:
    assert align(125, 301, 100) == (100, 400)
    assert subtract(0, 100, [(10, 20), (50, 60)]) == [(0, 10), (20, 50), (60, 100)]
    assert subtract(0, 100, [(0, 100)]) == []
    assert union([(0, 10), (20, 30)], (10, 20)) == [(0, 30)]


def test_stored_spans_are_gaps_no_more_and_never_duplicated() -> None:
    cache, width = SpanCache(), 60 * NS_PER_S
    ts = np.arange(0, 10 * HOUR, width, dtype=np.int64)
    arrays = (ts, np.sin(ts / HOUR), np.zeros(len(ts), np.uint8))
    now = 100 * HOUR
    cache.store("t", width, (0, 6 * HOUR), arrays, now, "rollup_1m")
    cache.store("t", width, (4 * HOUR, 10 * HOUR), arrays, now, "rollup_1m")
    line = cache.line("t", width)
    assert line.covered == [(0, 10 * HOUR)] and cache.missing("t", width, 0, 10 * HOUR) == []
    assert np.array_equal(line.ts, ts), "overlapping fetches store each point once"
    assert cache.missing("t", width, 9 * HOUR, 11 * HOUR) == [(10 * HOUR, 11 * HOUR)]


def test_the_newest_stretch_is_never_marked_complete() -> None:
    cache, width = SpanCache(), NS_PER_S
    now = 1000 * NS_PER_S
    ts = np.arange(900 * NS_PER_S, now, NS_PER_S, dtype=np.int64)
    cache.store(
        "t", width, (900 * NS_PER_S, now), (ts, ts * 1.0, np.zeros(len(ts), np.uint8)), now, "raw"
    )
    assert cache.missing("t", width, 900 * NS_PER_S, now) == [(now - FRESH_MARGIN_NS, now)]


def test_reserved_spans_are_not_gaps_until_released() -> None:
    cache, width = SpanCache(), NS_PER_S
    cache.reserve("t", width, (0, 10 * NS_PER_S))
    assert cache.gaps("t", width, 0, 20 * NS_PER_S) == [(10 * NS_PER_S, 20 * NS_PER_S)]
    cache.release("t", width, (0, 10 * NS_PER_S))
    assert cache.gaps("t", width, 0, 20 * NS_PER_S) == [(0, 20 * NS_PER_S)]
