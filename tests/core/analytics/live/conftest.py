"""Helpers of the live anomaly tests: plant files, a running Collector with the service wired in
the way the runtime wires it, synthetic signals with live timestamps, and polling."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from core.analytics.live import AnomalyEvent, AnomalyService, parse_anomaly_sections
from core.config import load_config
from core.model import NS_PER_S, Reading
from core.runtime import Collector
from tests.core.plant import write_plant

CHUNK = 50


def wait_for(condition: Callable[[], bool], timeout: float = 20.0, what: str = "") -> None:
    """Poll ``condition`` (background threads at work) until true; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.02)


def plant_file(directory: Path, extra: str = "") -> Path:
    """A SQLite plant file in ``directory``."""
    return write_plant(directory, extra="\n[ingest]\nstatus_interval_s = 5\n" + extra)


@contextmanager
def running(
    plant: Path, rules: Sequence[dict[str, Any]], **service_kwargs: Any
) -> Iterator[tuple[Collector, AnomalyService]]:
    """A started Collector with an :class:`AnomalyService` subscribed to its pipeline."""
    config = load_config(plant)
    collector = Collector(config)
    service = AnomalyService(
        parse_anomaly_sections(list(rules), str(plant)),
        collector.historian.registry,
        collector.historian.engine,
        collector.pipeline.emit,
        counters=collector.counters,
        **service_kwargs,
    )
    collector.pipeline.subscribe(service.on_batch)
    collector.start()
    service.start()
    try:
        yield collector, service
    finally:
        service.stop()
        collector.stop()


def feed(collector: Collector, tag: str, ts: np.ndarray, values: np.ndarray) -> None:
    """Emit samples through the pipeline in chunks of :data:`CHUNK`, as a driver would."""
    for i in range(0, len(ts), CHUNK):
        readings = [
            Reading(tag, float(v), int(t))
            for t, v in zip(ts[i : i + CHUNK], values[i : i + CHUNK], strict=True)
        ]
        wait_for(lambda r=readings: collector.pipeline.emit(r, source="test"), what="queue room")


def seconds(start_ns: int, n: int) -> np.ndarray:
    """``n`` timestamps one second apart from ``start_ns``."""
    return start_ns + np.arange(n, dtype=np.int64) * NS_PER_S


def noise(n: int, seed: int, level: float = 100.0) -> np.ndarray:
    """Gaussian noise around ``level`` (sigma 1)."""
    return level + np.random.default_rng(seed).normal(0.0, 1.0, n)


def stored(collector: Collector, tag: str, start_ns: int) -> int:
    """How many samples of ``tag`` from ``start_ns`` on are in the store (0 for an unknown tag)."""
    if collector.historian.registry.get(tag) is None:
        return 0
    return len(collector.historian.raw(tag, start_ns, 2**62))


def make_event(tag: str, start_s: int, end_s: int | None, peak: float = 0.7) -> AnomalyEvent:
    """A stored-looking event of ``tag`` (times in seconds)."""
    return AnomalyEvent(
        tag=tag,
        detector="ensemble",
        start_ns=start_s * NS_PER_S,
        end_ns=None if end_s is None else end_s * NS_PER_S,
        peak_score=peak,
        peak_ns=start_s * NS_PER_S,
        peak_value=12.5,
        baseline_median=10.0,
        baseline_sigma=0.5,
        close_reason="" if end_s is None else "recovered",
        updated_ns=start_s * NS_PER_S,
    )
