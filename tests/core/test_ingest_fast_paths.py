"""The fast paths of ingest give exactly what the row-by-row code gives.

* ``readings_to_batch`` of a :class:`ReadingColumns` equals that of the same readings in a list
  (values, timestamps, qualities, rejects and their order, tags discovered);
* :class:`LiveCache` keeps the newest value per tag like a plain dict of ``LiveValue`` would.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.columns import LayoutIds
from core.livecache import LiveCache, LiveValue
from core.model import NS_PER_S, Quality, Reading, SampleBatch
from core.store.batchops import sort_dedupe
from core.tags import TagRegistry
from core.validation import ReadingColumns, readings_to_batch

NOW = 1_750_000_000 * NS_PER_S
TOLERANCE = 300 * NS_PER_S

values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(2**70), 2**70),
    st.booleans(),
    st.none(),
    st.sampled_from(["12", "on", np.float32(1.5), np.int64(3)]),
)
stamps = st.one_of(
    st.none(),
    st.integers(NOW - 10**12, NOW + 10**12),
    st.sampled_from([0, 1.5, True, np.int64(NOW), NOW + 10**15]),
)
readings = st.builds(
    Reading,
    st.sampled_from(["a/x", "a/y", "b/z", "c/new"]),
    values,
    stamps,
    st.sampled_from([Quality.GOOD, Quality.UNCERTAIN, Quality.BAD_COMMS_LOST]),
)

plain_readings = st.builds(
    Reading,
    st.sampled_from(["a/x", "a/y", "b/z"]),
    st.one_of(st.floats(), st.integers(-(2**60), 2**60), st.booleans()),
    st.one_of(st.none(), st.integers(NOW - 10**12, NOW + 10**15)),
    st.sampled_from([Quality.GOOD, Quality.BAD_SENSOR_FAULT]),
)


def _columns(items: list[Reading]) -> ReadingColumns:
    columns = ReadingColumns()
    columns.extend(items)
    return columns


def _registry(auto_tags: bool) -> TagRegistry:
    registry = TagRegistry(auto_tags=auto_tags)
    registry.resolve_or_discover("a/x")
    registry.resolve_or_discover("b/z")
    registry.auto_tags = auto_tags
    return registry


def _convert(
    items: object,
    auto_tags: bool,
    registry: TagRegistry | None = None,
    layout_ids: LayoutIds | None = None,
) -> tuple[SampleBatch, list[tuple[str, str, str, str]], list[str]]:
    registry = registry if registry is not None else _registry(auto_tags)
    checked = readings_to_batch(
        items,  # type: ignore[arg-type]
        registry.resolve_or_discover,
        registry.name_of,
        NOW,
        "test",
        NOW,
        TOLERANCE,
        lambda tag_id: 42.0,
        layout_ids,
    )
    rejects = [(r.reason, r.tag, r.value_text, str(r.sample_ts_ns)) for r in checked.rejects]
    return checked.batch, rejects, [t.name for t in registry]


@settings(max_examples=300, deadline=None)
@given(
    items=st.one_of(st.lists(readings, max_size=30), st.lists(plain_readings, max_size=30)),
    auto_tags=st.booleans(),
)
def test_columns_convert_exactly_like_a_list(items: list[Reading], auto_tags: bool) -> None:
    try:
        expected = _convert(items, auto_tags)
    except OverflowError:  # an int beyond float or int64 range breaks both paths alike
        with pytest.raises(OverflowError):
            _convert(_columns(items), auto_tags)
        return
    got = _convert(_columns(items), auto_tags)
    for column in ("tag_ids", "ts_ns", "values", "quality"):
        np.testing.assert_array_equal(getattr(got[0], column), getattr(expected[0], column))
        assert getattr(got[0], column).dtype == getattr(expected[0], column).dtype
    assert got[1:] == expected[1:]


def test_columns_are_a_sequence_of_equal_readings() -> None:
    items = [Reading("a/x", 1.5, 10), Reading("a/y", None, None, Quality.BAD_COMMS_LOST)]
    columns = _columns(items)
    assert len(columns) == 2 and list(columns) == items
    assert columns[1] == items[1] and columns[-1] == items[-1] and columns[:1] == items[:1]
    assert items[0] in columns and "Reading(tag='a/x'" in repr(columns)


def _reference_update(
    cache: dict[int, LiveValue], batch: SampleBatch
) -> tuple[dict[int, LiveValue], np.ndarray]:
    """The live cache as it was: a dict of LiveValue, newest timestamp wins."""
    fresh = np.array(
        [
            ts > (cache[t].ts_ns if t in cache else -1)
            for t, ts in zip(batch.tag_ids.tolist(), batch.ts_ns.tolist(), strict=True)
        ],
        dtype=bool,
    )
    kept = batch.take(fresh)
    for t, ts, v, q in zip(
        kept.tag_ids.tolist(),
        kept.ts_ns.tolist(),
        kept.values.tolist(),
        kept.quality.tolist(),
        strict=True,
    ):
        cache[t] = LiveValue(ts, v, Quality(q))  # rows are sorted: the last one is the newest
    return cache, fresh


rows = st.lists(
    st.tuples(
        st.integers(1, 6),
        st.integers(0, 20),
        st.floats(allow_nan=False),
        st.sampled_from([0, 64, 129]),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=200, deadline=None)
@given(batches=st.lists(rows, min_size=1, max_size=6))
def test_live_cache_keeps_the_newest_value_per_tag(
    batches: list[list[tuple[int, int, float, int]]],
) -> None:
    live = LiveCache()
    reference: dict[int, LiveValue] = {}
    for batch_rows in batches:
        batch, _ = sort_dedupe(SampleBatch.from_columns(*zip(*batch_rows, strict=True)))
        fresh = live.update(batch)
        reference, expected_mask = _reference_update(reference, batch)
        np.testing.assert_array_equal(fresh.ts_ns, batch.ts_ns[expected_mask])
        np.testing.assert_array_equal(fresh.tag_ids, batch.tag_ids[expected_mask])
        assert live.snapshot() == reference
        assert live.timestamps() == {t: v.ts_ns for t, v in reference.items()}
        assert all(live.get(t) == v for t, v in reference.items())
    assert live.get(99) is None


def test_live_cache_seed_deadband_and_unknown_quality() -> None:
    live = LiveCache()
    live.seed({1: LiveValue(100, 5.0, Quality.GOOD), 2: LiveValue(100, 1.0, Quality.BAD)})
    live.seed({1: LiveValue(50, 9.0, Quality.GOOD)})  # older: ignored
    assert live.get(1) == LiveValue(100, 5.0, Quality.GOOD)
    batch = SampleBatch.from_columns([1, 1, 1], [200, 300, 400], [5.2, 6.0, 6.1], [0, 0, 0])
    keep = live.within_deadband(1, batch, np.arange(3), 0.5)
    assert keep.tolist() == [False, True, False]
    assert isinstance(live.get(2), LiveValue) and live.get(2).quality is Quality.BAD  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="is not a valid Quality"):
        live.update(SampleBatch.from_columns([3], [500], [1.0], [7]))
    assert not math.isnan(live.get(1).value)  # type: ignore[union-attr]
