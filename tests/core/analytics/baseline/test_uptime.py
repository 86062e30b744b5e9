"""Uptime from presence, availability from run state, OEE from run state and counters."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest

from core.analytics.baseline import availability, count_increase, oee, state_time
from core.analytics.baseline.store import OeeTags, device_availability, device_oee, run_tag
from core.model import NS_PER_S, Quality
from core.store.historian import Historian

S = NS_PER_S


def test_state_time_of_a_step_signal() -> None:
    # on at 0, off at 600, on at 900, window 0..1200 s
    result = state_time(np.array([0, 600, 900]) * S, [1, 0, 1], 0, 1200 * S)
    assert (result.on_s, result.off_s, result.unknown_s) == (900.0, 300.0, 0.0)
    assert result.on_share == pytest.approx(0.75)


def test_state_before_the_window_holds_into_it_and_unknown_before_any_sample() -> None:
    held = state_time(np.array([-100, 500]) * S, [0, 1], 0, 1000 * S)
    assert (held.on_s, held.off_s) == (500.0, 500.0)
    late = state_time(np.array([400]) * S, [1], 0, 1000 * S)
    assert (late.on_s, late.unknown_s) == (600.0, 400.0)


def test_stale_and_bad_samples_make_time_unknown() -> None:
    stale = state_time(np.array([0]) * S, [1], 0, 1000 * S, stale_s=300)
    assert (stale.on_s, stale.unknown_s) == (300.0, 700.0)
    bad = state_time(
        np.array([0, 500]) * S, [1, 1], 0, 1000 * S, quality=[0, Quality.BAD_COMMS_LOST]
    )
    assert (bad.on_s, bad.unknown_s) == (500.0, 500.0)


def test_availability_prefers_run_state_over_presence() -> None:
    window = (0, 3600 * S)
    presence = (np.array([0, 3000]) * S, np.array([1, 0]))
    running = (np.array([0, 1800, 2400]) * S, np.array([1, 0, 1]))
    both = availability(*window, presence=presence, running=running)
    assert both.uptime == pytest.approx(3000 / 3600)
    assert both.availability == pytest.approx(3000 / 3600)  # ran 1800 + 1200 s
    planned = availability(*window, running=running, planned_s=3200)
    assert planned.availability == pytest.approx(3000 / 3200)
    only_presence = availability(*window, presence=presence)
    assert only_presence.availability == pytest.approx(3000 / 3600)


@pytest.mark.parametrize(
    ("run_s", "planned_s", "total", "good", "rate", "expected"),
    [
        (7 * 3600, 8 * 3600, 1900, 1862, 300, (7 / 8, 1900 / 2100, 1862 / 1900)),
        (0, 8 * 3600, 0, 0, 300, (0.0, None, None)),
    ],
)
def test_oee_factors(run_s, planned_s, total, good, rate, expected) -> None:
    result = oee(run_s, planned_s, total, good, rate)
    got = (result.availability, result.performance, result.quality)
    for value, want in zip(got, expected, strict=True):
        assert (value is None and want is None) or value == pytest.approx(want)
    if None not in expected:
        assert result.oee == pytest.approx(expected[0] * expected[1] * expected[2])
    else:
        assert result.oee is None


def test_oee_from_rejects() -> None:
    result = oee(3600, 3600, 100, None, 100, reject_count=4)
    assert (result.good_count, result.quality, result.oee) == (96, 0.96, pytest.approx(0.96))


def test_count_increase_through_a_reset() -> None:
    assert count_increase(np.arange(5) * S, [100, 110, 3, 8, 12]) == pytest.approx(10 + 3 + 5 + 4)


def test_availability_and_oee_from_the_store(
    historian_with: Callable[[Sequence[tuple[str, int, float]]], Historian],
) -> None:
    t0 = 1_780_000_000
    rows = [
        ("pump1/online", t0 - 600, 1),  # online since before the window
        ("pump1/online", t0 + 3000, 0),
        ("pump1/running", t0 - 60, 1),
        ("pump1/running", t0 + 1800, 0),
        ("pump1/running", t0 + 2400, 1),
        ("pump1/running", t0 + 3000, 0),
    ]
    rows += [("pump1/count", t0 + k * 60, float(k * 4)) for k in range(0, 61)]
    rows += [("pump1/rejects", t0 + k * 600, float(k)) for k in range(0, 7)]
    historian = historian_with(rows)
    start, end = t0 * S, (t0 + 3600) * S
    assert run_tag(historian, "pump1") == "pump1/running"
    state = device_availability(historian, "pump1", start, end)
    assert state.uptime == pytest.approx(3000 / 3600)
    assert state.availability == pytest.approx(2400 / 3600)
    result = device_oee(
        historian,
        OeeTags(
            run="pump1/running",
            total_count="pump1/count",
            reject_count="pump1/rejects",
            ideal_rate_per_h=400,
        ),
        start,
        end,
    )
    assert result.run_s == 2400
    assert (result.total_count, result.good_count) == (240, 234)
    assert result.performance == pytest.approx(240 / (400 * 2400 / 3600))
    assert result.oee == pytest.approx((2400 / 3600) * (240 / (400 * 2400 / 3600)) * (234 / 240))
