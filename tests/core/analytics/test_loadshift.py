"""Load-shift advice picks the known cheapest (or cleanest) start window."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.analytics.forecast.metrics import BacktestMetrics
from core.analytics.forecast.result import Forecast
from core.analytics.loadshift import LoadShiftError, advise, advise_from_forecast

HOUR_NS = 3600 * 1_000_000_000
T0 = 1_700_000_000 // 3600 * 3600 * 1_000_000_000

# 24 hourly prices in EUR/kWh: expensive day, a cheap block 02:00-05:00, cheapest at 03:00
PRICES = np.array([0.30] * 24)
PRICES[2:5] = [0.12, 0.08, 0.10]
PRICES[13] = 0.15


def hours(n: int) -> np.ndarray:
    return T0 + np.arange(n, dtype=np.int64) * HOUR_NS


def test_three_hour_load_takes_the_cheap_night_block() -> None:
    advice = advise(hours(24), PRICES, duration_s=3 * 3600, energy_kwh=30.0, now_ns=T0, unit="EUR")
    assert advice.start_ns == T0 + 2 * HOUR_NS
    assert advice.end_ns == T0 + 5 * HOUR_NS
    assert advice.mean_rate == pytest.approx(0.10)
    assert advice.cost == pytest.approx(3.0)
    assert advice.cost_now == pytest.approx(30.0 * (0.30 + 0.30 + 0.12) / 3)
    assert advice.saving == pytest.approx(advice.cost_now - 3.0)
    assert advice.saving_pct == pytest.approx(100 * advice.saving / advice.cost_now)
    assert advice.unit == "EUR" and advice.kind == "price"


def test_best_start_can_fall_between_rate_changes() -> None:
    # 1.5 h over [0.3, 0.2, 0.05, 0.3]: 01:30-03:00 costs 0.5 * 0.2 + 0.05 = 0.15 rate-hours,
    # less than 02:00-03:30 (0.05 + 0.5 * 0.3 = 0.2): the start is the 03:00 edge minus 1.5 h
    advice = advise(hours(4), [0.3, 0.2, 0.05, 0.3], duration_s=5400, energy_kwh=1.5, now_ns=T0)
    assert advice.start_ns == T0 + 90 * 60 * 1_000_000_000
    assert advice.cost == pytest.approx(0.15)


def test_now_is_already_best() -> None:
    advice = advise(hours(24), PRICES, duration_s=3600, energy_kwh=2.0, now_ns=T0 + 3 * HOUR_NS)
    assert advice.start_ns == advice.now_ns
    assert advice.saving == 0.0


def test_deadline_limits_the_choice() -> None:
    advice = advise(
        hours(24),
        PRICES,
        duration_s=3600,
        energy_kwh=1.0,
        now_ns=T0 + 6 * HOUR_NS,
        latest_end_ns=T0 + 20 * HOUR_NS,
    )
    assert advice.start_ns == T0 + 13 * HOUR_NS


def test_lowest_co2e_window() -> None:
    intensity = np.array([0.45, 0.40, 0.20, 0.18, 0.25, 0.50])  # kg CO2e / kWh
    advice = advise(
        hours(6),
        intensity,
        duration_s=2 * 3600,
        energy_kwh=10.0,
        now_ns=T0,
        kind="co2e",
        unit="kg CO2e",
    )
    assert advice.start_ns == T0 + 2 * HOUR_NS
    assert advice.cost == pytest.approx(10.0 * 0.19)
    assert advice.cost_now == pytest.approx(10.0 * 0.425)
    assert advice.kind == "co2e"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=3, max_size=24),
    st.integers(1, 8),
)
def test_no_start_on_a_fine_grid_is_cheaper(rates: list[float], quarter_hours: int) -> None:
    ts = hours(len(rates))
    duration_s = quarter_hours * 900.0
    end = ts[-1] + HOUR_NS
    if T0 + duration_s * 1e9 > end:
        return
    advice = advise(ts, rates, duration_s=duration_s, energy_kwh=1.0, now_ns=T0)
    step = 60 * 1_000_000_000
    starts = np.arange(T0, end - int(duration_s * 1e9) + 1, step)
    edges = np.append(ts, end)
    grid = np.arange(T0, end, step)
    minute_rates = np.asarray(rates)[np.searchsorted(edges, grid, side="right") - 1]
    width = int(duration_s // 60)
    brute = min(minute_rates[(s - T0) // step : (s - T0) // step + width].mean() for s in starts)
    assert advice.mean_rate <= brute + 1e-9


def test_from_a_forecast_uses_its_points_or_upper_bound() -> None:
    mean = np.array([0.3, 0.1, 0.3, 0.3])
    upper = np.array([0.35, 0.5, 0.32, 0.31])
    metrics = BacktestMetrics(0.5, 10.0, 0.01, 3)
    forecast = Forecast(
        hours(4),
        mean,
        mean - 0.05,
        upper,
        0.9,
        metrics,
        metrics,
        0.9,
        {},
        {},
        (24,),
        HOUR_NS,
        0,
        0.0,
    )
    plain = advise_from_forecast(forecast, duration_s=3600, energy_kwh=1.0, now_ns=T0)
    cautious = advise_from_forecast(
        forecast, duration_s=3600, energy_kwh=1.0, now_ns=T0, cautious=True
    )
    assert plain.start_ns == T0 + HOUR_NS
    assert cautious.start_ns == T0 + 3 * HOUR_NS


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"duration_s": 0.0}, "positive"),
        ({"duration_s": 30 * 3600.0}, "cover"),
        ({"now_ns": T0 - HOUR_NS}, "cover"),
        ({"energy_kwh": -1.0}, "non-negative"),
    ],
)
def test_impossible_requests(kwargs: dict[str, float], message: str) -> None:
    args: dict[str, float] = {"duration_s": 3600.0, "energy_kwh": 1.0, "now_ns": T0, **kwargs}
    with pytest.raises(LoadShiftError, match=message):
        advise(hours(24), PRICES, **args)  # type: ignore[arg-type]


def test_bad_signal() -> None:
    with pytest.raises(LoadShiftError):
        advise(hours(2)[[0, 0]], [0.1, 0.2], duration_s=60, energy_kwh=1, now_ns=T0)
