"""Register-map points: what one value of a Modbus device is and where it lives.

A :class:`Point` names one engineering value of a device: its register type, its **0-based
protocol address** (the address sent on the wire; register 30001 of a manual is input
address 0, 40001 is holding address 0), its data type and byte/word order, and the linear
scaling ``engineering = raw * scale + offset``.

Orders are written as four letters for the bytes of a 32-bit value as they appear on the wire:
``ABCD`` (big-endian bytes, big-endian words), ``CDAB`` (word swap), ``BADC`` (byte swap),
``DCBA`` (both). For 64-bit values the same two choices apply to four words; for 16-bit values
only the byte order matters.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

REGISTER_TYPES = ("coil", "discrete", "holding", "input")
BIT_REGISTER_TYPES = frozenset({"coil", "discrete"})
WRITABLE_REGISTER_TYPES = frozenset({"coil", "holding"})
DTYPE_REGISTERS: dict[str, int] = {
    "int16": 1,
    "uint16": 1,
    "int32": 2,
    "uint32": 2,
    "float32": 2,
    "int64": 4,
    "uint64": 4,
    "float64": 4,
    "bool": 1,
    "bit": 1,
}
ORDERS = ("ABCD", "CDAB", "BADC", "DCBA")
_ORDER_BY_PARTS = {
    ("big", "big"): "ABCD",
    ("big", "little"): "CDAB",
    ("little", "big"): "BADC",
    ("little", "little"): "DCBA",
}
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
MAX_ADDRESS = 65535
POINT_KEYS = frozenset(
    {
        "name",
        "register_type",
        "address",
        "dtype",
        "order",
        "byte_order",
        "word_order",
        "scale",
        "offset",
        "unit",
        "description",
        "writable",
        "min",
        "max",
        "bit",
    }
)


class PointError(ValueError):
    """One key of one point is wrong; ``key`` is relative to the point (``dtype``)."""

    def __init__(self, key: str, value: object, message: str) -> None:
        super().__init__(f"{key} = {value!r}: {message}")
        self.key = key
        self.value = value
        self.message = message


@dataclass(frozen=True, slots=True)
class Point:
    """One value of a device's register map (see the module docstring for the conventions)."""

    name: str
    register_type: str
    address: int
    dtype: str
    order: str = "ABCD"
    scale: float = 1.0
    offset: float = 0.0
    unit: str = ""
    description: str = ""
    writable: bool = False
    min: float | None = None
    max: float | None = None
    bit: int | None = None

    @property
    def count(self) -> int:
        """How many registers (or coils/discrete inputs) the point spans."""
        return 1 if self.register_type in BIT_REGISTER_TYPES else DTYPE_REGISTERS[self.dtype]

    @property
    def end(self) -> int:
        """First address after the point."""
        return self.address + self.count

    @property
    def byte_order(self) -> str:
        """``big`` or ``little``: order of the two bytes inside each register."""
        return "big" if self.order in ("ABCD", "CDAB") else "little"

    @property
    def word_order(self) -> str:
        """``big`` or ``little``: order of the registers of a multi-register value."""
        return "big" if self.order in ("ABCD", "BADC") else "little"

    @property
    def is_boolean(self) -> bool:
        """True when the engineering value is a bool (coils, discrete inputs, bool, bit)."""
        return self.dtype in ("bool", "bit")

    def with_word_order(self, word_order: str) -> Point:
        """The same point with another word order (single-register points are unchanged)."""
        if self.count == 1:
            return self
        return replace(self, order=_ORDER_BY_PARTS[(self.byte_order, word_order)])


def order_from_parts(byte_order: str, word_order: str) -> str:
    """``ABCD``-style order for a byte order and a word order (``big``/``little``)."""
    return _ORDER_BY_PARTS[(byte_order, word_order)]


