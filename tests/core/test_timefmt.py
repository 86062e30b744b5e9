"""Timestamps on the command line and in CSV files."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.timefmt import format_time, parse_time

T0 = 1_700_000_000_000_000_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1700000000", T0),
        ("1700000000.25", T0 + 250_000_000),
        ("1700000000000", T0),
        ("2023-11-14T22:13:20Z", T0),
        ("2023-11-14T22:13:20.500Z", T0 + 500_000_000),
        ("2023-11-14T23:13:20+01:00", T0),
        ("2023-11-14 22:13:20", T0),
    ],
)
def test_parse(text: str, expected: int) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["", "yesterday", "nan", "inf", "2999-01-01T00:00:00Z", "1e30"])
def test_parse_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_time(text)


@given(st.integers(min_value=946_684_800_000, max_value=4_102_444_800_000))
def test_format_then_parse_round_trips_milliseconds(ms: int) -> None:
    ts = ms * 1_000_000
    text = format_time(ts)
    assert text.endswith("Z") and len(text) == 24
    assert parse_time(text) == ts
