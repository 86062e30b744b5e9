"""Simulated Modbus devices, read and written by a real pymodbus client through the profiles."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pymodbus.client import AsyncModbusTcpClient

from drivers.modbus.codec import decode, encode
from drivers.modbus.points import Point
from drivers.modbus.profile import Profile, load_profile
from drivers.simulator.faults import Fault, FaultKind
from drivers.simulator.modbus_devices import ModbusDeviceServer
from drivers.simulator.modbus_sources import source_for
from tests.conftest import free_port, port_open

T0 = 1_699_876_800.0  # a Monday, noon UTC: machines busy


class FakeClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


async def start_device(
    profile_name: str, clock: FakeClock, faults: tuple[Fault, ...] = ()
) -> tuple[ModbusDeviceServer, AsyncModbusTcpClient]:
    profile = load_profile(profile_name)
    source, presets = source_for("dev", profile, seed=11, faults=faults, t0=T0)
    server = ModbusDeviceServer(
        "dev", profile, source, port=free_port(), update_interval_s=3600, clock=clock
    )
    for name, value in presets.items():
        server.set_written(name, value)
    await server.start()
    client = AsyncModbusTcpClient("127.0.0.1", port=server.port, timeout=3, retries=0)
    assert await client.connect()
    return server, client


@pytest.fixture
async def clock() -> AsyncIterator[FakeClock]:
    yield FakeClock()


async def read_point(client: AsyncModbusTcpClient, point: Point) -> float | int | bool:
    read = {
        "input": client.read_input_registers,
        "holding": client.read_holding_registers,
        "coil": client.read_coils,
        "discrete": client.read_discrete_inputs,
    }[point.register_type]
    response = await read(point.address, count=point.count, device_id=1)
    assert not response.isError(), f"{point.name}: {response}"
    values = response.bits if point.register_type in ("coil", "discrete") else response.registers
    return decode(point, values)


async def read_all(client: AsyncModbusTcpClient, profile: Profile) -> dict[str, float | int | bool]:
    return {p.name: await read_point(client, p) for p in profile.points}


PLAUSIBLE = {
    "sdm630": {
        "voltage_l1": (220, 240),
        "voltage_l1_l2": (380, 415),
        "current_l2": (0, 40),
        "total_power": (0, 30_000),
        "power_factor_l3": (0.3, 1.0),
        "frequency": (49.9, 50.1),
        "import_kwh": (1_000, 100_000),
        "demand_period": (60, 60),
        "system_type": (3, 3),
    },
    "sdm120": {
        "voltage": (220, 240),
        "current": (0, 15),
        "frequency": (49.9, 50.1),
        "total_kwh": (1_000, 100_000),
    },
    "generic_vfd": {
        "output_frequency": (44.5, 45.5),
        "motor_speed": (1250, 1340),
        "output_current": (5, 30),
        "dc_bus_voltage": (540, 580),
        "running": (True, True),
        "ready": (True, True),
        "remote_mode": (True, True),
    },
    "generic_temp_controller": {
        "pv": (110, 125),
        "setpoint": (120, 120),
        "output_percent": (0, 100),
        "run": (True, True),
    },
}


@pytest.mark.parametrize("profile_name", sorted(PLAUSIBLE))
async def test_every_shipped_profile_reads_plausible_values(
    profile_name: str, clock: FakeClock
) -> None:
    server, client = await start_device(profile_name, clock)
    try:
        values = await read_all(client, server.profile)
        for name, (low, high) in PLAUSIBLE[profile_name].items():
            assert low <= values[name] <= high, f"{name} = {values[name]}"
    finally:
        client.close()
        await server.stop()


async def test_meter_values_move_and_energy_only_grows(clock: FakeClock) -> None:
    server, client = await start_device("sdm630", clock)
    profile = server.profile
    try:
        samples = []
        for _ in range(6):
            clock.now += 60.0
            await server.update()
            samples.append(await read_all(client, profile))
        energy = [s["import_kwh"] for s in samples]
        assert energy == sorted(energy) and energy[-1] > energy[0]
        assert len({s["voltage_l1"] for s in samples}) > 1
        power = samples[-1]
        assert power["total_power"] == pytest.approx(
            power["power_l1"] + power["power_l2"] + power["power_l3"], rel=1e-4
        )
    finally:
        client.close()
        await server.stop()


async def test_drive_follows_a_written_setpoint_and_refuses_bad_writes(clock: FakeClock) -> None:
    server, client = await start_device("generic_vfd", clock)
    profile = server.profile
    setpoint, output = profile.point("frequency_setpoint"), profile.point("output_frequency")
    try:
        response = await client.write_register(
            setpoint.address, encode(setpoint, 30.0)[0], device_id=1
        )
        assert not response.isError()
        assert await read_point(client, setpoint) == pytest.approx(30.0)
        for _ in range(10):
            clock.now += 1.0
            await server.update()
        assert await read_point(client, output) == pytest.approx(30.0, abs=0.2)
        out_of_range = await client.write_register(
            setpoint.address, 9000, device_id=1
        )  # 90 Hz > max 60
        read_only = await client.write_registers(5, [1], device_id=1)  # holding 5 is no point
        assert out_of_range.isError() and out_of_range.exception_code == 3
        assert read_only.isError() and read_only.exception_code == 2
        assert server.writes_received == 1 and server.writes_refused >= 1
        stop = profile.point("run_command")
        assert not (await client.write_register(stop.address, 0, device_id=1)).isError()
        for _ in range(15):
            clock.now += 1.0
            await server.update()
        assert await read_point(client, output) == 0.0
        assert await read_point(client, profile.point("running")) is False
    finally:
        client.close()
        await server.stop()


async def test_controller_bit_write_keeps_the_status_bits(clock: FakeClock) -> None:
    server, client = await start_device("generic_temp_controller", clock)
    profile = server.profile
    autotune = profile.point("autotune_enable")
    try:
        status = (
            await client.read_holding_registers(autotune.address, count=1, device_id=1)
        ).registers[0]
        written = encode(autotune, True, status)
        assert not (
            await client.write_register(autotune.address, written[0], device_id=1)
        ).isError()
        await server.update()
        assert await read_point(client, autotune) is True
        assert server.written["autotune_enable"] is True
        pv = profile.point("pv")
        refused = await client.write_register(pv.address, 500, device_id=1)
        assert refused.isError() and refused.exception_code == 2
        assert server.writes_refused == 1
    finally:
        client.close()
        await server.stop()


async def test_comms_loss_takes_the_device_off_the_network_and_back(clock: FakeClock) -> None:
    fault = Fault("dev", FaultKind.COMMS_LOSS, start_s=100, duration_s=50)
    server, client = await start_device("sdm120", clock, (fault,))
    try:
        clock.now = T0 + 120
        await server._follow_availability()
        assert not server.online and not port_open("127.0.0.1", server.port)
        clock.now = T0 + 151
        await server._follow_availability()
        assert server.online
        fresh = AsyncModbusTcpClient("127.0.0.1", port=server.port, timeout=3, retries=0)
        assert await fresh.connect()
        assert 220 <= await read_point(fresh, server.profile.point("voltage")) <= 240
        fresh.close()
    finally:
        client.close()
        await server.stop()
