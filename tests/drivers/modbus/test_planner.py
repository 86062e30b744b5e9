"""Read planner: block coalescing by register type, gap and request limit."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.modbus.planner import plan_reads
from drivers.modbus.points import DTYPE_REGISTERS, Point
from drivers.modbus.profile import load_profile


def pt(
    name: str,
    address: int,
    dtype: str = "uint16",
    register_type: str = "holding",
    bit: int | None = None,
) -> Point:
    return Point(name=name, register_type=register_type, address=address, dtype=dtype, bit=bit)


@pytest.mark.parametrize(
    ("points", "kwargs", "expected"),
    [
        ([pt("a", 0), pt("b", 1), pt("c", 2)], {}, [("holding", 0, 3)]),
        ([pt("a", 0), pt("b", 11)], {}, [("holding", 0, 12)]),
        ([pt("a", 0), pt("b", 12)], {}, [("holding", 0, 1), ("holding", 12, 1)]),
        ([pt("a", 0), pt("b", 5)], {"max_gap": 0}, [("holding", 0, 1), ("holding", 5, 1)]),
        ([pt("a", 0, "float32"), pt("b", 2, "float32")], {"max_gap": 0}, [("holding", 0, 4)]),
        ([pt("a", 0, "float64"), pt("b", 124)], {"max_gap": 200}, [("holding", 0, 125)]),
        (
            [pt("a", 0, "float64"), pt("b", 124, "float32")],
            {"max_gap": 200},
            [("holding", 0, 4), ("holding", 124, 2)],
        ),
        (
            [pt("a", 0, "float32"), pt("b", 78, "float32")],
            {"max_registers": 80, "max_gap": 100},
            [("holding", 0, 80)],
        ),
        (
            [pt("a", 0, "float32"), pt("b", 80, "float32")],
            {"max_registers": 80, "max_gap": 100},
            [("holding", 0, 2), ("holding", 80, 2)],
        ),
        (
            [pt("s", 0, "uint16"), pt("b0", 0, "bit", bit=0), pt("b3", 0, "bit", bit=3)],
            {},
            [("holding", 0, 1)],
        ),
        (
            [
                pt("h", 0),
                pt("i", 0, register_type="input"),
                pt("c", 0, "bool", "coil"),
                pt("d", 3, "bool", "discrete"),
            ],
            {},
            [("coil", 0, 1), ("discrete", 3, 1), ("holding", 0, 1), ("input", 0, 1)],
        ),
        (
            [pt("c0", 0, "bool", "coil"), pt("c1", 1999, "bool", "coil")],
            {"max_gap": 2000},
            [("coil", 0, 2000)],
        ),
        (
            [pt("c0", 0, "bool", "coil"), pt("c1", 2000, "bool", "coil")],
            {"max_gap": 2000},
            [("coil", 0, 1), ("coil", 2000, 1)],
        ),
    ],
)
def test_blocks(points: list[Point], kwargs: dict, expected: list[tuple[str, int, int]]) -> None:
    blocks = plan_reads(points, **kwargs)
    assert [(b.register_type, b.address, b.count) for b in blocks] == expected
    assert sorted(p.name for b in blocks for p in b.points) == sorted(p.name for p in points)


@pytest.mark.parametrize(
    "kwargs", [{"max_gap": -1}, {"max_registers": 126}, {"max_registers": 0}, {"max_bits": 2001}]
)
def test_limits_are_checked(kwargs: dict) -> None:
    with pytest.raises(ValueError, match="must be"):
        plan_reads([pt("a", 0)], **kwargs)


def test_sdm630_profile_needs_few_requests() -> None:
    profile = load_profile("sdm630")
    blocks = plan_reads(profile.points, max_registers=profile.max_read_registers)
    assert len(profile.points) == 64
    assert len(blocks) == 7
    assert all(b.count <= 80 for b in blocks)


@st.composite
def point_sets(draw: st.DrawFn) -> list[Point]:
    count = draw(st.integers(1, 40))
    points = []
    for index in range(count):
        register_type = draw(st.sampled_from(["coil", "discrete", "holding", "input"]))
        if register_type in ("coil", "discrete"):
            dtype = "bool"
        else:
            dtype = draw(st.sampled_from(["uint16", "float32", "float64", "int32"]))
        address = draw(st.integers(0, 400))
        points.append(pt(f"p{index}", address, dtype, register_type))
    return points


@given(
    points=point_sets(),
    max_gap=st.integers(0, 20),
    max_registers=st.integers(4, 125),
    max_bits=st.integers(1, 2000),
)
@settings(max_examples=300, deadline=None)
def test_plan_invariants(
    points: list[Point], max_gap: int, max_registers: int, max_bits: int
) -> None:
    blocks = plan_reads(points, max_gap=max_gap, max_registers=max_registers, max_bits=max_bits)
    covered = [p.name for b in blocks for p in b.points]
    assert sorted(covered) == sorted(p.name for p in points)  # every point exactly once
    for block in blocks:
        limit = max_bits if block.register_type in ("coil", "discrete") else max_registers
        assert 1 <= block.count <= limit
        for p in block.points:
            assert p.register_type == block.register_type
            assert block.address <= p.address and p.end <= block.address + block.count
        ends = sorted(block.points, key=lambda p: p.address)
        reach = ends[0].end
        for p in ends[1:]:
            assert p.address - reach <= max_gap  # never across a larger hole
            reach = max(reach, p.end)
    for first, second in itertools.pairwise(blocks):
        if first.register_type != second.register_type:
            continue
        limit = max_bits if first.register_type in ("coil", "discrete") else max_registers
        head = min(second.points, key=lambda p: (p.address, p.count, p.name))
        gap = head.address - (first.address + first.count)
        merged = max(first.address + first.count, head.end) - first.address
        assert gap > max_gap or merged > limit  # greedy: the next block could not have joined


def test_register_counts_cover_every_dtype() -> None:
    assert {
        d: pt("x", 0, d, bit=0 if d == "bit" else None).count for d in DTYPE_REGISTERS
    } == DTYPE_REGISTERS
