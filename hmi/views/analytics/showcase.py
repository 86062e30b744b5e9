"""History for the screenshot tour of the analytics views (``python -m hmi.screenshots``).

The tour runs the demo plant on a fresh temporary store, which holds only the minute of data the
tour waited for. So that the analytics views have something to show, this module adds history
to that temporary store before they are photographed:

- five weeks of the main meter, ``meter1`` (active power and import counter every four minutes),
  computed by the simulator's own meter model and continuing into the live counter;
- when the Numenta Anomaly Benchmark data of ``../shared/data`` is present, the real
  temperatures of an industrial machine (``machine1/temperature``) whose last fortnight is
  scored by the live anomaly detectors, as in the tests;
- two forecast versions of the meter's hourly mean power in the model registry, sealed with the
  key from ``CONTROLDECK_MODEL_KEY`` (a fresh key for this process when none is set).

Only for the tour: a real console never writes made-up history.
"""

from __future__ import annotations

import csv
import logging
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.analytics.baseline.store import hourly_means
from core.analytics.forecast import ForecastSettings, read_csv_series
from core.analytics.forecast.training import FORECAST_KIND, ForecastTrainer
from core.analytics.live import AnomalyService, parse_anomaly_sections
from core.analytics.registry import MODEL_KEY_ENV, ModelRegistry, generate_model_key, load_model_key
from core.config import RESOURCES_DIR
from core.importer import import_csv
from core.model import NS_PER_S, Reading, now_ns
from drivers.simulator.meter_model import MeterModel
from hmi.views.analytics.forecast_job import HOUR_NS

log = logging.getLogger(__name__)

METER = "meter1"
POWER_TAG = f"{METER}/total_power"
METER_DAYS = 35
METER_STEP_S = 240
NAB_CSV = (
    RESOURCES_DIR.parent.parent
    / "shared/data/nab/data/realKnownCause/machine_temperature_system_failure.csv"
)
MACHINE_TAG = "machine1/temperature"
MACHINE_LIVE_FROM = np.datetime64("2014-02-05T00:00:00", "ns").astype(np.int64)
CHUNK = 50


@dataclass
class Showcase:
    """What was added to the tour's store."""

    meter_samples: int = 0
    machine_samples: int = 0
    anomaly_events: int = 0
    model_versions: list[int] = field(default_factory=list)


