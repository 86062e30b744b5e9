"""Cumulative counters: deltas through resets and rollovers, gaps, events, fuel units."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.analytics.energy import UINT32_WRAP, counter_energy
from core.model import NS_PER_S

T0 = 1_790_000_000 * NS_PER_S


def ts(seconds: list[float] | np.ndarray) -> np.ndarray:
    return T0 + (np.asarray(seconds, dtype=float) * NS_PER_S).astype(np.int64)


@pytest.mark.parametrize(
    ("values", "unit", "expected_kwh", "kinds"),
    [
        ([100.0, 100.5, 101.25, 102.0], "kWh", 2.0, []),
        ([5000.0, 5500.0, 6250.0], "Wh", 1.25, []),
        # reset (a reboot, a firmware update): the counter restarts from 0
        ([100.0, 101.0, 0.5, 1.5], "kWh", 1.0 + 0.5 + 1.0, ["reset"]),
        ([100.0, 101.0, 0.0, 0.0, 2.0], "kWh", 3.0, ["reset"]),
        # two resets in a row
        ([10.0, 12.0, 1.0, 3.0, 0.25, 1.25], "kWh", 2 + 1 + 2 + 0.25 + 1, ["reset", "reset"]),
        # Shelly Gen1 watt-minute counter decoded to Wh
        ([600.0 / 60, 1200.0 / 60, 30.0 / 60], "Wh", (10 + 0.5) / 1000, ["reset"]),
    ],
)
def test_deltas_survive_resets(values, unit, expected_kwh, kinds) -> None:
    result = counter_energy(ts(np.arange(len(values)) * 60.0), np.array(values), unit)
    assert result.kwh == pytest.approx(expected_kwh)
    assert [e.kind for e in result.events] == kinds


def test_uint32_register_rollover_in_wh() -> None:
    top = float(UINT32_WRAP)  # a uint32 Wh register wraps at 2**32 Wh
    values = np.array([top - 3000.0, top - 1000.0, 500.0, 2500.0])
    result = counter_energy(ts([0, 60, 120, 180]), values, "Wh", rollover=top)
    assert result.kwh == pytest.approx((2000 + 1500 + 2000) / 1000)
    assert [(e.kind, e.before, e.after) for e in result.events] == [
        ("rollover", top - 1000.0, 500.0)
    ]


def test_a_drop_far_below_the_top_is_a_reset_even_with_a_rollover_configured() -> None:
    values = np.array([1000.0, 1200.0, 50.0, 80.0])
    result = counter_energy(ts([0, 60, 120, 180]), values, "Wh", rollover=65536.0)
    assert [e.kind for e in result.events] == ["reset"]
    assert result.kwh == pytest.approx((200 + 50 + 30) / 1000)


def test_scaled_register_rollover() -> None:
    # a uint32 register of 0.01 kWh: wraps at 2**32 * 0.01 kWh
    wrap = UINT32_WRAP * 0.01
    values = np.array([wrap - 1.0, wrap - 0.25, 0.75])
    result = counter_energy(ts([0, 900, 1800]), values, "kWh", rollover=wrap)
    assert result.kwh == pytest.approx(0.75 + 1.0)


def test_rebase_mode_ignores_the_first_value_after_a_reset() -> None:
    values = np.array([100.0, 101.0, 7.0, 8.0])
    result = counter_energy(ts([0, 60, 120, 180]), values, "kWh", on_reset="rebase")
    assert result.kwh == pytest.approx(2.0)


def test_increase_across_a_long_gap_is_unattributed_not_spread() -> None:
    values = np.array([10.0, 11.0, 20.0, 21.0])
    result = counter_energy(ts([0, 60, 7260, 7320]), values, "kWh", max_gap_s=3600)
    assert result.kwh == pytest.approx(2.0)
    assert result.unattributed_kwh == pytest.approx(9.0)
    assert result.unattributed_by_gap == ((int(ts([7260])[0]), 9.0),)
    assert not result.curve.bridged[1]


def test_fuel_counter_in_litres() -> None:
    values = np.array([1200.0, 1210.5, 1231.0])
    result = counter_energy(ts([0, 3600, 7200]), values, "L", target="L")
    assert result.kwh == pytest.approx(31.0)  # the curve is in litres here
    in_m3 = counter_energy(ts([0, 3600, 7200]), values, "L", target="m3")
    assert in_m3.kwh == pytest.approx(0.031)


def test_period_split_of_a_counter_is_linear_inside_an_interval() -> None:
    result = counter_energy(ts([0, 3600]), np.array([0.0, 4.0]), "kWh")
    assert result.curve.between(ts([0, 900, 3600])) == pytest.approx([1.0, 3.0])


@settings(max_examples=80, deadline=None)
@given(
    increments=st.lists(st.floats(0, 50, allow_nan=False), min_size=2, max_size=60),
    resets=st.sets(st.integers(1, 59), max_size=5),
    start=st.floats(0, 1e6, allow_nan=False),
)
def test_reconstructed_energy_equals_the_true_increments(increments, resets, start) -> None:
    """A device counts true energy; at each reset it restarts from zero and counts on (a reset
    is visible as a drop: a restart that lands above the old value cannot be told apart)."""
    values, level, true = [], start, 0.0
    for k, inc in enumerate(increments):
        if k in resets and k > 0 and inc < level:
            level = inc  # restarted from 0 and counted ``inc`` since
        else:
            level += inc if k else 0.0
        true += inc if k else 0.0
        values.append(level)
    result = counter_energy(ts(np.arange(len(values)) * 10.0), np.array(values), "kWh")
    drops = sum(1 for a, b in itertools.pairwise(values) if b < a)
    assert len(result.events) == drops
    assert result.kwh == pytest.approx(true, rel=1e-9, abs=1e-6)
