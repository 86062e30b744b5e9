"""Periods in the plant's zone: daylight-saving days have 23 and 25 hours and totals add up."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from core.analytics.energy import Shift, integrate_power, local_wall_ns, periods
from core.analytics.energy.periods import boundaries
from core.model import NS_PER_S
from core.timefmt import parse_time

BERLIN = ZoneInfo("Europe/Berlin")
H = 3600 * NS_PER_S
SHIFTS = [Shift("early", time(6)), Shift("late", time(14)), Shift("night", time(22))]


@pytest.mark.parametrize(
    ("day", "start", "end", "hours"),
    [
        ("2026-03-29", "2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00", 23),
        ("2026-10-25", "2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00", 25),
        ("2026-06-15", "2026-06-15T00:00:00+02:00", "2026-06-16T00:00:00+02:00", 24),
        ("2026-01-15", "2026-01-15T00:00:00+01:00", "2026-01-16T00:00:00+01:00", 24),
    ],
)
def test_a_local_day_has_23_24_or_25_hours(day: str, start: str, end: str, hours: int) -> None:
    lo, hi = parse_time(start), parse_time(end)
    (found,) = periods(lo, hi, "day", BERLIN)
    assert (found.label, found.hours, found.partial) == (day, hours, False)
    hourly = periods(lo, hi, "hour", BERLIN)
    assert len(hourly) == hours
    assert all(p.hours == 1 for p in hourly)
    assert len({p.label for p in hourly}) == hours  # the repeated autumn hour is told apart


def test_the_repeated_autumn_hour_is_labelled_with_both_offsets() -> None:
    lo = parse_time("2026-10-25T00:00:00+02:00")
    labels = [p.label for p in periods(lo, lo + 5 * H, "hour", BERLIN)]
    assert labels == [
        "2026-10-25T00:00+02:00",
        "2026-10-25T01:00+02:00",
        "2026-10-25T02:00+02:00",
        "2026-10-25T02:00+01:00",
        "2026-10-25T03:00+01:00",
    ]


def test_daily_and_hourly_totals_add_up_across_both_changes() -> None:
    lo = parse_time("2026-03-27T00:00:00+01:00")
    hi = parse_time("2026-03-31T00:00:00+02:00")
    t = np.arange(lo, hi + 1, 30 * NS_PER_S, dtype=np.int64)
    power = 500 + 200 * np.sin(np.arange(t.size) / 50.0)
    curve = integrate_power(t, power, "W")
    for span in [
        (lo, hi),
        (parse_time("2026-10-23T00:00:00+02:00"), parse_time("2026-10-27T00:00:00+01:00")),
    ]:
        days = periods(*span, "day", BERLIN)
        hours = periods(*span, "hour", BERLIN)
        assert sum(p.hours for p in days) == sum(p.hours for p in hours) == (span[1] - span[0]) / H
    days = periods(lo, hi, "day", BERLIN)
    hours = periods(lo, hi, "hour", BERLIN)
    daily = curve.between(boundaries(days))
    hourly = curve.between(boundaries(hours))
    assert [p.hours for p in days] == [24, 24, 23, 24]
    assert daily.sum() == pytest.approx(curve.total, rel=1e-12)
    assert hourly.sum() == pytest.approx(daily.sum(), rel=1e-12)
    # the 23-hour day holds 23 hours of this load, not 24
    assert daily[2] == pytest.approx(hourly[48:71].sum(), rel=1e-12)


def test_partial_periods_are_clipped_and_flagged() -> None:
    lo = parse_time("2026-05-04T10:30:00Z")
    found = periods(lo, lo + 3 * 24 * H, "day", BERLIN)
    assert found[0].partial and found[-1].partial
    assert not any(p.partial for p in found[1:-1])
    assert found[0].start_ns == lo and found[-1].end_ns == lo + 3 * 24 * H


def test_weeks_are_iso_weeks_from_local_monday() -> None:
    lo = parse_time("2026-03-23T00:00:00+01:00")  # Monday of ISO week 13 (spring change)
    weeks = periods(lo, lo + 14 * 24 * H, "week", BERLIN)
    assert [(w.label, w.hours) for w in weeks] == [
        ("2026-W13", 167),
        ("2026-W14", 168),
        ("2026-W15", 1),
    ]


def test_months_follow_local_midnights() -> None:
    lo = parse_time("2026-01-01T00:00:00+01:00")
    hi = parse_time("2027-01-01T00:00:00+01:00")
    months = periods(lo, hi, "month", BERLIN)
    assert [m.label for m in months][:3] == ["2026-01", "2026-02", "2026-03"]
    assert len(months) == 12
    assert [m.hours for m in months if m.label in ("2026-03", "2026-10")] == [743, 745]
    assert sum(m.hours for m in months) == 8760


def test_shifts_across_the_spring_change() -> None:
    lo = parse_time("2026-03-28T06:00:00+01:00")
    found = periods(lo, lo + 24 * H, "shift", BERLIN, SHIFTS)
    assert [(s.label, s.hours) for s in found] == [
        ("2026-03-28 early", 8),
        ("2026-03-28 late", 8),
        ("2026-03-28 night", 7),  # 22:00 CET -> 06:00 CEST
        ("2026-03-29 early", 1),
    ]
    assert found[-1].partial


def test_shift_periods_need_shifts() -> None:
    with pytest.raises(ValueError, match="shifts"):
        periods(0, H, "shift", BERLIN)


def test_local_wall_time_follows_the_offset() -> None:
    summer = parse_time("2026-07-01T12:00:00Z")
    winter = parse_time("2026-01-01T12:00:00Z")
    wall = local_wall_ns(np.array([summer, winter]), BERLIN)
    assert (wall - np.array([summer, winter])).tolist() == [2 * H, 1 * H]