def write_rows(path: Path, rows: list[tuple[str, int, float]]) -> None:
    """``tag,timestamp,value`` rows (timestamps in whole seconds) for the importer."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["tag", "timestamp", "value"])
        out.writerows((tag, ts // NS_PER_S, repr(value)) for tag, ts, value in rows)


def meter_rows(
    first_live: tuple[int, float], seed: int, utc_offset_s: float
) -> list[tuple[str, int, float]]:
    """Power and counter samples of the meter model for the weeks before the live data; the
    counter is shifted to run into the first live counter value."""
    end_s = first_live[0] // NS_PER_S - METER_STEP_S
    start_s = end_s - METER_DAYS * 86_400
    model = MeterModel(METER, phases=3, seed=seed, t0=start_s, utc_offset_s=utc_offset_s)
    times = np.arange(start_s, end_s + 1, METER_STEP_S)
    quantities = [model.quantities(float(t)) for t in times]
    power = np.array([q["total_power"] for q in quantities])
    counter = np.array([q["import_kwh"] for q in quantities])
    counter += first_live[1] - counter[-1] - power[-1] * METER_STEP_S / 3.6e6
    rows = [
        (f"{METER}/total_power", int(t) * NS_PER_S, float(p))
        for t, p in zip(times, power, strict=True)
    ]
    rows += [
        (f"{METER}/import_kwh", int(t) * NS_PER_S, float(c))
        for t, c in zip(times, counter, strict=True)
    ]
    return rows


def backfill_meter(collector: Any, work: Path, seed: int, utc_offset_s: float) -> int:
    """Five weeks of the meter before its first live sample; returns the samples stored."""
    historian = collector.historian
    live = historian.raw(f"{METER}/import_kwh", 0, now_ns())
    if not len(live):
        log.warning("no live %s counter yet: no meter history added", METER)
        return 0
    path = work / "meter.csv"
    write_rows(path, meter_rows((int(live.ts_ns[0]), float(live.values[0])), seed, utc_offset_s))
    return int(import_csv(historian, path).imported)


def machine_series() -> tuple[np.ndarray, np.ndarray, int] | None:
    """The NAB machine temperatures moved to end five minutes ago (one repeated hour dropped),
    and where the live part starts; None without the data set."""
    if not NAB_CSV.is_file():
        log.info("no NAB data at %s: the anomaly showcase is left out", NAB_CSV)
        return None
    raw_ts, raw_values = read_csv_series(NAB_CSV)
    ts, first = np.unique(raw_ts, return_index=True)
    split = int(np.searchsorted(ts, MACHINE_LIVE_FROM))
    ts = ts + ((now_ns() // NS_PER_S - 300) * NS_PER_S - int(ts[-1]))
    return ts, raw_values[first], split


def feed_scored(collector: Any, ts: np.ndarray, values: np.ndarray) -> int:
    """Send samples through the pipeline, scored by a live anomaly service; returns the number
    of anomaly events it opened."""
    historian, pipeline = collector.historian, collector.pipeline
    rules = parse_anomaly_sections([{"tags": [MACHINE_TAG], "cooldown_s": 1800}], "showcase")
    service = AnomalyService(rules, historian.registry, historian.engine, pipeline.emit)
    unsubscribe = pipeline.subscribe(service.on_batch)
    service.start()
    try:
        service.wait_ready(30)
        for i in range(0, len(ts), CHUNK):
            chunk = zip(ts[i : i + CHUNK], values[i : i + CHUNK], strict=True)
            readings = [Reading(MACHINE_TAG, float(v), int(t)) for t, v in chunk]
            while not pipeline.emit(readings, source="showcase"):
                time.sleep(0.05)
        deadline = time.monotonic() + 60
        while service.counters.get("anomaly.scored") < len(ts) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        unsubscribe()
        service.stop()
    return int(service.counters.get("anomaly.events_opened"))


def seed_machine(collector: Any, work: Path) -> tuple[int, int]:
    """The machine temperatures: history imported, the last fortnight live and scored;
    returns (samples, anomaly events)."""
    found = machine_series()
    if found is None:
        return 0, 0
    ts, values, split = found
    path = work / "machine.csv"
    rows = [
        (MACHINE_TAG, int(t), float(v)) for t, v in zip(ts[:split], values[:split], strict=True)
    ]
    write_rows(path, rows)
    stored = int(import_csv(collector.historian, path).imported)
    events = feed_scored(collector, ts[split:], values[split:])
    return stored + len(ts) - split, events


def register_models(historian: Any) -> list[int]:
    """Two forecast versions of the meter's hourly mean power, each promoted in turn."""
    if not os.environ.get(MODEL_KEY_ENV):
        os.environ[MODEL_KEY_ENV] = generate_model_key()
    registry = ModelRegistry(historian.engine, load_model_key())
    end = now_ns() // HOUR_NS * HOUR_NS
    made = []
    for days in (14, 28):
        settings = ForecastSettings(horizon=24, step_ns=HOUR_NS, max_history=days * 24)
        trainer = ForecastTrainer(lambda s, a, b: hourly_means(historian, s, a, b)[:2], settings)
        start = end - days * 86_400 * NS_PER_S
        trained = trainer(POWER_TAG, start, end)
        version = registry.register(
            POWER_TAG,
            FORECAST_KIND,
            trained.model,
            train_start_ns=start,
            train_end_ns=end,
            params=trained.params,
            metrics=trained.metrics,
            author="showcase",
        )
        registry.promote(POWER_TAG, FORECAST_KIND, version.version, actor="showcase")
        made.append(version.version)
    return made


def seed_showcase(collector: Any, seed: int, utc_offset_s: float) -> Showcase:
    """Add the tour's history to the (temporary) store; runs in a worker thread."""
    found = Showcase()
    with tempfile.TemporaryDirectory(prefix="controldeck-showcase-") as tmp:
        work = Path(tmp)
        found.meter_samples = backfill_meter(collector, work, seed, utc_offset_s)
        found.machine_samples, found.anomaly_events = seed_machine(collector, work)
    if found.meter_samples:
        found.model_versions = register_models(collector.historian)
    log.info("showcase history: %s", found)
    return found
