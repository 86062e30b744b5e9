"""A plant run by the HMI: the in-process simulator (demo), the collector and the alarm source.

Nothing here touches Qt. :meth:`PlantSession.open` blocks (simulator start-up, database
migrations, driver start) and is called from a worker while the window already shows
"connecting"; :meth:`PlantSession.close` drains and stops everything.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from core.config import DEMO_CONFIG, PlantConfig, load_config, user_data_dir
from core.ingest import Subscriber
from core.runtime import Collector, DriverFactory
from hmi.models.alarm_model import AlarmSource

log = logging.getLogger(__name__)

SIMULATOR_READY_TIMEOUT_S = 30.0
DEMO_DB_NAME = "demo.db"

Progress = Callable[[str], None]


def demo_config(data_dir: Path | None = None) -> PlantConfig:
    """The built-in demo plant with its SQLite store in the user data directory."""
    config = load_config(DEMO_CONFIG)
    directory = data_dir or user_data_dir()
    directory.mkdir(parents=True, exist_ok=True)
    url = "sqlite:///" + str(directory / DEMO_DB_NAME)
    return config.model_copy(update={"store": config.store.model_copy(update={"url": url})})


def simulation_config_for(config: PlantConfig) -> Any:
    """The simulated plant of a config: ``[simulator] config = "sim.toml"``, an inline
    ``[simulator]`` table, or the shipped ``resources/plants/sim.toml``."""
    from drivers.simulator.config import SimulationConfig
    from drivers.simulator.runner import DEFAULT_CONFIG

    section = dict(config.simulator)
    if "config" in section:
        return SimulationConfig.load(config.base_dir / str(section["config"]))
    if section:
        return SimulationConfig.model_validate(section).resolve_paths(config.base_dir)
    return SimulationConfig.load(DEFAULT_CONFIG)


class SimulatorThread:
    """The simulated plant (Modbus, OPC-UA, MQTT devices) on a thread of this process."""

    def __init__(self, sim_config: Any) -> None:
        self.config = sim_config
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def start(self, timeout_s: float = SIMULATOR_READY_TIMEOUT_S) -> bool:
        """Start and wait until every server listens; False (and logged) when it failed."""
        self._thread = threading.Thread(target=self._run, name="simulator", daemon=True)
        self._thread.start()
        waited = 0.0
        while waited < timeout_s and not self._ready.is_set() and self._thread.is_alive():
            self._ready.wait(0.1)
            waited += 0.1
        if not self._ready.is_set():
            log.warning("simulated plant not ready: %s", self.error or "timeout")
        return self._ready.is_set()

    def _run(self) -> None:
        from drivers.simulator.runner import run_simulation

        try:
            run_simulation(self.config, self._stop, ready=self._ready)
        except Exception as exc:  # a port in use: the collector still runs against the ports
            self.error = exc
            log.error("simulated plant failed: %s", exc)

    def stop(self) -> None:
        """Stop the servers and the publisher."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)


class PlantSession:
    """Opens and closes everything a console needs for one plant."""

    def __init__(
        self,
        config: PlantConfig,
        driver_factory: DriverFactory | None,
        *,
        simulate: bool = False,
        sim_config: Any = None,
    ) -> None:
        self.config = config
        self.driver_factory = driver_factory
        self.simulate = simulate
        self._sim_config = sim_config
        self.simulator: SimulatorThread | None = None
        self.collector: Collector | None = None
        self.alarms: AlarmSource | None = None

    def open(
        self, subscribers: Sequence[Subscriber] = (), progress: Progress | None = None
    ) -> None:
        """Start simulator (if asked), collector and alarm source; blocks (call in a worker)."""
        report = progress or (lambda text: log.info("%s", text))
        try:
            if self.simulate:
                report("starting the simulated plant")
                sim_config = self._sim_config or simulation_config_for(self.config)
                self.simulator = SimulatorThread(sim_config)
                self.simulator.start()
            report("opening the historian")
            self.collector = Collector(self.config, self.driver_factory)
            for subscriber in subscribers:
                self.collector.subscribe(subscriber)
            report("loading alarms")
            alarms = AlarmSource.for_collector(self.collector)
            report("connecting to the field")
            self.collector.start()
            alarms.start()
            self.alarms = alarms
        except BaseException:
            self.close()
            raise
        report("running")

    def close(self) -> None:
        """Stop alarms, collector and simulator (in that order); idempotent."""
        if self.alarms is not None:
            self.alarms.stop()
            self.alarms = None
        if self.collector is not None:
            self.collector.stop()
            self.collector = None
        if self.simulator is not None:
            self.simulator.stop()
            self.simulator = None
