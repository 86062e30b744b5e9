"""Timeouts with the link's request guard: quality bad with reason "timeout", three -> offline."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from core.model import Quality, Reading
from drivers.base import LinkState
from drivers.modbus import link as link_module
from drivers.modbus.device import ModbusDevice
from drivers.modbus.errors import CommsError
from drivers.modbus.link import LinkSettings, ModbusLink
from tests.drivers.modbus.conftest import RecordingSink, RegisterImage, device_configs, wait_until

POINTS = [{"name": "a", "address": 0}, {"name": "b", "address": 1}]


class _CommParams:
    timeout_connect = 0.0


class _Ctx:
    comm_params = _CommParams()


class HangingClient:
    """A pymodbus client stand-in whose reads never answer and never time out by themselves."""

    connected = True
    ctx = _Ctx()

    def __init__(self) -> None:
        self.reads = 0

    async def read_holding_registers(self, address: int, *, count: int, device_id: int) -> Any:
        self.reads += 1
        await asyncio.Event().wait()

    def close(self) -> None:
        self.connected = False


def hanging_device(monkeypatch: pytest.MonkeyPatch, retries: int) -> tuple[ModbusDevice, Any]:
    """A device whose link talks to a HangingClient; the guard fires right after the timeout."""
    monkeypatch.setattr(link_module, "_RESPONSE_GUARD_S", 0.0)
    config = device_configs(
        [
            {
                "name": "dev",
                "host": "127.0.0.1",
                "port": 1,
                "points": POINTS,
                "timeout": 0.05,
                "retries": retries,
            }
        ]
    )[0]
    link = ModbusLink(LinkSettings.from_config(config))
    client = HangingClient()

    async def connected() -> Any:
        return client

    monkeypatch.setattr(link, "_connected_client", connected)
    return ModbusDevice(config, link), client


def test_a_request_pymodbus_leaves_hanging_ends_as_a_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    device, client = hanging_device(monkeypatch, retries=1)

    async def read() -> None:
        await device.link.read(1, "holding", 0, 2, timeout=0.05, retries=1)

    with pytest.raises(CommsError) as caught:
        asyncio.run(read())
    assert caught.value.reason == "timeout"
    assert "no response within 0.05 s" in caught.value.detail
    assert client.reads == 2 == device.link.requests_sent  # reads are retried
    assert device.link._guard.expired == 2


def test_three_timeouts_in_a_row_mark_the_unit_offline_with_bad_quality(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    device, _ = hanging_device(monkeypatch, retries=0)

    async def three_polls() -> list[list[Reading]]:
        return [list(await device.poll_once()) for _ in range(3)]

    first, second, third = asyncio.run(three_polls())
    assert [(r.tag, r.value, r.quality) for r in first] == [
        ("dev/a", None, Quality.BAD_COMMS_LOST),
        ("dev/b", None, Quality.BAD_COMMS_LOST),
    ]
    assert second == third == []  # one BAD reading when it starts failing, not one per poll
    assert device.status.errors_by_reason == {"timeout": 3}
    assert device.consecutive_failures == 3
    assert device.status.state is LinkState.OFFLINE
    assert "no response within 0.05 s" in device.status.last_error


def test_a_hung_peer_times_out_per_poll_and_the_unit_recovers(
    start_server: Any, make_driver: Any, sink: RecordingSink
) -> None:
    """Against a real pymodbus server that answers too late (the connection stays open)."""
    server = start_server({1: RegisterImage(holding={0: 1, 1: 2})})
    table = {"name": "dev", "host": "127.0.0.1", "port": server.port, "points": POINTS}
    driver = make_driver([{**table, "timeout": 0.2, "retries": 0}])
    assert [r.quality for r in driver.poll_now("dev")] == [Quality.GOOD, Quality.GOOD]

    server.faults.delay_s = 1.0
    polls = [driver.poll_now("dev") for _ in range(3)]
    assert [r.quality for r in polls[0]] == [Quality.BAD_COMMS_LOST] * 2
    status = driver.device_status()["dev"]
    assert status.state is LinkState.OFFLINE
    assert status.errors_by_reason["timeout"] == 3
    assert "no response within 0.2 s" in status.last_error

    server.faults.delay_s = 0.0  # late answers still in flight are refused, then it is back
    wait_until(
        lambda: driver.poll_now("dev")[0].quality is Quality.GOOD, what="good readings again"
    )
    assert driver.device_status()["dev"].state is LinkState.ONLINE
