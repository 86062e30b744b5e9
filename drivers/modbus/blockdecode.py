"""Block decoders: a read block's response turned into readings with one unpack per poll.

:func:`decode <drivers.modbus.codec.decode>` handles one point at a time, which costs a few
microseconds per point. A :class:`BlockDecoder` is compiled once per :class:`ReadBlock`: the tag
names, one :class:`struct.Struct` that packs the block's registers and one that unpacks every
point, the byte permutation for byte/word-swapped points, and each point's post-processing
(scale and offset, rounding decimals, float32 shortening, bits). The values it gives are exactly
those of ``codec.decode`` (the tests check this on random register images and point layouts).
:meth:`BlockDecoder.decode_into` appends the same readings to a
:class:`~core.validation.ReadingColumns` without making a ``Reading`` object per point (a poll
cycle of a device emits one such columnar batch; the ingest pipeline reads its columns).
"""

from __future__ import annotations

import math
import struct
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
from operator import itemgetter
from typing import Any

import numpy as np

from core.model import Quality, Reading
from core.validation import ReadingColumns
from drivers.modbus.codec import STRUCT_FORMAT, Value, decimals, decode
from drivers.modbus.planner import ReadBlock
from drivers.modbus.points import BIT_REGISTER_TYPES, Point

_PLAIN, _SCALED_INT, _SCALED_FLOAT, _FLOAT32, _BOOL, _BIT = range(6)
_GOOD = Quality.GOOD
_SENSOR_FAULT = Quality.BAD_SENSOR_FAULT
_new = object.__new__
_consume: Callable[[Iterable[None]], None] = deque[None](maxlen=0).extend
_FIELDS = ("tag", "value", "ts_ns", "quality")
_FILL_SLOTS = tuple(getattr(Reading, "__slots__", ())) == _FIELDS and not hasattr(
    Reading, "__post_init__"
)
_SLOT_SETTERS: tuple[Callable[[Reading, Any], None], ...] = (
    tuple(vars(Reading)[name].__set__ for name in _FIELDS) if _FILL_SLOTS else ()
)


def readings_at(
    tags: Sequence[str], values: Sequence[object], ts_ns: int, quality: Quality = _GOOD
) -> list[Reading]:
    """``[Reading(tag, value, ts_ns, quality) ...]`` built column-wise (about half the cost).

    ``Reading`` is a frozen slots dataclass without ``__post_init__``: filling its slots
    directly gives objects equal in every respect to the ones its ``__init__`` makes (should
    that ever change, the plain constructor is used). ``values`` must match ``tags`` in length.
    """
    if not _FILL_SLOTS:
        return [
            Reading(tag, value, ts_ns, quality) for tag, value in zip(tags, values, strict=True)
        ]
    made = [_new(Reading) for _ in tags]
    columns: tuple[Iterable[Any], ...] = (tags, values, repeat(ts_ns), repeat(quality))
    for setter, column in zip(_SLOT_SETTERS, columns, strict=True):
        _consume(map(setter, made, column))
    return made


def _canonical_bytes(point: Point, offset: int) -> list[int]:
    """Indices into the block's big-endian byte image of ``point``'s bytes, most significant first."""
    words = [offset + i for i in range(point.count)]
    if point.word_order == "little":
        words.reverse()
    little_bytes = point.byte_order == "little"
    return [2 * w + (1 - k if little_bytes else k) for w in words for k in (0, 1)]


def _kind(point: Point) -> int:
    """How a point's raw number becomes its value (the codec's rules, decided once)."""
    if point.dtype == "bool":
        return _BOOL
    if point.dtype == "bit":
        return _BIT
    if point.dtype == "float32":
        return _FLOAT32
    if point.scale == 1 and point.offset == 0:
        return _PLAIN
    return _SCALED_FLOAT if point.dtype == "float64" else _SCALED_INT


