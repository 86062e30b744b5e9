"""Block decoders give exactly the readings of the point-by-point codec, for any layout."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.model import Quality, Reading
from core.validation import ReadingColumns
from drivers.modbus.blockdecode import BlockDecoder, readings_at
from drivers.modbus.codec import CodecError, decode
from drivers.modbus.planner import ReadBlock, plan_reads
from drivers.modbus.points import DTYPE_REGISTERS, ORDERS, Point

SCALES = (1.0, 0.1, 0.01, 0.5, 10.0, 1e-3)
OFFSETS = (0.0, -40.0, 1.5)
# Words that make NaN / infinity / extremes likely in floats and integers.
SPECIAL_WORDS = (0x0000, 0xFFFF, 0x7F80, 0x7FC0, 0xFF80, 0x7FF0, 0x8000, 0x3F80)


def point_by_point(block: ReadBlock, values: Sequence[int] | Sequence[bool]) -> list[Reading]:
    """What ``ModbusDevice`` made before block decoders: ``codec.decode`` per point."""
    readings = []
    for p in block.points:
        value = decode(p, block.values_for(p, values))
        tag = f"dev/{p.name}"
        if isinstance(value, float) and not math.isfinite(value):
            readings.append(Reading(tag, None, 7, Quality.BAD_SENSOR_FAULT))
        else:
            readings.append(Reading(tag, value, 7, Quality.GOOD))
    return readings


@st.composite
def register_point(draw: st.DrawFn, index: int, register_type: str) -> Point:
    dtype = draw(st.sampled_from(sorted(DTYPE_REGISTERS)))
    scaled = dtype not in ("bool", "bit") and draw(st.booleans())
    return Point(
        name=f"p{index}",
        register_type=register_type,
        address=draw(st.integers(0, 40)),
        dtype=dtype,
        order=draw(st.sampled_from(ORDERS)),
        scale=draw(st.sampled_from(SCALES)) if scaled else 1.0,
        offset=draw(st.sampled_from(OFFSETS)) if scaled else 0.0,
        bit=draw(st.integers(0, 15)) if dtype == "bit" else None,
    )


@st.composite
def layouts(draw: st.DrawFn) -> list[Point]:
    register_type = draw(st.sampled_from(("holding", "input", "coil", "discrete")))
    count = draw(st.integers(1, 12))
    if register_type in ("coil", "discrete"):
        addresses = draw(st.lists(st.integers(0, 60), min_size=count, max_size=count))
        return [Point(f"p{i}", register_type, a, "bool") for i, a in enumerate(addresses)]
    return [draw(register_point(i, register_type)) for i in range(count)]


def words(count: int) -> st.SearchStrategy[list[int]]:
    word = st.one_of(st.integers(0, 0xFFFF), st.sampled_from(SPECIAL_WORDS))
    return st.lists(word, min_size=count, max_size=count)


@settings(max_examples=400, deadline=None)
@given(points=layouts(), max_gap=st.integers(0, 10), data=st.data())
def test_block_decoder_equals_the_point_by_point_codec(
    points: list[Point], max_gap: int, data: st.DataObject
) -> None:
    for block in plan_reads(points, max_gap=max_gap):
        if block.register_type in ("coil", "discrete"):
            values: list[int] | list[bool] = data.draw(
                st.lists(st.booleans(), min_size=block.count, max_size=block.count)
            )
        else:
            values = data.draw(words(block.count))
        got = BlockDecoder(block, "dev").decode(values, 7)
        expected = point_by_point(block, values)
        assert got == expected
        assert [type(r.value) for r in got] == [type(r.value) for r in expected]


@pytest.mark.parametrize(
    ("dtype", "order", "registers", "value"),
    [
        ("float32", "CDAB", [0x199A, 0x4366], 230.1),
        ("float32", "ABCD", [0x7FC0, 0x0000], None),  # NaN: sensor fault
        ("float64", "DCBA", [0, 0, 0, 0xF87F], None),  # NaN, all bytes swapped
        ("uint32", "BADC", [0x0100, 0x0000], 2**16),  # bytes swapped in each word
        ("int16", "ABCD", [0xFFFF], -1),
    ],
)
def test_known_images_and_faults(
    dtype: str, order: str, registers: list[int], value: object
) -> None:
    block = plan_reads([Point("x", "input", 0, dtype, order=order)])[0]
    (reading,) = BlockDecoder(block, "m").decode(registers, 1)
    assert reading.value == value
    quality = Quality.GOOD if value is not None else Quality.BAD_SENSOR_FAULT
    assert reading.quality is quality


def test_out_of_range_register_values_are_masked_like_the_codec() -> None:
    block = plan_reads([Point("x", "holding", 0, "uint16"), Point("y", "holding", 1, "int16")])[0]
    values = [0x1_0005, -1]
    assert BlockDecoder(block, "d").decode(values, 1) == point_by_point_named(block, values, "d")


def point_by_point_named(block: ReadBlock, values: list[int], device: str) -> list[Reading]:
    return [
        Reading(f"{device}/{p.name}", decode(p, block.values_for(p, values)), 1, Quality.GOOD)
        for p in block.points
    ]


def test_a_short_response_raises_the_codec_error() -> None:
    block = plan_reads([Point("x", "holding", 0, "float32")])[0]
    with pytest.raises(CodecError):
        BlockDecoder(block, "d").decode([1], 1)


@given(
    tags=st.lists(st.text(min_size=1, max_size=8), max_size=20),
    ts=st.integers(0, 2**62),
    quality=st.sampled_from(list(Quality)),
)
def test_readings_at_equals_the_constructor(tags: list[str], ts: int, quality: Quality) -> None:
    values = list(range(len(tags)))
    made = readings_at(tags, values, ts, quality)
    assert made == [Reading(t, v, ts, quality) for t, v in zip(tags, values, strict=True)]
    assert all(type(r) is Reading for r in made)
    if made:
        with pytest.raises(AttributeError):
            made[0].value = 1  # type: ignore[misc]


@settings(max_examples=200, deadline=None)
@given(points=layouts(), max_gap=st.integers(0, 10), data=st.data())
def test_decode_into_columns_gives_the_same_readings(
    points: list[Point], max_gap: int, data: st.DataObject
) -> None:
    columns = ReadingColumns()
    expected: list[Reading] = []
    for block in plan_reads(points, max_gap=max_gap):
        if block.register_type in ("coil", "discrete"):
            values: list[int] | list[bool] = data.draw(
                st.lists(st.booleans(), min_size=block.count, max_size=block.count)
            )
        else:
            values = data.draw(words(block.count))
        decoder = BlockDecoder(block, "dev")
        decoder.decode_into(columns, values, 7)
        expected.extend(decoder.decode(values, 7))
    assert list(columns) == expected
    assert [type(r.value) for r in columns] == [type(r.value) for r in expected]


def test_decode_into_appends_after_what_the_columns_hold() -> None:
    block = plan_reads([Point("x", "input", 0, "float32"), Point("y", "input", 2, "uint16")])[0]
    columns = ReadingColumns()
    columns.extend([Reading("other/z", None, 1, Quality.BAD_COMMS_LOST)])
    BlockDecoder(block, "m").decode_into(columns, [0x7FC0, 0x0000, 5], 3)  # x is NaN
    assert list(columns) == [
        Reading("other/z", None, 1, Quality.BAD_COMMS_LOST),
        Reading("m/x", None, 3, Quality.BAD_SENSOR_FAULT),
        Reading("m/y", 5, 3, Quality.GOOD),
    ]
