"""Codec: known register images per data type and order, and round-trip properties."""

from __future__ import annotations

import math
import struct
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pymodbus.client.mixin import ModbusClientMixin

from drivers.modbus.codec import CodecError, decode, encode, values_match
from drivers.modbus.points import ORDERS, Point


def point(dtype: str, order: str = "ABCD", **extra: object) -> Point:
    register_type = str(extra.pop("register_type", "holding"))
    return Point(
        name="p", register_type=register_type, address=0, dtype=dtype, order=order, **extra
    )  # type: ignore[arg-type]


KNOWN = [
    # (dtype, order, extra, registers, engineering value)
    ("float32", "ABCD", {}, [0x4366, 0x199A], 230.1),
    ("float32", "CDAB", {}, [0x199A, 0x4366], 230.1),
    ("float32", "BADC", {}, [0x6643, 0x9A19], 230.1),
    ("float32", "DCBA", {}, [0x9A19, 0x6643], 230.1),
    ("int16", "ABCD", {"scale": 0.1}, [0xFF83], -12.5),
    ("int16", "BADC", {"scale": 0.1}, [0x83FF], -12.5),
    ("uint16", "ABCD", {"scale": 0.01}, [5000], 50.0),
    ("uint16", "ABCD", {"scale": 0.1, "offset": -40.0}, [500], 10.0),
    ("uint16", "ABCD", {}, [65535], 65535),
    ("int32", "ABCD", {}, [0xFFFF, 0xFFFE], -2),
    ("int32", "CDAB", {}, [0xFFFE, 0xFFFF], -2),
    ("uint32", "ABCD", {"scale": 0.1}, [0x0001, 0xE240], 12345.6),
    ("uint32", "CDAB", {"scale": 0.1}, [0xE240, 0x0001], 12345.6),
    ("int64", "ABCD", {}, [0, 0, 0, 1], 1),
    ("int64", "CDAB", {}, [1, 0, 0, 0], 1),
    ("int64", "DCBA", {}, [0x0100, 0, 0, 0], 1),
    ("uint64", "ABCD", {}, [0xFFFF] * 4, 2**64 - 1),
    ("float64", "ABCD", {}, [0x3FF8, 0, 0, 0], 1.5),
    ("float64", "CDAB", {}, [0, 0, 0, 0x3FF8], 1.5),
    ("bool", "ABCD", {}, [1], True),
    ("bool", "ABCD", {}, [0], False),
    ("bit", "ABCD", {"bit": 3}, [0x0008], True),
    ("bit", "BADC", {"bit": 3}, [0x0800], True),
    ("bit", "ABCD", {"bit": 15}, [0x7FFF], False),
    ("bool", "ABCD", {"register_type": "coil"}, [True], True),
    ("bool", "ABCD", {"register_type": "discrete"}, [False], False),
]


@pytest.mark.parametrize(("dtype", "order", "extra", "registers", "value"), KNOWN)
def test_known_images_decode(
    dtype: str, order: str, extra: dict, registers: list, value: object
) -> None:
    decoded = decode(point(dtype, order, **dict(extra)), registers)
    assert decoded == value
    assert type(decoded) is type(value) or isinstance(value, float)


@pytest.mark.parametrize(("dtype", "order", "extra", "registers", "value"), KNOWN)
def test_known_images_encode(
    dtype: str, order: str, extra: dict, registers: list, value: object
) -> None:
    p = point(dtype, order, **dict(extra))
    current = registers[0] if dtype == "bit" else None
    assert encode(p, value, current=current) == registers  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("dtype", "extra", "value"),
    [
        ("int16", {}, 40000),
        ("uint16", {}, -1),
        ("uint16", {"scale": 0.01}, 700.0),
        ("int32", {}, 2**31),
        ("uint32", {}, math.nan),
        ("float32", {}, 1e40),
        ("int16", {}, "12"),
        ("bool", {}, 2),
        ("bool", {"register_type": "coil"}, "on"),
    ],
)
def test_values_that_do_not_fit_are_refused(dtype: str, extra: dict, value: object) -> None:
    with pytest.raises(CodecError):
        encode(point(dtype, **dict(extra)), value)  # type: ignore[arg-type]


def test_too_few_registers_is_an_error() -> None:
    with pytest.raises(CodecError, match="need 2 values, got 1"):
        decode(point("float32"), [1])


def test_bit_write_keeps_the_other_bits() -> None:
    p = point("bit", bit=4)
    assert encode(p, True, current=0b1000_0001) == [0b1001_0001]
    assert encode(p, False, current=0xFFFF) == [0xFFEF]


