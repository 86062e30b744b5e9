"""The OPC-UA boiler: a real asyncua client reads, writes the setpoint, and the temperature follows."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from asyncua import Client, ua
from asyncua.ua.uaerrors import BadOutOfRange

from drivers.simulator.boiler_model import BoilerModel, BoilerParams
from drivers.simulator.faults import Fault, FaultKind
from drivers.simulator.opcua_boiler import BoilerServer, BoilerServerConfig
from tests.conftest import free_port, port_open

T0 = 1_700_000_000.0


class FakeClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def boiler() -> AsyncIterator[tuple[BoilerServer, FakeClock]]:
    clock = FakeClock()
    faults = (Fault("boiler", FaultKind.COMMS_LOSS, start_s=5000, duration_s=100),)
    model = BoilerModel(seed=3, params=BoilerParams(tau_s=60.0), faults=faults, t0=T0)
    server = BoilerServer(
        model, BoilerServerConfig(port=free_port(), update_interval_s=3600), clock=clock
    )
    await server.start()
    yield server, clock
    await server.stop()


async def advance(
    server: BoilerServer, clock: FakeClock, seconds: float, step: float = 5.0
) -> None:
    end = clock.now + seconds
    while clock.now < end:
        clock.now += step
        await server.update()


async def test_setpoint_write_drives_the_temperature_and_range_is_enforced(
    boiler: tuple[BoilerServer, FakeClock],
) -> None:
    server, clock = boiler
    async with Client(server.config.endpoint, timeout=10) as client:
        temperature = client.get_node("ns=2;s=Boiler.Temperature")
        setpoint = client.get_node("ns=2;s=Boiler.Setpoint")
        assert await setpoint.read_value() == pytest.approx(60.0)
        assert 50.0 < await temperature.read_value() < 70.0
        for refused in (19.9, 95.1, 500.0):
            with pytest.raises(BadOutOfRange):
                await setpoint.write_value(ua.DataValue(ua.Variant(refused, ua.VariantType.Double)))
        assert await setpoint.read_value() == pytest.approx(60.0)
        await setpoint.write_value(ua.DataValue(ua.Variant(85.0, ua.VariantType.Double)))
        await advance(server, clock, 600)
        assert await temperature.read_value() == pytest.approx(85.0, abs=2.5)
        assert await setpoint.read_value() == pytest.approx(85.0)
        await setpoint.write_value(ua.DataValue(ua.Variant(40.0, ua.VariantType.Double)))
        await advance(server, clock, 1800)
        assert await temperature.read_value() == pytest.approx(40.0, abs=2.5)
        for name in ("Pressure", "FlowRate", "BurnerOn"):
            assert (
                await client.get_node(f"ns=2;s=Boiler.{name}").read_data_value()
            ).StatusCode.is_good()


async def test_comms_loss_closes_and_reopens_the_listener(
    boiler: tuple[BoilerServer, FakeClock],
) -> None:
    server, clock = boiler
    clock.now = T0 + 5050
    await server.update()
    assert not port_open("127.0.0.1", server.config.port)
    clock.now = T0 + 5101
    await server.update()
    assert port_open("127.0.0.1", server.config.port)


@pytest.mark.parametrize(("setpoint", "tau"), [(30.0, 30.0), (60.0, 120.0), (95.0, 300.0)])
def test_model_settles_in_a_band_around_the_setpoint(setpoint: float, tau: float) -> None:
    model = BoilerModel(seed=1, params=BoilerParams(tau_s=tau), t0=T0)
    model.set_setpoint(setpoint)
    readings = [model.step(T0 + k * tau / 10) for k in range(400)]
    settled = [r.temperature_c for r in readings[200:]]
    assert min(settled) > setpoint - 2.0
    assert max(settled) < setpoint + 2.0
    assert any(r.burner_on for r in readings[200:]) and not all(r.burner_on for r in readings[200:])


def test_model_result_does_not_depend_on_the_tick_size() -> None:
    coarse, fine = BoilerModel(seed=1, t0=T0), BoilerModel(seed=1, t0=T0)
    for model in (coarse, fine):
        model.set_setpoint(80.0)
        model.step(T0)
    coarse.step(T0 + 6.0)
    for k in range(1, 61):
        fine.step(T0 + k * 0.1)
    assert coarse.temperature_c == pytest.approx(fine.temperature_c, abs=0.05)


@pytest.mark.parametrize("value", [19.0, 96.0])
def test_model_refuses_setpoints_outside_the_range(value: float) -> None:
    with pytest.raises(ValueError, match="setpoint"):
        BoilerModel(t0=T0).set_setpoint(value)