class BlockDecoder:
    """Decodes the response of one :class:`ReadBlock` of a device into readings."""

    def __init__(self, block: ReadBlock, device: str) -> None:
        self.block = block
        self.tags: tuple[str, ...] = tuple(f"{device}/{p.name}" for p in block.points)
        self._bits = block.register_type in BIT_REGISTER_TYPES
        self._offsets = [p.address - block.address for p in block.points]
        self._pack = struct.Struct(f">{block.count}H").pack
        self._kinds = [_kind(p) for p in block.points]
        self._unpack, self._select = _compile_unpack(block, self._offsets)
        self._maybe_float = [
            i
            for i, (kind, p) in enumerate(zip(self._kinds, block.points, strict=True))
            if kind not in (_PLAIN, _BOOL, _BIT) or p.dtype == "float64"
        ]
        self._plain = not self._bits and not self._maybe_float and set(self._kinds) == {_PLAIN}

    def decode(self, values: Sequence[int] | Sequence[bool], ts_ns: int) -> list[Reading]:
        """Readings of every point of the block from its response, stamped ``ts_ns``."""
        decoded, faulty = self._decoded(values)
        readings = readings_at(self.tags, decoded, ts_ns)
        for i in faulty:
            readings[i] = Reading(self.tags[i], None, ts_ns, _SENSOR_FAULT)
        return readings

    def decode_into(
        self, out: ReadingColumns, values: Sequence[int] | Sequence[bool], ts_ns: int
    ) -> None:
        """Append the readings :meth:`decode` gives to ``out``, column by column.

        No ``Reading`` object is made: the ingest pipeline reads the columns directly.
        """
        decoded, faulty = self._decoded(values)
        first, count = len(out.tags), len(self.tags)
        out.tags.extend(self.tags)
        out.values.extend(decoded)
        out.stamps.extend(repeat(ts_ns, count))
        out.qualities.extend(repeat(_GOOD, count))
        for i in faulty:
            out.qualities[first + i] = _SENSOR_FAULT

    def _decoded(
        self, values: Sequence[int] | Sequence[bool]
    ) -> tuple[Sequence[Value | None], list[int]]:
        """The value of every point (None for a non-finite float), and which were non-finite."""
        if len(values) < self.block.count:
            return self._finite(self._per_point(values))
        if self._bits:
            return [bool(values[o]) for o in self._offsets], []
        try:
            image = self._pack(*values)
        except struct.error:
            image = self._pack(*[int(v) & 0xFFFF for v in values])
        if self._select is not None:
            image = self._select(image)
        numbers = self._unpack(image)
        if self._plain:
            return numbers, []
        return self._finite(self._engineering(numbers))

    def _engineering(self, numbers: tuple[int | float, ...]) -> list[Value]:
        values: list[Value] = list(numbers)
        floats32 = [i for i, kind in enumerate(self._kinds) if kind == _FLOAT32]
        if floats32:
            shortest = _shortest_float32([values[i] for i in floats32])
            for i, value in zip(floats32, shortest, strict=True):
                values[i] = value
        for i, (kind, point) in enumerate(zip(self._kinds, self.block.points, strict=True)):
            if kind == _PLAIN:
                continue
            if kind == _BOOL:
                values[i] = values[i] != 0
            elif kind == _BIT:
                assert point.bit is not None
                values[i] = bool((int(values[i]) >> point.bit) & 1)
            elif point.scale != 1 or point.offset != 0:
                scaled = values[i] * point.scale + point.offset
                if kind == _SCALED_INT:
                    scaled = round(scaled, decimals(point.scale, point.offset))
                values[i] = scaled
        return values

    def _finite(self, values: list[Value]) -> tuple[list[Value | None], list[int]]:
        """A non-finite float (a sensor fault) loses its value; its index is reported."""
        faulty = [
            i
            for i in self._maybe_float
            if isinstance(values[i], float) and not math.isfinite(values[i])
        ]
        checked: list[Value | None] = list(values)
        for i in faulty:
            checked[i] = None
        return checked, faulty

    def _per_point(self, values: Sequence[int] | Sequence[bool]) -> list[Value]:
        """The point-by-point path (raises ``CodecError`` on a short response, as it always did)."""
        return [
            decode(p, values[o : o + p.count])
            for p, o in zip(self.block.points, self._offsets, strict=True)
        ]


Unpack = Callable[[bytes], tuple[int | float, ...]]
Select = Callable[[bytes], bytes]


def _compile_unpack(block: ReadBlock, offsets: list[int]) -> tuple[Unpack, Select | None]:
    """One unpack for every point of a register block, and the byte selection it needs.

    Points stored in order with big-endian bytes and words are unpacked straight from the
    block's image (gaps skipped with pad bytes); any other layout (swapped bytes or words,
    overlapping points) first gathers each point's bytes, most significant first.
    """
    codes = [STRUCT_FORMAT.get(p.dtype, "H") for p in block.points]
    if block.register_type in BIT_REGISTER_TYPES:
        return struct.Struct(">").unpack, None
    layout = [_canonical_bytes(p, o) for p, o in zip(block.points, offsets, strict=True)]
    direct = ">"
    position = 0
    for indices, code in zip(layout, codes, strict=True):
        first = indices[0]
        if first < position or indices != list(range(first, first + len(indices))):
            gathered = [i for indices in layout for i in indices]
            return struct.Struct(">" + "".join(codes)).unpack, _gather(gathered)
        direct += (f"{first - position}x" if first > position else "") + code
        position = first + len(indices)
    return struct.Struct(direct).unpack_from, None


def _gather(indices: list[int]) -> Select:
    """A function taking the bytes at ``indices`` (at least two) of an image, in that order."""
    pick = itemgetter(*indices)
    return lambda image: bytes(pick(image))


def _shortest_float32(raws: list[Value]) -> list[float]:
    """Each float32 as the shortest decimal that maps back to it (non-finite ones unchanged)."""
    image = np.array(raws, dtype=np.float32)
    finite = np.isfinite(image)
    texts = image.astype(str).tolist()
    return [
        float(text) if ok else float(raw)
        for text, ok, raw in zip(texts, finite.tolist(), raws, strict=True)
    ]
