"""Sub-metering in the simulator: a meter measures its own load plus what feeds from it."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from drivers.simulator.config import SimulationConfig
from drivers.simulator.feeds import merge_feeds, read_feeds_from
from drivers.simulator.meter_model import MeterModel
from drivers.simulator.supply import Supply, register_families
from drivers.simulator.tasmota_family import TasmotaFamily

T0 = 1_772_870_400.0  # 2026-03-07 08:00 UTC
PLANT = """
[energy]
  [energy.feeds_from]
  meter2 = "meter1"
  plug1 = "meter1"
  [[energy.meters]]
  device = "plug2"
  counter_tags = ["plug2/ENERGY.Total"]
  feeds_from = "meter1"
"""


class Constant:
    """A load of fixed complex power per phase."""

    def __init__(self, *phases: complex) -> None:
        self.phases = list(phases)

    def phase_loads(self, t: float) -> list[complex]:
        return self.phases


def test_single_phase_children_are_spread_and_three_phase_ones_add_per_phase() -> None:
    supply = Supply({"a": "main", "b": "main", "c": "main", "d": "main", "x": "other"})
    supply.register("a", Constant(100 + 10j))
    supply.register("b", Constant(200j))
    supply.register("c", Constant(1, 2, 3))
    supply.register("d", Constant(50))
    assert supply.downstream("main", 0.0, 3) == [101 + 10j, 2 + 200j, 53]  # a L1, b L2, d L3
    assert supply.downstream("main", 0.0, 1) == [156 + 210j]
    supply.register("main", Constant(0, 0, 0), meter=True)
    assert supply.check() == ["x feeds from other, which is no simulated energy meter"]


def test_the_plant_file_is_read_and_contradictions_and_cycles_are_refused(tmp_path: Path) -> None:
    plant = tmp_path / "plant.toml"
    plant.write_text(PLANT, encoding="utf-8")
    table = read_feeds_from(plant)
    assert table == {"meter2": "meter1", "plug1": "meter1", "plug2": "meter1"}
    assert merge_feeds(table, {"plug3": "meter1"}, "plant.toml")["plug3"] == "meter1"
    with pytest.raises(ValueError, match="contradicts"):
        merge_feeds(table, {"plug1": "meter2"}, "plant.toml")
    with pytest.raises(ValueError, match="cycle"):
        Supply({"a": "b", "b": "a"})
    config = SimulationConfig.model_validate(
        {"supply": {"plant": "plant.toml", "feeds_from": {"plug3": "plug1"}}}
    ).resolve_paths(tmp_path)
    assert config.feeds_from()["plug3"] == "plug1" and config.feeds_from()["plug2"] == "meter1"
    (tmp_path / "sim.toml").write_text('[supply]\nplant = "missing.toml"\n', encoding="utf-8")
    with pytest.raises(OSError):
        SimulationConfig.load(tmp_path / "sim.toml")


def test_a_meter_reads_its_own_load_plus_its_children() -> None:
    supply = Supply({"meter2": "meter1", "plug1": "meter1", "plug2": "meter1", "plug3": "meter1"})
    meter1 = MeterModel("meter1", phases=3, seed=3, t0=T0, supply=supply)
    meter2 = MeterModel("meter2", phases=1, seed=3, t0=T0, rated_current_a=12.0, supply=supply)
    own = MeterModel("meter1", phases=3, seed=3, t0=T0)  # the same meter without the supply
    plugs = TasmotaFamily(3, seed=3, faults=(), t0=T0)
    assert register_families(supply, [plugs]) == 3
    for t in (T0, T0 + 10.0, T0 + 20.0):
        q, alone, sub = meter1.quantities(t), own.quantities(t), meter2.quantities(t)
        plug_w = sum(plugs.frame(t).values["Power"])
        expected = alone["total_power"] + sub["total_power"] + plug_w
        assert q["total_power"] == pytest.approx(expected, rel=1e-9)
        assert q["total_power"] > alone["total_power"] + 1.0
        for p in (1, 2, 3):
            s = q[f"apparent_power_l{p}"]
            assert q[f"current_l{p}"] == pytest.approx(s / q[f"voltage_l{p}"])
            assert s == pytest.approx(math.hypot(q[f"power_l{p}"], q[f"reactive_power_l{p}"]))
            assert 0.0 < q[f"power_factor_l{p}"] <= 1.0
        assert q["total_power_factor"] == pytest.approx(
            q["total_power"] / q["total_apparent_power"]
        )
    phases = sum(q[f"import_kwh_l{p}"] for p in (1, 2, 3)) - sum(
        meter1.quantities(T0)[f"import_kwh_l{p}"] for p in (1, 2, 3)
    )
    assert phases == pytest.approx(q["import_kwh"] - meter1.quantities(T0)["import_kwh"], rel=1e-6)