def parse_point(raw: Mapping[str, Any], defaults: Mapping[str, Any] | None = None) -> Point:
    """Validate one point table (merged over ``defaults``) into a :class:`Point`.

    Raises :class:`PointError` naming the offending key and value.
    """
    unknown = sorted(set(raw) - POINT_KEYS)
    if unknown:
        raise PointError(
            unknown[0], raw[unknown[0]], f"unknown key (allowed: {sorted(POINT_KEYS)})"
        )
    merged: dict[str, Any] = {**(defaults or {}), **raw}
    name = _text(merged, "name", required=True)
    if not NAME_PATTERN.match(name):
        raise PointError("name", name, "use letters, digits, '_', '.', '-'")
    register_type = _choice(merged, "register_type", REGISTER_TYPES)
    dtype = _choice(merged, "dtype", tuple(DTYPE_REGISTERS), default="uint16")
    point = Point(
        name=name,
        register_type=register_type,
        address=_integer(merged, "address", 0, MAX_ADDRESS),
        dtype=dtype,
        order=_order(merged),
        scale=_number(merged, "scale", 1.0),
        offset=_number(merged, "offset", 0.0),
        unit=_text(merged, "unit"),
        description=_text(merged, "description"),
        writable=_flag(merged, "writable"),
        min=_optional_number(merged, "min"),
        max=_optional_number(merged, "max"),
        bit=_optional_integer(merged, "bit", 0, 15),
    )
    _check_consistency(point)
    return point


def _check_consistency(point: Point) -> None:
    if point.register_type in BIT_REGISTER_TYPES and point.dtype != "bool":
        raise PointError("dtype", point.dtype, f"a {point.register_type} point must be 'bool'")
    if (point.dtype == "bit") != (point.bit is not None):
        raise PointError("bit", point.bit, "'bit = n' goes with dtype 'bit' and only with it")
    if point.end - 1 > MAX_ADDRESS:
        raise PointError("address", point.address, f"{point.dtype} runs past address 65535")
    if point.writable and point.register_type not in WRITABLE_REGISTER_TYPES:
        raise PointError("writable", True, f"a {point.register_type} point cannot be written")
    if point.scale == 0:
        raise PointError("scale", point.scale, "must not be 0")
    if point.is_boolean and (point.scale != 1 or point.offset != 0):
        raise PointError("scale", point.scale, "boolean points take no scale or offset")
    if point.min is not None and point.max is not None and point.min > point.max:
        raise PointError("min", point.min, f"greater than max {point.max}")


def _order(merged: Mapping[str, Any]) -> str:
    if "order" in merged and ("byte_order" in merged or "word_order" in merged):
        raise PointError("order", merged["order"], "give 'order' or 'byte_order'/'word_order'")
    if "order" in merged:
        return _choice(merged, "order", ORDERS)
    byte_order = _choice(merged, "byte_order", ("big", "little"), default="big")
    word_order = _choice(merged, "word_order", ("big", "little"), default="big")
    return order_from_parts(byte_order, word_order)


def _text(merged: Mapping[str, Any], key: str, *, required: bool = False) -> str:
    if key not in merged:
        if required:
            raise PointError(key, None, "is required")
        return ""
    value = merged[key]
    if not isinstance(value, str) or (required and not value):
        raise PointError(key, value, "must be a non-empty string" if required else "must be text")
    return value


def _choice(
    merged: Mapping[str, Any], key: str, allowed: tuple[str, ...], default: str | None = None
) -> str:
    value = merged.get(key, default)
    if value is None:
        raise PointError(key, None, f"is required (one of {list(allowed)})")
    if value not in allowed:
        raise PointError(key, value, f"must be one of {list(allowed)}")
    return str(value)


def _integer(merged: Mapping[str, Any], key: str, low: int, high: int) -> int:
    if key not in merged:
        raise PointError(key, None, "is required")
    value = merged[key]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PointError(key, value, f"must be an integer in {low}..{high}")
    return value


def _optional_integer(merged: Mapping[str, Any], key: str, low: int, high: int) -> int | None:
    return _integer(merged, key, low, high) if key in merged else None


def _number(merged: Mapping[str, Any], key: str, default: float) -> float:
    value = merged.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PointError(key, value, "must be a finite number")
    return float(value)


def _optional_number(merged: Mapping[str, Any], key: str) -> float | None:
    return _number(merged, key, 0.0) if key in merged else None


def _flag(merged: Mapping[str, Any], key: str) -> bool:
    value = merged.get(key, False)
    if not isinstance(value, bool):
        raise PointError(key, value, "must be true or false")
    return value
