"""The headless collector: historian + ingest pipeline + drivers (+ subscribers), start to stop.

``core`` never imports the drivers: the entry point hands a factory that builds them from the
plant config (see ``main.py``). The HMI runs the same :class:`Collector` in-process.
"""

from __future__ import annotations

import gc
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from core.alarms.commands import alarm_handlers
from core.alarms.config import parse_alarm_sections
from core.alarms.permissions import PermissionChecker
from core.alarms.system import AlarmSystem, build_alarm_system
from core.analytics.live import AnomalyService, parse_anomaly_sections
from core.commands import CommandQueue, Handler, run_pending
from core.config import PlantConfig
from core.counters import Counters
from core.ingest import IngestPipeline, Subscriber
from core.model import SampleBatch, now_ns
from core.security.service import SecurityServices
from core.store.historian import Historian
from core.store.retention import apply_retention

log = logging.getLogger(__name__)


class DriverStatusLike(Protocol):
    """What the collector reads of a driver's status."""

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly snapshot."""


class DriverLike(Protocol):
    """The part of ``drivers.base.Driver`` the collector uses."""

    name: str
    status: DriverStatusLike

    def start(self, sink: Any) -> None:
        """Connect in the background, deliver readings to ``sink``."""

    def stop(self) -> None:
        """Disconnect."""


DriverFactory = Callable[[PlantConfig], Sequence[DriverLike]]


class Collector:
    """Runs one plant without a GUI; ``start`` returns once everything is up."""

    def __init__(
        self,
        config: PlantConfig,
        driver_factory: DriverFactory | None = None,
        *,
        name: str | None = None,
        permissions: PermissionChecker | None = None,
    ) -> None:
        self.config = config
        alarm_config = parse_alarm_sections(
            config.alarms, config.notifications, config.maintenance, config.source
        )
        anomaly_rules = parse_anomaly_sections(config.anomaly, config.source)
        self.name = name or f"collector@{socket.gethostname()}:{os.getpid()}"
        self.counters = Counters()
        self.historian = Historian.open(config, self.counters)
        self.pipeline = IngestPipeline(
            self.historian.registry,
            self.historian.writer,
            self.counters,
            queue_batches=config.ingest.queue_batches,
            future_tolerance_s=config.ingest.future_tolerance_s,
        )
        self.pipeline.live.seed(self.historian.latest_values())
        self.security = SecurityServices.open(config, self.historian.engine)
        self.alarms: AlarmSystem = build_alarm_system(
            alarm_config,
            self.historian.engine,
            self.historian.registry.resolve,
            permissions or self.security.alarm_permissions(),
        )
        self.pipeline.subscribe(self._evaluate_alarms)
        self.anomalies = AnomalyService(
            anomaly_rules,
            self.historian.registry,
            self.historian.engine,
            self.pipeline.emit,
            counters=self.counters,
        )
        self.pipeline.subscribe(self.anomalies.on_batch)
        self.commands = CommandQueue(self.historian.engine)
        self.handlers: dict[str, Handler] = alarm_handlers(self.alarms.engine)
        self._known_tags = 0
        self._factory = driver_factory
        self.drivers: list[DriverLike] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started_ns = 0

    def subscribe(self, callback: Subscriber) -> None:
        """Add a consumer of live batches (alarm engine, analytics, HMI bridge)."""
        self.pipeline.subscribe(callback)

    def start(self) -> None:
        """Start writer, pipeline, drivers and the housekeeping threads."""
        self._started_ns = now_ns()
        self.security.close_interrupted_writes()
        self.historian.start()
        self.alarms.start()
        self.anomalies.start()
        self.pipeline.start()
        self.drivers = list(self._factory(self.config)) if self._factory else []
        for driver in self.drivers:
            log.info("starting driver %s", driver.name)
            driver.start(self.pipeline)
        self._publish_status()
        self._spawn("status", self._status_loop)
        self._spawn("retention", self._retention_loop)
        self._spawn("alarm-tick", self._tick_loop)
        log.info("collector %s running with %d driver(s)", self.name, len(self.drivers))

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        """Stop drivers first, then drain the pipeline and the writer; publish a final status."""
        self._stop.set()
        for driver in self.drivers:
            try:
                driver.stop()
            except Exception:
                log.exception("driver %s did not stop cleanly", driver.name)
        self.anomalies.stop()
        self.pipeline.stop()
        for thread in self._threads:
            thread.join(5)
        self.alarms.stop()
        self.historian.writer.stop()
        self._publish_status()
        self.historian.close()
        log.info("collector %s stopped", self.name)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until :meth:`stop` is requested (or ``timeout``); True when stopping."""
        return self._stop.wait(timeout)

    def request_stop(self) -> None:
        """Ask :meth:`wait` to return (signal handlers call this)."""
        self._stop.set()

    # -- alarms and operator commands -----------------------------------------------------------
    def _evaluate_alarms(self, batch: SampleBatch) -> None:
        if len(self.historian.registry) != self._known_tags:
            self._known_tags = len(self.historian.registry)
            self.alarms.engine.rebind()
        self.alarms.engine.evaluate(batch, now_ns())

    def _tick_loop(self) -> None:
        while not self._stop.wait(0.5):
            try:
                self.alarms.engine.tick(now_ns())
                run_pending(self.commands, self.handlers)
            except Exception:
                log.exception("alarm tick / operator commands failed; continuing")

    # -- housekeeping ---------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """Counters, spool, store and driver health."""
        writer = self.historian.writer
        return {
            "name": self.name,
            "pid": os.getpid(),
            "started_ns": self._started_ns,
            "counters": self.counters.snapshot(),
            "store": {
                "url": self.historian.url.render_as_string(hide_password=True),
                "online": writer.db_online,
                "last_error": writer.last_error,
            },
            "spool": self.historian.spool.stats(),
            "drivers": [d.status.as_dict() for d in self.drivers],
            "tags": len(self.historian.registry),
            "stopped": self._stop.is_set(),
            "anomaly": self.anomalies.status(),
            "alarms": {
                "active": len(self.alarms.engine.alarms()),
                "unacknowledged": len(self.alarms.engine.needs_ack()),
                "journal_pending": self.alarms.journal.pending,
            },
        }

    def _publish_status(self) -> None:
        try:
            self.historian.save_status(self.name, self.status())
        except Exception as exc:
            log.debug("status not published (store unavailable): %s", exc)

    def _status_loop(self) -> None:
        while not self._stop.wait(self.config.ingest.status_interval_s):
            self._publish_status()

    def _retention_loop(self) -> None:
        while not self._stop.wait(self.config.store.retention_interval_s):
            try:
                apply_retention(
                    self.historian.engine,
                    list(self.historian.registry),
                    self.config.store.retention,
                    now_ns(),
                )
            except Exception:
                log.exception("retention run failed; will retry")


def freeze_startup_heap() -> int:
    """Start-up is over: collect once, then keep everything alive out of later collections.

    For both start paths (headless collector after :meth:`Collector.start`, console once its
    window is up). A full (generation 2) collection walks every tracked object; after start-up
    those are the modules, the plant config and the tag registry, walked again by each full
    collection (85-180 ms CPU each for the headless collector, several hundred ms in the console,
    with the interpreter lock held). ``gc.freeze`` moves them to the permanent generation:
    reference counting still frees them, later collections walk only what was allocated since.
    Cycles among frozen objects are no longer collected. Returns the number of frozen objects.
    """
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.debug(
        "start-up heap frozen: %d objects (%.0f ms)", frozen, (time.perf_counter() - started) * 1000
    )
    return frozen
