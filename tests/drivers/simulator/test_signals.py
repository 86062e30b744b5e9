"""Signals: deterministic for a seed, pure in time, realistic shapes, and the injected faults."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.simulator.faults import Fault, FaultKind
from drivers.simulator.signals import (
    Channel,
    EnergyCounter,
    Fleet,
    JumpChain,
    daily_shape,
    load_shape,
    weekly_factor,
)

T0 = 1_700_000_000.0  # Tuesday 2023-11-14 22:13 UTC
MONDAY_NOON = 1_699_876_800.0  # 2023-11-13 12:00 UTC
CHANNELS = (
    Channel("vibration", 0.3, 2.5, noise=0.05, minimum=0.0, wear_gain=3.0),
    Channel("temperature", 22.0, 40.0, noise=0.2, spread=1.0),
)


def fleet(seed: int = 7, faults: tuple[Fault, ...] = (), size: int = 20) -> Fleet:
    return Fleet("test", [f"d{i}" for i in range(size)], CHANNELS, seed, faults=faults, t0=T0)


def test_same_seed_same_values_different_seed_different_values() -> None:
    times = [T0 + k * 37.0 for k in range(50)]
    first = [fleet(7).values(t, "temperature") for t in times]
    again = [fleet(7).values(t, "temperature") for t in times]
    other = [fleet(8).values(t, "temperature") for t in times]
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other, strict=True))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=7 * 86_400), min_size=2, max_size=8))
def test_values_do_not_depend_on_the_order_of_sampling(offsets: list[float]) -> None:
    forward, backward = fleet(3), fleet(3)
    ahead = {o: forward.values(T0 + o, "vibration") for o in sorted(offsets)}
    behind = {o: backward.values(T0 + o, "vibration") for o in sorted(offsets, reverse=True)}
    for offset in offsets:
        assert np.array_equal(ahead[offset], behind[offset])


@pytest.mark.parametrize(("quiet_hour", "busy_hour"), [(3, 9), (2, 15), (23, 10)])
def test_daily_shape_is_busier_in_working_hours(quiet_hour: int, busy_hour: int) -> None:
    day = MONDAY_NOON - 12 * 3600
    assert daily_shape(day + busy_hour * 3600) > daily_shape(day + quiet_hour * 3600) + 0.3


@pytest.mark.parametrize(("weekday", "factor"), [(0, 1.0), (4, 0.95), (5, 0.55), (6, 0.35)])
def test_weekly_factor_by_weekday(weekday: int, factor: float) -> None:
    assert weekly_factor(MONDAY_NOON + weekday * 86_400) == pytest.approx(factor)


def test_load_shape_honours_the_utc_offset() -> None:
    assert load_shape(MONDAY_NOON - 9 * 3600, utc_offset_s=9 * 3600) == pytest.approx(
        load_shape(MONDAY_NOON)
    )


def test_jump_chain_keeps_its_stationary_shares_and_changes_state() -> None:
    chain = JumpChain(seed=5, stream=1, size=20_000, stationary=(0.85, 0.12, 0.03))
    now = chain.states(T0)
    shares = np.bincount(now, minlength=3) / now.size
    assert shares == pytest.approx([0.85, 0.12, 0.03], abs=0.015)
    later = chain.states(T0 + 3600)
    assert 0.05 < float(np.mean(now != later)) < 0.5  # states persist, but they do move


def test_machines_run_and_stop() -> None:
    states = np.array([fleet(size=200).running(T0 + k * 600.0) for k in range(48)])
    assert 0.2 < states.mean() < 0.98
    assert (states.any(axis=0) & ~states.all(axis=0)).any()  # some machine both ran and stopped


def test_bearing_wear_raises_vibration_slowly() -> None:
    wear = Fault("d0", FaultKind.BEARING_WEAR, start_s=100, duration_s=3600)
    worn, healthy = fleet(faults=(wear,)), fleet()
    ratio = [
        worn.values(T0 + s, "vibration")[0] / max(healthy.values(T0 + s, "vibration")[0], 1e-9)
        for s in (50, 1000, 2000, 3000, 3690)
    ]
    assert ratio[0] == pytest.approx(1.0)
    assert ratio == sorted(ratio)
    assert ratio[-1] > 3.5
    assert np.array_equal(
        worn.values(T0 + 2000, "vibration")[1:], healthy.values(T0 + 2000, "vibration")[1:]
    )


def test_stuck_sensor_is_flat_inside_its_window_only() -> None:
    stuck = Fault("d2", FaultKind.STUCK_SENSOR, start_s=60, duration_s=600, channel="temperature")
    plant = fleet(faults=(stuck,))
    inside = {float(plant.values(T0 + s, "temperature")[2]) for s in range(60, 660, 7)}
    after = {float(plant.values(T0 + s, "temperature")[2]) for s in range(700, 900, 7)}
    assert len(inside) == 1
    assert len(after) > 10
    assert len({float(plant.values(T0 + s, "vibration")[2]) for s in range(60, 660, 7)}) > 10


def test_spikes_appear_only_during_the_fault() -> None:
    spikes = Fault("d1", FaultKind.SPIKES, start_s=0, duration_s=600, channel="temperature")
    plant, clean = fleet(faults=(spikes,)), fleet()
    jumps = [
        abs(plant.values(T0 + s, "temperature")[1] - clean.values(T0 + s, "temperature")[1])
        for s in range(0, 1200)
    ]
    inside, outside = jumps[:600], jumps[600:]
    assert 20 <= sum(j > 30 for j in inside) <= 110  # ~10 % of the steps, 4 spans high
    assert max(outside) == 0.0


def test_drift_grows_linearly() -> None:
    drift = Fault(
        "d3", FaultKind.DRIFT, start_s=0, duration_s=1000, channel="temperature", magnitude=2.0
    )
    plant, clean = fleet(faults=(drift,)), fleet()
    offsets = [
        plant.values(T0 + s, "temperature")[3] - clean.values(T0 + s, "temperature")[3]
        for s in (0, 500, 999)
    ]
    assert offsets == pytest.approx([0.0, 18.0, 35.96], abs=0.05)  # span 18 x magnitude 2


@pytest.mark.parametrize(
    ("kind", "powered", "reachable"),
    [(FaultKind.COMMS_LOSS, True, False), (FaultKind.POWER_OUTAGE, False, False)],
)
def test_availability_faults(kind: FaultKind, powered: bool, reachable: bool) -> None:
    plant = fleet(faults=(Fault("d4", kind, start_s=10, duration_s=20),))
    assert plant.powered(T0 + 15)[4] == powered
    assert plant.reachable(T0 + 15)[4] == reachable
    assert plant.reachable(T0 + 31)[4]
    assert plant.reachable(T0 + 15)[np.arange(20) != 4].all()


def test_power_outage_uses_the_outage_value_and_stops_the_machine() -> None:
    channel = Channel("current", 0.5, 30.0, noise=0.1, outage=0.0)
    plant = Fleet(
        "m", ["m0"], [channel], 1, faults=(Fault("m0", FaultKind.POWER_OUTAGE, 0, 60),), t0=T0
    )
    assert plant.values(T0 + 30, "current")[0] == 0.0
    assert not plant.running(T0 + 30)[0]


def test_energy_counter_only_grows() -> None:
    counter = EnergyCounter(np.array([10.0, 20.0]))
    totals = [
        counter.advance(T0 + s, np.array([1000.0, -50.0])).copy() for s in (0, 3600, 3000, 7200)
    ]
    assert totals[1] == pytest.approx([11.0, 20.0])
    assert totals[2] == pytest.approx(totals[1])  # time going backwards adds nothing
    assert totals[3] == pytest.approx([12.0, 20.0])
