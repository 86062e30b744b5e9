"""Trapezoidal kWh against analytic integrals, gap handling and the curve read between bounds."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.analytics.energy import integrate_power
from core.analytics.energy.curve import Gap, gaps_of
from core.analytics.energy.units import UnitError
from core.model import NS_PER_S, Quality

HOUR_S = 3600
T0 = 1_790_000_000 * NS_PER_S


def samples(seconds: np.ndarray) -> np.ndarray:
    return T0 + np.round(seconds * NS_PER_S).astype(np.int64)


# (name, power in W as a function of t in s, exact energy in kWh over [0, T], step s, rel. tol.)
PROFILES = [
    ("constant", lambda t: np.full_like(t, 1500.0), 1500.0 * HOUR_S / 3.6e6, 1.0, 1e-12),
    ("ramp", lambda t: 200.0 + 0.5 * t, (200.0 * HOUR_S + 0.25 * HOUR_S**2) / 3.6e6, 8.0, 1e-12),
    (
        "sine",
        lambda t: 1000.0 + 400.0 * np.sin(2 * np.pi * t / 900.0),
        1000.0 * HOUR_S / 3.6e6,  # whole periods: the sine integrates to 0
        1.0,
        1e-6,
    ),
    (
        "sine_offset_phase",
        lambda t: 800.0 + 300.0 * np.sin(2 * np.pi * t / 1234.0 + 0.3),
        (
            800.0 * HOUR_S
            + 300.0
            * 1234.0
            / (2 * np.pi)
            * (math.cos(0.3) - math.cos(2 * np.pi * HOUR_S / 1234.0 + 0.3))
        )
        / 3.6e6,
        2.0,
        1e-5,
    ),
]


@pytest.mark.parametrize(("name", "power", "exact_kwh", "step_s", "tolerance"), PROFILES)
def test_trapezoid_matches_the_analytic_integral(name, power, exact_kwh, step_s, tolerance) -> None:
    t = np.arange(0.0, HOUR_S + step_s / 2, step_s)
    curve = integrate_power(samples(t), power(t), "W", max_gap_s=60)
    assert curve.total == pytest.approx(exact_kwh, rel=tolerance), name
    assert curve.bridged.all()


@pytest.mark.parametrize(("unit", "scale"), [("W", 1.0), ("kW", 1e3), ("MW", 1e6), ("mW", 1e-3)])
def test_power_units_are_converted(unit: str, scale: float) -> None:
    t = np.arange(0.0, HOUR_S + 1, 10.0)
    curve = integrate_power(samples(t), np.full(t.size, 2000.0 / scale), unit)
    assert curve.total == pytest.approx(2.0, rel=1e-12)


@pytest.mark.parametrize("unit", ["VA", "var", "kWh", "V", "nonsense"])
def test_non_power_units_are_refused(unit: str) -> None:
    with pytest.raises(UnitError):
        integrate_power(samples(np.array([0.0, 1.0])), np.array([1.0, 1.0]), unit)


def test_gaps_longer_than_the_maximum_are_not_bridged_and_are_reported() -> None:
    # 1 kW for 30 min, silence for 20 min, 1 kW for 10 min: 0.5 + 0.1667 kWh, not 1 kWh
    t = np.concatenate([np.arange(0, 1801, 10.0), np.arange(3000, 3601, 10.0)])
    curve = integrate_power(samples(t), np.full(t.size, 1000.0), "W", max_gap_s=300)
    assert curve.total == pytest.approx(0.5 + 600 / 3600, rel=1e-12)
    window = (int(T0), int(T0 + HOUR_S * NS_PER_S))
    gaps = gaps_of(curve.ts_ns, curve.bridged, window, 300 * NS_PER_S)
    assert gaps == [Gap(int(T0 + 1800 * NS_PER_S), int(T0 + 3000 * NS_PER_S))]
    assert gaps[0].duration_s == 1200
    assert curve.covered_s(*window) == pytest.approx(2400)


def test_a_gap_just_under_the_maximum_is_bridged() -> None:
    t = np.array([0.0, 299.0, 598.0])
    curve = integrate_power(samples(t), np.array([1000.0, 1000.0, 1000.0]), "W", max_gap_s=300)
    assert curve.bridged.all()
    assert curve.total == pytest.approx(598 / 3600)


def test_bad_quality_and_non_finite_samples_are_left_out() -> None:
    t = np.arange(0.0, 61.0, 10.0)
    values = np.array([100.0, 100.0, 1e9, np.nan, 100.0, 100.0, 100.0])
    quality = np.array([0, 0, Quality.BAD_SENSOR_FAULT, 0, 0, 0, 0], dtype=np.uint8)
    curve = integrate_power(samples(t), values, "W", max_gap_s=60, quality=quality)
    assert curve.total == pytest.approx(100.0 * 60 / 3.6e6)


def test_out_of_order_and_duplicate_timestamps_are_dropped() -> None:
    ts = samples(np.array([0.0, 10.0, 10.0, 5.0, 20.0]))
    curve = integrate_power(ts, np.array([100.0, 100.0, 999.0, 999.0, 100.0]), "W")
    assert curve.ts_ns.tolist() == samples(np.array([0.0, 10.0, 20.0])).tolist()
    assert curve.total == pytest.approx(100.0 * 20 / 3.6e6)


def test_energy_between_bounds_inside_an_interval_is_exact_for_a_ramp() -> None:
    # power 0 -> 3600 W over one hour sampled only at both ends: E(t) = t^2 / 2 J
    curve = integrate_power(samples(np.array([0.0, 3600.0])), np.array([0.0, 3600.0]), "W", 3600)
    cuts = samples(np.array([0.0, 600.0, 1800.0, 3600.0]))
    expected = np.diff(np.array([0.0, 600.0, 1800.0, 3600.0]) ** 2 / 2) / 3.6e6
    assert curve.between(cuts) == pytest.approx(expected, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    cuts=st.lists(st.integers(-600, 4200), min_size=2, max_size=12, unique=True),
    seed=st.integers(0, 2**31),
)
def test_period_energies_add_up_to_the_whole_for_any_boundaries(cuts: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0, 3600, 200))
    curve = integrate_power(samples(t), rng.uniform(0, 5000, t.size), "W", max_gap_s=40)
    bounds = samples(np.array(sorted(cuts), dtype=float))
    parts = curve.between(bounds)
    assert parts.sum() == pytest.approx(
        curve.at(bounds[-1:])[0] - curve.at(bounds[:1])[0], abs=1e-9
    )
    assert (parts >= -1e-12).all()
    whole = curve.between(samples(np.array([-600.0, 4200.0])))[0]
    assert whole == pytest.approx(curve.total, rel=1e-12)
