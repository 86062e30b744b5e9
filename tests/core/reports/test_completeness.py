"""Data completeness per tag from the hourly rollups."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.reports.completeness import _weighted_median, data_completeness, whole_hours
from core.reports.service import ReportService
from tests.core.reports.plantdata import END, HOUR, START


@given(st.lists(st.integers(1, 500), min_size=1, max_size=60))
def test_weighted_median_is_the_median(per_hour: list[int]) -> None:
    values, counts = np.unique(np.array(per_hour), return_counts=True)
    assert _weighted_median(values, counts) == float(np.median(per_hour))


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (0, 3600 * 10**9, (0, 1)),
        (1, 3600 * 10**9, (0, 1)),
        (0, 3600 * 10**9 + 1, (0, 2)),
        (5, 5, (0, 1)),
    ],
)
def test_whole_hours(start: int, end: int, expected: tuple[int, int]) -> None:
    assert whole_hours(start, end) == expected


def test_completeness_of_the_week(service: ReportService) -> None:
    tags = sorted(service.ctx.historian.registry, key=lambda t: t.name)
    found = {c.tag: c for c in data_completeness(service.ctx.historian.engine, START, END, tags)}
    voltage = found["meter1/voltage"]
    assert (voltage.hours, voltage.hours_with_data, voltage.samples, voltage.nominal_per_h) == (
        168, 162, 162 * 60, 60.0,
    )  # fmt: skip
    assert voltage.completeness_pct == pytest.approx(100 * 162 / 168)
    assert voltage.coverage_pct == pytest.approx(100 * 162 / 168) and voltage.bad_pct == 0.0
    assert all(c.completeness_pct == 100.0 for name, c in found.items() if name != "meter1/voltage")
    later = data_completeness(service.ctx.historian.engine, END + HOUR, END + 25 * HOUR, tags[:1])
    assert later[0].completeness_pct == 0.0 and later[0].nominal_per_h is None
    assert later[0].hours == 24 and later[0].bad_pct is None
