""":class:`MessageColumns` (one segment per message) against the same readings in a list.

* ``readings_to_batch`` gives exactly what it gives for the list (values, timestamps, qualities,
  rejects, tags discovered), with or without a :class:`LayoutIds` kept between calls;
* the sequence protocol (shared with :class:`ReadingColumns` and ``LeafColumns``) builds equal
  readings; ``last_values_into`` leaves each tag's last value.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.columns import ColumnarReadings, LayoutIds, MessageColumns, ReadingColumns
from core.model import Quality, Reading
from core.tags import TagRegistry
from tests.core.test_ingest_fast_paths import NOW, _registry, plain_readings, readings
from tests.core.test_ingest_fast_paths import _convert as convert

LAYOUTS = [("a/x",), ("a/x", "a/y"), ("b/z", "a/x", "c/new"), ("a/y", "b/z")]


def _messages(items: list[Reading], cuts: list[int]) -> tuple[MessageColumns, list[Reading]]:
    """Readings grouped into segments of the shared ``LAYOUTS`` (each segment takes its stamp
    and quality from its first reading), and the same readings as a list."""
    columns, flat = MessageColumns(), []
    position = 0
    for k, cut in enumerate(cuts):
        layout = LAYOUTS[cut % len(LAYOUTS)]
        chunk = items[position : position + len(layout)]
        if len(chunk) < len(layout):
            columns.extend(chunk)  # the rest as one-reading segments
            flat += chunk
            break
        first = chunk[0]
        stamp = first.ts_ns if k % 3 else None
        columns.add(layout, [r.value for r in chunk], stamp, first.quality)  # type: ignore[arg-type]
        flat += [
            Reading(tag, r.value, stamp, first.quality)
            for tag, r in zip(layout, chunk, strict=True)
        ]
        position += len(layout)
    return columns, flat


def _convert(items: object, registry: TagRegistry, memo: LayoutIds | None) -> tuple[Any, ...]:
    """What ``readings_to_batch`` gives, with the arrays as (values, dtype) pairs."""
    batch, rejects, tags = convert(items, registry.auto_tags, registry, memo)
    arrays = [(getattr(batch, c).tolist(), getattr(batch, c).dtype.str) for c in _COLUMNS]
    return arrays, rejects, tags


_COLUMNS = ("tag_ids", "ts_ns", "values", "quality")


@settings(max_examples=300, deadline=None)
@given(
    items=st.one_of(st.lists(readings, max_size=30), st.lists(plain_readings, max_size=30)),
    cuts=st.lists(st.integers(0, 7), max_size=20),
    auto_tags=st.booleans(),
)
def test_message_columns_convert_exactly_like_a_list(
    items: list[Reading], cuts: list[int], auto_tags: bool
) -> None:
    columns, flat = _messages(items, cuts)
    assert list(columns) == flat
    try:
        expected = _convert(flat, _registry(auto_tags), None)
    except OverflowError:  # an int beyond float or int64 range breaks both paths alike
        with pytest.raises(OverflowError):
            _convert(columns, _registry(auto_tags), None)
        return
    assert _convert(columns, _registry(auto_tags), None) == expected
    registry, memo = _registry(auto_tags), LayoutIds()
    assert _convert(columns, registry, memo) == expected
    again = _convert(columns, registry, memo)  # the layouts' ids remembered from the first call
    assert again[:2] == expected[:2]


def test_layout_ids_remember_only_fully_resolved_layouts() -> None:
    registry, memo = _registry(auto_tags=True), LayoutIds()
    registry.auto_tags = False
    columns = MessageColumns()
    columns.add(LAYOUTS[2], [1.0, 2.0, 3.0], NOW)  # c/new is unknown
    first = _convert(columns, registry, memo)
    assert [r[0] for r in first[1]] == ["unknown_tag"] and len(first[0][0][0]) == 2
    registry.auto_tags = True
    registry.resolve_or_discover("c/new")
    second = _convert(columns, registry, memo)
    assert second[1] == [] and len(second[0][0][0]) == 3


def test_the_column_collections_share_one_sequence_protocol() -> None:
    columns = MessageColumns()
    columns.add(("a/x", "a/y"), [1.5, 2], 10)
    columns.extend([Reading("b/z", None, None, Quality.BAD_COMMS_LOST)])
    items = [Reading("a/x", 1.5, 10), Reading("a/y", 2, 10)]
    items.append(Reading("b/z", None, None, Quality.BAD_COMMS_LOST))
    rows = ReadingColumns()
    rows.extend(items)
    for sequence in (columns, rows):
        assert isinstance(sequence, ColumnarReadings)
        assert len(sequence) == 3 and list(sequence) == items
        assert [sequence[i] for i in range(-3, 3)] == items + items
        assert sequence[1:] == items[1:] and items[2] in sequence
        assert repr(sequence).startswith(f"{type(sequence).__name__}([Reading(tag='a/x'")
        with pytest.raises(IndexError):
            sequence[3]
        with pytest.raises(IndexError):
            sequence[-4]
    with pytest.raises(ValueError, match="2 tags but 1 values"):
        columns.add(("a/x", "a/y"), [1.0], None)


def test_one_reading_segments_share_their_layout() -> None:
    columns = MessageColumns()
    columns.extend([Reading("a/x", 1), Reading("b/z", 2), Reading("a/x", 3)])
    assert columns.layouts[0] is columns.layouts[2] and columns.counts() == [1, 1, 1]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 100)), max_size=30))
def test_last_values_leave_each_tags_last_value(segments: list[tuple[int, int]]) -> None:
    columns, reference = MessageColumns(), {}
    for layout_index, base in segments:
        layout = LAYOUTS[layout_index]
        values = [base + k for k in range(len(layout))]
        columns.add(layout, values, None)
        reference.update(zip(layout, values, strict=True))
    applied: dict[str, object] = {"a/x": -1, "old": 1}
    columns.last_values_into(applied)
    assert applied == {"a/x": -1, "old": 1} | reference
    assert np.sum(columns.counts()) == len(columns)
