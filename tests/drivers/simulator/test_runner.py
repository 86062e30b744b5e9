"""run_simulation and simulate_main: the whole plant starts, answers, and stops cleanly."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from asyncua import Client
from paho.mqtt.enums import CallbackAPIVersion
from pymodbus.client import ModbusTcpClient

from drivers.modbus.codec import decode
from drivers.modbus.profile import load_profile
from drivers.simulator.config import SimulationConfig
from drivers.simulator.embedded_broker import broker_answers
from drivers.simulator.runner import (
    DEFAULT_CONFIG,
    SimulationSummary,
    run_simulation,
    simulate_main,
)
from tests.conftest import free_port, port_open


def small_plant() -> SimulationConfig:
    """The shipped plant on free ports, publishing fast."""
    shipped = SimulationConfig.load(DEFAULT_CONFIG)
    return shipped.model_copy(
        update={
            "modbus": [d.model_copy(update={"port": free_port()}) for d in shipped.modbus],
            "opcua": shipped.opcua.model_copy(update={"port": free_port()}),
            "mqtt": shipped.mqtt.model_copy(update={"port": free_port(), "interval_s": 0.5}),
        }
    )


def first_mqtt_message(port: int, timeout: float = 10.0) -> str | None:
    received: list[str] = []
    arrived = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="runner-test")
    client.on_connect = lambda c, *_a: c.subscribe("og/#")
    client.on_message = lambda _c, _u, m: (received.append(m.topic), arrived.set())
    client.connect("127.0.0.1", port)
    client.loop_start()
    arrived.wait(timeout)
    client.disconnect()
    client.loop_stop()
    return received[0] if received else None


async def boiler_temperature(endpoint: str) -> float:
    async with Client(endpoint, timeout=10) as client:
        return float(await client.get_node("ns=2;s=Boiler.Temperature").read_value())


def test_run_simulation_serves_all_three_protocols_and_stops_cleanly() -> None:
    config = small_plant()
    stop, ready = threading.Event(), threading.Event()
    summary = SimulationSummary()
    thread = threading.Thread(
        target=run_simulation, args=(config, stop), kwargs={"ready": ready, "summary": summary}
    )
    thread.start()
    try:
        assert ready.wait(60), "the plant did not come up"
        meter = config.modbus[0]
        with ModbusTcpClient("127.0.0.1", port=meter.port, timeout=3) as client:
            voltage = load_profile("sdm630").point("voltage_l1")
            response = client.read_input_registers(voltage.address, count=2, device_id=meter.unit)
            assert 220 <= decode(voltage, response.registers) <= 240
        endpoint = f"opc.tcp://127.0.0.1:{config.opcua.port}"
        assert 20 < asyncio.run(boiler_temperature(endpoint)) < 95
        assert (first_mqtt_message(config.mqtt.port) or "").startswith("og/field/site")
        assert summary.broker in ("mosquitto", "amqtt")
    finally:
        stopping = time.monotonic()
        stop.set()
        thread.join(30)
    assert not thread.is_alive()
    assert time.monotonic() - stopping < 15
    assert not port_open("127.0.0.1", config.modbus[0].port)
    assert not port_open("127.0.0.1", config.opcua.port)
    assert not broker_answers("127.0.0.1", config.mqtt.port)


def write_config(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "sim.toml"
    path.write_text(
        "seed = 5\n"
        f'[[modbus]]\nname = "m"\nprofile = "sdm120"\nport = {port}\n'
        "[opcua]\nenabled = false\n[mqtt]\nenabled = false\n",
        encoding="utf-8",
    )
    return path


def test_simulate_main_runs_for_the_given_duration(tmp_path: Path) -> None:
    started = time.monotonic()
    assert (
        simulate_main(
            [
                "--config",
                str(write_config(tmp_path, free_port())),
                "--duration",
                "0.5",
                "--seed",
                "3",
            ]
        )
        == 0
    )
    assert time.monotonic() - started < 15


def test_simulate_main_reports_a_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = int(holder.getsockname()[1])
        assert (
            simulate_main(["--config", str(write_config(tmp_path, port)), "--duration", "5"]) == 1
        )


@pytest.mark.parametrize("content", ["seed = -1\n", "not toml [\n", "[mqtt]\nqos = 5\n"])
def test_simulate_main_refuses_a_bad_config(tmp_path: Path, content: str) -> None:
    path = tmp_path / "sim.toml"
    path.write_text(content, encoding="utf-8")
    assert simulate_main(["--config", str(path)]) == 2


def test_simulate_main_refuses_a_missing_config(tmp_path: Path) -> None:
    assert simulate_main(["--config", str(tmp_path / "absent.toml")]) == 2
