"""Runs the whole simulated plant: Modbus devices, the OPC-UA boiler and the MQTT devices.

:func:`run_simulation` blocks until its ``stop_event`` is set; :func:`simulate_main` is the
``controldeck simulate`` command line (``--config sim.toml [--seed N] [--mqtt-devices N]
[--interval S] [--duration S]``). The asyncio servers run on a loop thread of the simulator's
own, the MQTT devices on a publisher thread; when no MQTT broker answers on a loopback address
and ``embedded_broker`` is on, one is started for the run.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from drivers.loop import FieldLoop
from drivers.simulator.config import SimulationConfig
from drivers.simulator.embedded_broker import BrokerHandle, ensure_broker
from drivers.simulator.modbus_devices import ModbusDeviceServer
from drivers.simulator.mqtt_devices import MqttDeviceSimulator, PublishStats
from drivers.simulator.opcua_boiler import BoilerServer
from drivers.simulator.plant import (
    build_boiler,
    build_families,
    build_modbus_servers,
    build_supply,
    effective_config,
    publisher_settings,
)
from drivers.simulator.supply import Supply

log = logging.getLogger(__name__)

DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "resources" / "plants" / "sim.toml"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 20.0


@dataclass(slots=True)
class SimulationSummary:
    """What a run did (filled in while it runs, final once :func:`run_simulation` returns)."""

    mqtt: PublishStats = field(default_factory=PublishStats)
    modbus_writes: dict[str, int] = field(default_factory=dict)
    broker: str = "external"


@contextmanager
def _broker(config: SimulationConfig, summary: SimulationSummary) -> Iterator[BrokerHandle | None]:
    mqtt = config.mqtt
    handle = None
    if mqtt.enabled and mqtt.embedded_broker:
        try:
            handle = ensure_broker(mqtt.host, mqtt.port)
        except ValueError as exc:  # not a loopback address: the devices retry until it answers
            log.warning("%s", exc)
    summary.broker = handle.kind if handle is not None else "external"
    try:
        yield handle
    finally:
        if handle is not None:
            handle.stop()


class _Servers:
    """The asyncio servers of a run on the simulator's own loop thread."""

    def __init__(self, config: SimulationConfig, t0: float, supply: Supply) -> None:
        self.modbus = build_modbus_servers(config, t0, supply)
        self.boiler = build_boiler(config, t0)
        self.loop = FieldLoop("simulator-loop")
        self._started: list[ModbusDeviceServer | BoilerServer] = []

    def start(self) -> None:
        self.loop.start()
        servers: list[ModbusDeviceServer | BoilerServer] = list(self.modbus)
        if self.boiler is not None:
            servers.append(self.boiler)
        for server in servers:
            self.loop.run(server.start(), timeout=START_TIMEOUT_S)
            self._started.append(server)

    def stop(self) -> None:
        for server in reversed(self._started):
            try:
                self.loop.run(server.stop(), timeout=STOP_TIMEOUT_S)
            except Exception:  # stop the others whatever one of them does
                log.exception("stopping a simulated server failed")
        self._started.clear()
        self.loop.stop()


def run_simulation(
    config: SimulationConfig,
    stop_event: threading.Event,
    *,
    seed: int | None = None,
    mqtt_devices: int | None = None,
    interval: float | None = None,
    ready: threading.Event | None = None,
    summary: SimulationSummary | None = None,
) -> SimulationSummary:
    """Run the simulated plant until ``stop_event`` is set; returns what it did.

    ``seed``, ``mqtt_devices`` (og-field devices) and ``interval`` (MQTT publish interval, s)
    override the config. ``ready`` is set once every server listens and the publisher runs.
    Raises ``OSError`` when a server cannot listen (a port in use), after stopping the rest,
    or when ``[supply] plant`` cannot be read (``ValueError`` when it is invalid).
    """
    config = effective_config(config, seed=seed, mqtt_devices=mqtt_devices, interval=interval)
    summary = summary if summary is not None else SimulationSummary()
    t0 = time.time()
    supply = build_supply(config)
    servers = _Servers(config, t0, supply)
    publisher = _Publisher(config, t0, summary, supply)
    supply.check()
    with _broker(config, summary):
        try:
            servers.start()
            publisher.start(stop_event)
            log.info("simulated plant running (seed %d)", config.seed)
            if ready is not None:
                ready.set()
            stop_event.wait()
        finally:
            stop_event.set()
            publisher.join()
            summary.modbus_writes = {s.name: s.writes_received for s in servers.modbus}
            servers.stop()
    mqtt = summary.mqtt
    log.info("simulated plant stopped: %d MQTT messages, %d skipped", mqtt.published, mqtt.skipped)
    return summary


class _Publisher:
    """The MQTT devices of a run on a thread of their own (nothing when MQTT is off)."""

    def __init__(
        self, config: SimulationConfig, t0: float, summary: SimulationSummary, supply: Supply
    ) -> None:
        self.simulator: MqttDeviceSimulator | None = None
        self._thread: threading.Thread | None = None
        if config.mqtt.enabled and config.mqtt.devices.total:
            self.simulator = MqttDeviceSimulator(
                build_families(config, t0, supply), publisher_settings(config)
            )
            summary.mqtt = self.simulator.stats

    def start(self, stop_event: threading.Event) -> None:
        if self.simulator is None:
            return
        self._thread = threading.Thread(
            target=self.simulator.run, args=(stop_event,), name="sim-mqtt", daemon=True
        )
        self._thread.start()

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT_S)


def build_parser() -> argparse.ArgumentParser:
    """The ``controldeck simulate`` arguments."""
    parser = argparse.ArgumentParser(
        prog="controldeck simulate", description="Run the simulated plant."
    )
    parser.add_argument(
        "--config", type=Path, default=DEFAULT_CONFIG, help="sim.toml (default: the shipped one)"
    )
    parser.add_argument("--seed", type=int, default=None, help="random seed (overrides the config)")
    parser.add_argument(
        "--mqtt-devices", type=int, default=None, help="og-field MQTT devices (load scenario)"
    )
    parser.add_argument(
        "--interval", type=float, default=None, help="MQTT publish interval, seconds"
    )
    parser.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
    return parser


def simulate_main(argv: list[str]) -> int:
    """``controldeck simulate``: run until Ctrl-C, SIGTERM or ``--duration``; exit code."""
    args = build_parser().parse_args(argv)
    try:
        config = SimulationConfig.load(args.config)
    except (OSError, ValueError) as exc:  # pydantic and TOML errors are ValueErrors
        log.error("cannot use %s: %s", args.config, exc)
        return 2
    stop = threading.Event()
    timer = threading.Timer(args.duration, stop.set) if args.duration else None
    with _signals_stop(stop):
        if timer is not None:
            timer.daemon = True
            timer.start()
        try:
            run_simulation(
                config, stop, seed=args.seed, mqtt_devices=args.mqtt_devices, interval=args.interval
            )
        except OSError as exc:
            log.error("simulation failed: %s", exc)
            return 1
        finally:
            if timer is not None:
                timer.cancel()
    return 0


@contextmanager
def _signals_stop(stop: threading.Event) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
