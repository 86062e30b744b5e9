"""The plant's own Modbus driver polls every point of every simulated device with good quality."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from core.model import Quality, Reading
from drivers.base import TagDeclaration
from drivers.loop import FieldLoop
from drivers.modbus.config import parse_modbus_sections
from drivers.modbus.driver import ModbusDriver
from drivers.simulator.config import SimulationConfig
from drivers.simulator.runner import DEFAULT_CONFIG, run_simulation
from tests.conftest import free_port


class LatestSink:
    """Keeps the last reading per tag."""

    def __init__(self) -> None:
        self.latest: dict[str, Reading] = {}
        self._lock = threading.Lock()

    def emit(self, readings: Sequence[Reading], *, source: str, on_durable: Any = None) -> bool:
        with self._lock:
            self.latest.update({r.tag: r for r in readings})
        return True

    def reject(self, record: Any) -> None:
        raise AssertionError(f"unexpected quarantine: {record}")

    def declare(self, tags: Sequence[TagDeclaration]) -> None:
        """Declarations are not checked here."""

    def snapshot(self) -> dict[str, Reading]:
        with self._lock:
            return dict(self.latest)


@pytest.fixture
def modbus_plant() -> Iterator[SimulationConfig]:
    shipped = SimulationConfig.load(DEFAULT_CONFIG)
    config = shipped.model_copy(
        update={
            "modbus": [d.model_copy(update={"port": free_port()}) for d in shipped.modbus],
            "opcua": shipped.opcua.model_copy(update={"enabled": False}),
            "mqtt": shipped.mqtt.model_copy(update={"enabled": False}),
        }
    )
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=run_simulation, args=(config, stop), kwargs={"ready": ready})
    thread.start()
    try:
        assert ready.wait(30)
        yield config
    finally:
        stop.set()
        thread.join(30)


def test_every_point_of_every_device_reads_good(modbus_plant: SimulationConfig) -> None:
    tables = [
        {
            "name": d.name,
            "host": d.host,
            "port": d.port,
            "unit": d.unit,
            "profile": d.profile,
            "poll_interval": 0.5,
        }
        for d in modbus_plant.modbus
    ]
    configs = parse_modbus_sections(tables, ".", "sim-test.toml")
    expected = {f"{c.name}/{p.name}" for c in configs for p in c.device_profile.points}
    loop, sink = FieldLoop("sim-test-loop"), LatestSink()
    loop.start()
    driver = ModbusDriver(configs, loop)
    driver.start(sink)
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and set(sink.snapshot()) < expected:
            time.sleep(0.1)
        latest = sink.snapshot()
    finally:
        driver.stop()
        loop.stop()
    assert expected <= set(latest)
    assert {tag for tag in expected if latest[tag].quality != Quality.GOOD} == set()
    assert 220 <= float(latest["meter1/voltage_l1"].value) <= 240
    assert latest["drive1/running"].value is True
