"""Real history for the analytics views, written into the session's running plant.

``machine1/temperature`` is the Numenta Anomaly Benchmark's ``machine_temperature_system_failure``
series (the temperature of an internal component of a large industrial machine, 5-minute
samples, a planned shutdown and a catastrophic failure among its labelled anomalies), shifted so
that it ends five minutes ago. Everything before 2014-02-05 (series time) is imported through
:func:`core.importer.import_csv`; the rest, which holds the failure of 2014-02-09, arrives
through the ingest pipeline as a driver would send it and is scored by a real
:class:`AnomalyService`, so the anomaly events in the store come from the real detectors.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from core.analytics.forecast import read_csv_series
from core.analytics.live import AnomalyEvent, AnomalyService, list_events, parse_anomaly_sections
from core.importer import import_csv
from core.model import NS_PER_S, Reading, now_ns
from hmi.session import PlantSession
from tests.conftest import require

NAB = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "nab" / "data"
MACHINE_CSV = NAB / "realKnownCause" / "machine_temperature_system_failure.csv"
TAG = "machine1/temperature"
LIVE_FROM = np.datetime64("2014-02-05T00:00:00", "ns").astype(np.int64)
"""Where the live part starts, in the series' own time."""
CHUNK = 50


@dataclass(frozen=True)
class MachineHistory:
    """What was written: the tag, the imported and the live part, and the stored events."""

    tag: str
    start_ns: int
    live_from_ns: int
    end_ns: int
    samples: int
    events: list[AnomalyEvent]


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Poll a condition of background threads (fixture set-up only)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def shifted_series() -> tuple[np.ndarray, np.ndarray, int]:
    """The NAB series with its timestamps moved to end five minutes ago (whole seconds). The
    file repeats one hour of timestamps (a clock set back); the first reading of each is kept.
    Returns the times, the values and the index where the live part starts."""
    require(MACHINE_CSV.is_file(), f"the NAB data set at {MACHINE_CSV}")
    raw_ts, raw_values = read_csv_series(MACHINE_CSV)
    ts, first = np.unique(raw_ts, return_index=True)
    values = raw_values[first]
    end = (now_ns() // NS_PER_S - 300) * NS_PER_S
    split = int(np.searchsorted(ts, LIVE_FROM))
    return ts + (end - int(ts[-1])), values, split


def import_history(plant: PlantSession, ts: np.ndarray, values: np.ndarray, path: Path) -> int:
    """Import samples through :func:`core.importer.import_csv`; returns how many were stored."""
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["tag", "timestamp", "value"])
        for t, v in zip(ts.tolist(), values.tolist(), strict=True):
            out.writerow([TAG, t // NS_PER_S, repr(v)])
    return import_csv(plant.collector.historian, path).imported


def feed_live(plant: PlantSession, ts: np.ndarray, values: np.ndarray) -> None:
    """Send samples through the ingest pipeline in driver-sized batches."""
    pipeline = plant.collector.pipeline
    for i in range(0, len(ts), CHUNK):
        readings = [
            Reading(TAG, float(v), int(t))
            for t, v in zip(ts[i : i + CHUNK], values[i : i + CHUNK], strict=True)
        ]
        wait_until(lambda r=readings: pipeline.emit(r, source="test:machine1"), "queue room")


@pytest.fixture(scope="session")
def machine_history(
    plant: PlantSession, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MachineHistory]:
    """The machine temperature history in the plant's store, with its anomaly events."""
    ts, values, split = shifted_series()
    path = tmp_path_factory.mktemp("nab") / "machine1.csv"
    stored = import_history(plant, ts[:split], values[:split], path)
    assert stored == split
    collector = plant.collector
    historian = collector.historian
    rules = parse_anomaly_sections([{"tags": [TAG], "cooldown_s": 1800}], "test")
    service = AnomalyService(rules, historian.registry, historian.engine, collector.pipeline.emit)
    unsubscribe = collector.pipeline.subscribe(service.on_batch)
    service.start()
    try:
        assert service.wait_ready(30)
        feed_live(plant, ts[split:], values[split:])
        live = len(ts) - split
        wait_until(lambda: service.counters.get("anomaly.scored") >= live, "the tail scored")
        wait_until(lambda: len(historian.raw(TAG, int(ts[0]), int(ts[-1]))) == len(ts), "stored")
    finally:
        unsubscribe()
        service.stop()
    events = list_events(historian.engine, int(ts[0]), now_ns(), tag=TAG)
    assert events, "the detectors found no anomaly around the machine's failure"
    yield MachineHistory(TAG, int(ts[0]), int(ts[split]), int(ts[-1]), len(ts), events)
