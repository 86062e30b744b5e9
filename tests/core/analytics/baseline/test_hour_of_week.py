"""Hour-of-week baselines learned from several weeks, across daylight-saving changes."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import numpy as np
import pytest

from core.analytics.baseline import HourOfWeekBaseline, deviation_pct, hour_of_week
from core.analytics.energy.periods import local_wall_ns
from core.model import NS_PER_S
from core.timefmt import parse_time

H = 3600 * NS_PER_S
BERLIN = ZoneInfo("Europe/Berlin")


def weekly_profile(ts: np.ndarray) -> np.ndarray:
    """A plant that runs 06:00-22:00 local on weekdays (40 kWh/h), idles otherwise (5 kWh/h)."""
    slot = hour_of_week(ts, BERLIN)
    day, hour = slot // 24, slot % 24
    return np.where((day < 5) & (hour >= 6) & (hour < 22), 40.0, 5.0)


def hours(start: str, weeks: int) -> np.ndarray:
    lo = parse_time(start)
    return np.arange(lo, lo + weeks * 168 * H, H, dtype=np.int64)


@pytest.mark.parametrize(
    ("text", "slot"),
    [
        ("2026-03-23T00:30:00+01:00", 0),  # Monday 00:30 local
        ("2026-03-29T23:30:00+02:00", 167),  # Sunday 23:30 local, after the change
        ("2026-03-29T03:30:00+02:00", 147),  # Sunday 03:30 CEST
        ("2026-10-25T02:30:00+01:00", 146),  # the second 02:30 of the autumn change
        ("2026-10-25T02:30:00+02:00", 146),  # the first one
    ],
)
def test_slots_follow_local_wall_time(text: str, slot: int) -> None:
    assert hour_of_week(np.array([parse_time(text)]), BERLIN).tolist() == [slot]


def test_a_weekly_profile_is_learned_across_the_spring_change() -> None:
    ts = hours("2026-03-09T00:00:00+01:00", 4)  # 4 weeks, the spring change inside
    rng = np.random.default_rng(5)
    kwh = weekly_profile(ts) * (1 + rng.normal(0, 0.02, ts.size))
    baseline = HourOfWeekBaseline.fit(ts, kwh, "Europe/Berlin", min_weeks=3)
    assert baseline.learned == 168
    monday_9 = 9
    saturday_9 = 5 * 24 + 9
    assert baseline.mean[monday_9] == pytest.approx(40.0, rel=0.03)
    assert baseline.mean[saturday_9] == pytest.approx(5.0, rel=0.03)
    # the week after: Monday 09:00 CEST expects 40, a 48 kWh hour deviates by +20 %
    probe = np.array([parse_time("2026-04-06T09:00:00+02:00")])
    assert baseline.expected(probe)[0] == pytest.approx(40.0, rel=0.03)
    assert baseline.deviation_pct(probe, [48.0])[0] == pytest.approx(20.0, abs=3.0)
    assert abs(baseline.zscore(probe, [40.0])[0]) < 3


def test_slots_seen_in_too_few_weeks_are_not_learned() -> None:
    ts = hours("2026-06-01T00:00:00+02:00", 3)
    kwh = weekly_profile(ts)
    kwh[ts >= parse_time("2026-06-08T00:00:00+02:00")] = np.nan  # only one usable week
    baseline = HourOfWeekBaseline.fit(ts, kwh, "Europe/Berlin", min_weeks=2)
    assert baseline.learned == 0
    assert np.isnan(baseline.expected(ts[:5])).all()
    assert np.isnan(baseline.deviation_pct(ts[:5], kwh[:5])).all()


@pytest.mark.parametrize(
    ("actual", "expected", "pct"),
    [
        (110.0, 100.0, 10.0),
        (90.0, 100.0, -10.0),
        (-5.0, -10.0, 50.0),
        (5.0, 0.0, np.nan),
        (5.0, np.nan, np.nan),
    ],
)
def test_deviation_pct(actual: float, expected: float, pct: float) -> None:
    out = deviation_pct([actual], [expected])[0]
    assert (np.isnan(out) and np.isnan(pct)) or out == pytest.approx(pct)


def test_local_wall_of_a_year_is_monotonic_outside_the_autumn_hour() -> None:
    ts = hours("2026-01-05T00:00:00+01:00", 52)
    wall = local_wall_ns(ts, BERLIN)
    steps = np.diff(wall) // H
    assert set(steps.tolist()) == {0, 1, 2}  # 2 at the spring change, 0 at the autumn one
    assert (steps == 2).sum() == 1 and (steps == 0).sum() == 1