@pytest.mark.parametrize("word_order", ["big", "little"])
@pytest.mark.parametrize(
    ("dtype", "pymodbus_type"),
    [
        ("float32", "FLOAT32"),
        ("int32", "INT32"),
        ("uint32", "UINT32"),
        ("float64", "FLOAT64"),
        ("int64", "INT64"),
    ],
)
@given(data=st.data())
@settings(max_examples=60, deadline=None)
def test_agrees_with_pymodbus_conversions(
    word_order: str, dtype: str, pymodbus_type: str, data: st.DataObject
) -> None:
    """pymodbus' own convert_to_registers is an independent encoder for big-endian bytes."""
    kind = ModbusClientMixin.DATATYPE[pymodbus_type]
    if dtype.startswith("float"):
        width = 32 if dtype == "float32" else 64
        value = data.draw(st.floats(allow_nan=False, allow_infinity=False, width=width))
    else:
        bits = 32 if "32" in dtype else 64
        value = data.draw(st.integers(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1))
        if dtype.startswith("u"):
            value = abs(value)
    registers = ModbusClientMixin.convert_to_registers(value, kind, word_order=word_order)  # type: ignore[arg-type]
    order = "ABCD" if word_order == "big" else "CDAB"
    decoded = decode(point(dtype, order), registers)
    if dtype == "float32":  # the codec gives the shortest decimal of the same float32
        assert struct.pack(">f", decoded) == struct.pack(">f", value)
    else:
        assert decoded == value
    assert encode(point(dtype, order), value) == registers


NUMERIC = ["int16", "uint16", "int32", "uint32", "int64", "uint64", "float32", "float64"]


@given(
    dtype=st.sampled_from(NUMERIC),
    order=st.sampled_from(ORDERS),
    words=st.lists(st.integers(0, 0xFFFF), min_size=4, max_size=4),
)
@settings(max_examples=400, deadline=None)
def test_any_register_content_round_trips(dtype: str, order: str, words: list[int]) -> None:
    p = point(dtype, order)
    value = decode(p, words)
    assume(not (isinstance(value, float) and math.isnan(value)))
    assert encode(p, value) == words[: p.count]


@given(
    dtype=st.sampled_from(["int16", "uint16", "int32", "uint32"]),
    order=st.sampled_from(ORDERS),
    scale=st.sampled_from([0.1, 0.01, 0.001, 0.5, 2.0, 10.0]),
    offset=st.sampled_from([0.0, -40.0, 273.15, 0.5]),
    words=st.lists(st.integers(0, 0xFFFF), min_size=2, max_size=2),
)
@settings(max_examples=400, deadline=None)
def test_scaled_integers_round_trip(
    dtype: str, order: str, scale: float, offset: float, words: list[int]
) -> None:
    p = point(dtype, order, scale=scale, offset=offset)
    value = decode(p, words)
    assert encode(p, value) == words[: p.count]
    assert values_match(p, value, decode(p, encode(p, value)))


@given(value=st.floats(width=32, allow_nan=False), order=st.sampled_from(ORDERS))
@settings(max_examples=300, deadline=None)
def test_float32_values_come_back_as_written(value: float, order: str) -> None:
    p = point("float32", order)
    decoded = decode(p, encode(p, value))
    assert struct.pack(">f", decoded) == struct.pack(">f", value)
    if math.isfinite(decoded):  # float32 needs at most 9 significant digits
        assert len(Decimal(repr(decoded)).normalize().as_tuple().digits) <= 9


@given(
    bit=st.integers(0, 15),
    current=st.integers(0, 0xFFFF),
    value=st.booleans(),
    order=st.sampled_from(ORDERS),
)
@settings(max_examples=300, deadline=None)
def test_bits_round_trip_and_leave_neighbours_alone(
    bit: int, current: int, value: bool, order: str
) -> None:
    p = point("bit", order, bit=bit)
    written = encode(p, value, current=current)
    assert decode(p, written) is value
    for other in range(16):
        if other != bit:
            probe = point("bit", order, bit=other)
            assert decode(probe, written) == decode(probe, [current])


@pytest.mark.parametrize(
    ("dtype", "extra", "written", "read_back", "expected"),
    [
        ("uint16", {"scale": 0.01}, 42.5, 42.5, True),
        ("uint16", {"scale": 0.01}, 42.504, 42.5, True),
        ("uint16", {"scale": 0.01}, 42.5, 42.52, False),
        ("float32", {}, 230.1, 230.1, True),
        ("float32", {}, 230.1, 230.2, False),
        ("bool", {}, True, True, True),
        ("bool", {}, True, False, False),
    ],
)
def test_read_back_comparison(
    dtype: str, extra: dict, written: object, read_back: object, expected: bool
) -> None:
    assert values_match(point(dtype, **dict(extra)), written, read_back) is expected  # type: ignore[arg-type]
