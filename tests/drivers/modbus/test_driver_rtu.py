"""Modbus RTU over a pseudo-terminal pair: two unit ids on one serial line, one shared connection.

The pymodbus serial server opens one end of a joined pty pair (pyserial accepts a pty path like
any tty); the driver opens the other end.
"""

from __future__ import annotations

from typing import Any

from core.model import Quality
from drivers.base import LinkState, WriteOutcome, WriteRequest
from drivers.modbus.profile import load_profile
from tests.drivers.modbus.conftest import PtyPair, RecordingSink, RegisterImage, wait_until


def images() -> dict[int, RegisterImage]:
    vfd, temp = load_profile("generic_vfd"), load_profile("generic_temp_controller")
    drive, controller = RegisterImage(), RegisterImage()
    for image, profile in ((drive, vfd), (controller, temp)):
        for point in profile.points:
            image.put(point, False if point.is_boolean else 0)
    drive.put(vfd.point("frequency_setpoint"), 50.0)
    drive.put(vfd.point("output_frequency"), -12.5)
    drive.put(vfd.point("energy_kwh"), 123456)
    drive.put(vfd.point("running"), True)
    drive.put(vfd.point("at_setpoint"), True)
    controller.put(temp.point("pv"), 21.7)
    controller.put(temp.point("setpoint"), 85.0)
    controller.put(temp.point("sensor_break"), True)
    return {1: drive, 2: controller}


def tables(port: str) -> list[dict[str, Any]]:
    line = {"serial": port, "baudrate": 19200, "parity": "N", "timeout": 0.5, "poll_interval": 0.05}
    return [
        {"name": "drive", "unit": 1, "profile": "generic_vfd", **line},
        {"name": "oven", "unit": 2, "profile": "generic_temp_controller", **line},
    ]


def test_two_units_on_one_rtu_line(
    pty_pair: PtyPair, start_server: Any, make_driver: Any, sink: RecordingSink
) -> None:
    server = start_server(images(), serial=pty_pair.a)
    driver = make_driver(tables(pty_pair.b))
    assert list(driver.links) == [f"serial://{pty_pair.b}"]
    assert driver.links[f"serial://{pty_pair.b}"].settings.frame_gap_s > 0

    drive = {r.tag: r.value for r in driver.poll_now("drive")}
    oven = {r.tag: r.value for r in driver.poll_now("oven")}
    assert (drive["drive/frequency_setpoint"], drive["drive/output_frequency"]) == (50.0, -12.5)
    assert (drive["drive/energy_kwh"], drive["drive/running"], drive["drive/at_setpoint"]) == (
        123456,
        True,
        True,
    )
    assert (oven["oven/pv"], oven["oven/setpoint"], oven["oven/sensor_break"]) == (21.7, 85.0, True)
    assert server.reads(1) == len(driver.devices["drive"].blocks) == 4
    assert server.reads(2) == len(driver.devices["oven"].blocks) == 2

    driver.start(sink)
    wait_until(
        lambda: server.reads(1) >= 20 and server.reads(2) >= 20,
        what="both units polled on one line",
    )
    result = driver.write(WriteRequest("oven/setpoint", 120.5))
    assert (result.outcome, result.read_back) == (WriteOutcome.CONFIRMED, 120.5)
    assert server.registers(2, "holding", 0x1001, 1) == [1205]
    assert server.registers(1, "holding", 0x0002, 1) == [5000]  # the other unit untouched
    assert server.writes(2) == 1 and server.writes(1) == 0
    statuses = driver.device_status()
    assert {s.state for s in statuses.values()} == {LinkState.ONLINE}
    assert all(s.errors == 0 for s in statuses.values())
    assert all(r.quality is Quality.GOOD for r in sink.readings)
