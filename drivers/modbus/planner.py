"""Read planning: coalesce a device's points into as few read requests as the protocol allows.

Per register type, points sorted by address are merged into one block while the block stays
within the request limit (125 registers for FC3/FC4, 2000 bits for FC1/FC2, or less when the
device's profile says so) and the hole between two points is at most ``max_gap`` addresses.
Reading across a hole costs nothing on a healthy device but some devices answer "illegal data
address" for unmapped registers, hence the bound (``max_gap = 0`` reads only mapped addresses).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from drivers.modbus.points import BIT_REGISTER_TYPES, REGISTER_TYPES, Point

PROTOCOL_MAX_REGISTERS = 125
PROTOCOL_MAX_BITS = 2000
DEFAULT_MAX_GAP = 10


@dataclass(frozen=True, slots=True)
class ReadBlock:
    """One read request: ``count`` registers/bits of ``register_type`` from ``address``."""

    register_type: str
    address: int
    count: int
    points: tuple[Point, ...]

    def values_for(
        self, point: Point, values: Sequence[int] | Sequence[bool]
    ) -> Sequence[int] | Sequence[bool]:
        """The slice of a block's response that belongs to ``point``."""
        start = point.address - self.address
        return values[start : start + point.count]

    @property
    def point_names(self) -> tuple[str, ...]:
        """Names of the points this block carries."""
        return tuple(p.name for p in self.points)


def plan_reads(
    points: Iterable[Point],
    *,
    max_gap: int = DEFAULT_MAX_GAP,
    max_registers: int = PROTOCOL_MAX_REGISTERS,
    max_bits: int = PROTOCOL_MAX_BITS,
) -> list[ReadBlock]:
    """The read requests that cover ``points``: per register type, contiguous, bounded blocks."""
    if max_gap < 0:
        raise ValueError(f"max_gap must be >= 0, not {max_gap}")
    if not 1 <= max_registers <= PROTOCOL_MAX_REGISTERS:
        raise ValueError(f"max_registers must be in 1..{PROTOCOL_MAX_REGISTERS}")
    if not 1 <= max_bits <= PROTOCOL_MAX_BITS:
        raise ValueError(f"max_bits must be in 1..{PROTOCOL_MAX_BITS}")
    by_type: dict[str, list[Point]] = {t: [] for t in REGISTER_TYPES}
    for point in points:
        by_type[point.register_type].append(point)
    blocks: list[ReadBlock] = []
    for register_type, members in by_type.items():
        limit = max_bits if register_type in BIT_REGISTER_TYPES else max_registers
        blocks.extend(_coalesce(register_type, members, max_gap, limit))
    return blocks


def _coalesce(register_type: str, points: list[Point], max_gap: int, limit: int) -> list[ReadBlock]:
    blocks: list[ReadBlock] = []
    members: list[Point] = []
    start = end = 0
    for point in sorted(points, key=lambda p: (p.address, p.count, p.name)):
        fits = point.address - end <= max_gap and max(end, point.end) - start <= limit
        if members and fits:
            members.append(point)
            end = max(end, point.end)
            continue
        if members:
            blocks.append(ReadBlock(register_type, start, end - start, tuple(members)))
        members, start, end = [point], point.address, point.end
    if members:
        blocks.append(ReadBlock(register_type, start, end - start, tuple(members)))
    return blocks
