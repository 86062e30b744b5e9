"""Registers <-> engineering values for every data type, byte/word order and linear scaling.

``decode(point, values)`` turns the registers (or coil/discrete bits) read for a point into its
engineering value ``raw * scale + offset``; ``encode(point, value)`` is the inverse and returns
what to write. Both are pure functions of the :class:`~drivers.modbus.points.Point`.

Decoded values are tidy: scaled integers are rounded to the decimals of ``scale``/``offset``
(raw 2301 x 0.1 gives 230.1, not 230.10000000000002) and float32 values are given as the
shortest decimal that maps to the same float32 (230.1, not 230.10000610351562), so
``encode(point, decode(point, regs)) == regs`` holds for every non-NaN register content.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache

import numpy as np

from drivers.modbus.points import BIT_REGISTER_TYPES, Point

STRUCT_FORMAT = {
    "int16": "h",
    "uint16": "H",
    "int32": "i",
    "uint32": "I",
    "int64": "q",
    "uint64": "Q",
    "float32": "f",
    "float64": "d",
}
_INTEGER_RANGE = {
    "int16": (-(2**15), 2**15 - 1),
    "uint16": (0, 2**16 - 1),
    "int32": (-(2**31), 2**31 - 1),
    "uint32": (0, 2**32 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint64": (0, 2**64 - 1),
}
_MAX_DECIMALS = 12

Value = float | int | bool


class CodecError(ValueError):
    """A value that does not fit the point's data type, or too few registers to decode."""


def decode(point: Point, values: Sequence[int] | Sequence[bool]) -> Value:
    """Engineering value of ``point`` from the registers/bits read starting at its address."""
    if len(values) < point.count:
        raise CodecError(f"{point.name}: need {point.count} values, got {len(values)}")
    if point.register_type in BIT_REGISTER_TYPES:
        return bool(values[0])
    words = [int(v) & 0xFFFF for v in values[: point.count]]
    if point.dtype == "bool":
        return words[0] != 0
    if point.dtype == "bit":
        assert point.bit is not None
        return bool((_word_value(words[0], point) >> point.bit) & 1)
    raw = struct.unpack(">" + STRUCT_FORMAT[point.dtype], _bytes_from_words(words, point))[0]
    return _engineering(point, raw)


def encode(point: Point, value: Value, current: int | None = None) -> list[int] | list[bool]:
    """Registers (or ``[bool]`` for a coil) that make ``point`` read ``value``.

    For a ``bit`` point pass ``current``, the register's present value, to keep its other bits
    (without it they are written as 0). Raises :class:`CodecError` when the value does not fit.
    """
    if point.register_type in BIT_REGISTER_TYPES:
        return [_as_bool(point, value)]
    if point.dtype == "bool":
        return [1 if _as_bool(point, value) else 0]
    if point.dtype == "bit":
        assert point.bit is not None
        word = _word_value((current or 0) & 0xFFFF, point)
        mask = 1 << point.bit
        word = word | mask if _as_bool(point, value) else word & ~mask
        return [_word_value(word, point)]
    raw = _raw(point, value)
    try:
        data = struct.pack(">" + STRUCT_FORMAT[point.dtype], raw)
    except (struct.error, OverflowError) as exc:
        raise CodecError(f"{point.name}: {value!r} does not fit {point.dtype}") from exc
    return _words_from_bytes(data, point)


def resolution(point: Point) -> float:
    """Smallest engineering step the point can represent (0 for floats and booleans)."""
    if point.is_boolean or point.dtype.startswith("float"):
        return 0.0
    return abs(point.scale)


def values_match(point: Point, written: Value, read_back: Value) -> bool:
    """True when a read-back equals the written value within the point's resolution."""
    if point.is_boolean:
        return bool(written) == bool(read_back)
    expected, actual = float(written), float(read_back)
    if point.dtype == "float32":
        tolerance = abs(expected) * 1e-6 + abs(point.scale) * 1e-6
    elif point.dtype == "float64":
        tolerance = abs(expected) * 1e-12
    else:
        tolerance = resolution(point) / 2 + abs(point.scale) * 1e-9
    return abs(expected - actual) <= tolerance


def _engineering(point: Point, raw: float) -> Value:
    if point.dtype == "float32":
        raw = _shortest_float32(raw)
    if point.scale == 1 and point.offset == 0:
        return raw
    value = raw * point.scale + point.offset
    if point.dtype.startswith("float"):
        return value
    return round(value, decimals(point.scale, point.offset))


def _raw(point: Point, value: Value) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CodecError(f"{point.name}: {value!r} is not a number")
    if point.dtype.startswith("float"):
        try:
            return (float(value) - point.offset) / point.scale
        except OverflowError as exc:
            raise CodecError(f"{point.name}: {value!r} does not fit {point.dtype}") from exc
    if not math.isfinite(value):
        raise CodecError(f"{point.name}: {value!r} is not finite")
    if point.scale == 1 and point.offset == 0 and isinstance(value, int):
        raw = value
    else:
        raw = round((value - point.offset) / point.scale)
    low, high = _INTEGER_RANGE[point.dtype]
    if not low <= raw <= high:
        raise CodecError(f"{point.name}: {value!r} gives raw {raw}, outside {point.dtype}")
    return raw


def _as_bool(point: Point, value: Value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    raise CodecError(f"{point.name}: {value!r} is not a boolean")


def _word_value(word: int, point: Point) -> int:
    """A register as a 16-bit value in the point's byte order (the swap is its own inverse)."""
    if point.byte_order == "little":
        return ((word & 0xFF) << 8) | (word >> 8)
    return word


def _bytes_from_words(words: list[int], point: Point) -> bytes:
    ordered = list(reversed(words)) if point.word_order == "little" else words
    return b"".join(_word_value(w, point).to_bytes(2, "big") for w in ordered)


def _words_from_bytes(data: bytes, point: Point) -> list[int]:
    words = [
        _word_value(int.from_bytes(data[i : i + 2], "big"), point) for i in range(0, len(data), 2)
    ]
    return list(reversed(words)) if point.word_order == "little" else words


def _shortest_float32(raw: float) -> float:
    if not math.isfinite(raw):
        return raw
    return float(np.format_float_scientific(np.float32(raw), unique=True))


@lru_cache(maxsize=1024)
def decimals(*numbers: float) -> int:
    """Decimal places of the tidiest of ``numbers`` (e.g. scale 0.01 gives 2), at most 12."""
    places = 0
    for number in numbers:
        exponent = Decimal(repr(number)).normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < 0:
            places = max(places, -exponent)
    return min(places, _MAX_DECIMALS)
