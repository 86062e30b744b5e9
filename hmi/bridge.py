"""The one bridge from the core's threads to Qt.

The ingest thread calls :meth:`LiveBridge.on_batch` for every live batch; it only folds the
batch into per-tag latest values and, for watched tags (trend pens, sparklines), into sample
chunks, under a short lock. A timer on the GUI thread drains that buffer at most 10 times a
second and emits one typed :class:`LiveUpdate` per period. The same timer hands over new
alarm snapshots (taken by the alarm adapter's poll thread), and once a second a worker takes
the collector's status (counters, store, spool, drivers) and builds the device rows from the
live cache, so the GUI thread never waits on either.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QObject, QTimer, Signal

from core.livecache import LiveValue
from core.model import Quality, SampleBatch, now_ns
from core.store.batchops import latest_rows
from hmi.models.device_rows import DeviceTable, device_table
from hmi.workers import WorkerPool

log = logging.getLogger(__name__)

MAX_RATE_HZ = 10
DRAIN_INTERVAL_MS = 1000 // MAX_RATE_HZ
STATUS_INTERVAL_MS = 1000


@dataclass(frozen=True, slots=True)
class TrendChunk:
    """Every sample of one watched tag in one period, in time order."""

    ts_ns: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    quality: npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class LiveUpdate:
    """What changed since the previous update (one object per period, at most 10 Hz)."""

    latest: dict[int, LiveValue]
    """Newest value per tag id that received samples in the period."""
    trend: dict[int, TrendChunk]
    """All samples of the watched tags in the period."""
    samples: int
    period_s: float
    created_ns: int


@dataclass(frozen=True, slots=True)
class StationStatus:
    """The collector's status plus per-device link states, taken in a worker."""

    collector: dict[str, Any]
    devices: dict[str, tuple[str, int]] = field(default_factory=dict)
    """Device name -> (state, last change or last seen ns) where a driver knows it."""
    taken_ns: int = 0
    device_table: DeviceTable = field(default_factory=DeviceTable)
    """The overview's device rows, prepared in the worker from the live cache and ``devices``."""


class _Accumulator:
    """Ingest-thread side of the bridge."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: dict[int, LiveValue] = {}
        self._chunks: dict[int, list[TrendChunk]] = {}
        self._samples = 0
        self._watch_counts: Counter[int] = Counter()
        self._watched: npt.NDArray[np.int32] = np.empty(0, dtype=np.int32)

    def watch(self, tag_id: int) -> None:
        with self._lock:
            self._watch_counts[tag_id] += 1
            self._watched = np.array(sorted(self._watch_counts), dtype=np.int32)

    def unwatch(self, tag_id: int) -> None:
        with self._lock:
            self._watch_counts[tag_id] -= 1
            if self._watch_counts[tag_id] <= 0:
                del self._watch_counts[tag_id]
                self._chunks.pop(tag_id, None)
            self._watched = np.array(sorted(self._watch_counts), dtype=np.int32)

    def watched(self) -> set[int]:
        return set(self._watch_counts)

    def add(self, batch: SampleBatch) -> None:
        if not len(batch) or batch.historical:
            return
        if np.any(np.diff(batch.tag_ids) < 0):
            batch = batch.take(np.lexsort((batch.ts_ns, batch.tag_ids)))
        newest = latest_rows(batch)
        fresh = {
            t: LiveValue(ts, v, Quality(q))
            for t, ts, v, q in zip(
                newest.tag_ids.tolist(),
                newest.ts_ns.tolist(),
                newest.values.tolist(),
                newest.quality.tolist(),
                strict=True,
            )
        }
        chunks = self._watched_chunks(batch)
        with self._lock:
            self._latest.update(fresh)
            for tag_id, chunk in chunks.items():
                if tag_id in self._watch_counts:
                    self._chunks.setdefault(tag_id, []).append(chunk)
            self._samples += len(batch)

    def _watched_chunks(self, batch: SampleBatch) -> dict[int, TrendChunk]:
        watched = self._watched
        if not len(watched):
            return {}
        mask = np.isin(batch.tag_ids, watched)
        if not mask.any():
            return {}
        rows = batch.take(mask)
        out: dict[int, TrendChunk] = {}
        for tag_id in np.unique(rows.tag_ids).tolist():
            pick = rows.tag_ids == tag_id
            out[tag_id] = TrendChunk(rows.ts_ns[pick], rows.values[pick], rows.quality[pick])
        return out

    def drain(self) -> tuple[dict[int, LiveValue], dict[int, list[TrendChunk]], int]:
        with self._lock:
            latest, self._latest = self._latest, {}
            chunks, self._chunks = self._chunks, {}
            samples, self._samples = self._samples, 0
        return latest, chunks, samples


def _merge(chunks: list[TrendChunk]) -> TrendChunk:
    if len(chunks) == 1:
        return chunks[0]
    ts = np.concatenate([c.ts_ns for c in chunks])
    order = np.argsort(ts, kind="stable")
    return TrendChunk(
        ts[order],
        np.concatenate([c.values for c in chunks])[order],
        np.concatenate([c.quality for c in chunks])[order],
    )


class LiveBridge(QObject):
    """Coalesces live data, alarm snapshots and status into GUI-thread signals."""

    updated = Signal(object)
    """:class:`LiveUpdate`, at most :data:`MAX_RATE_HZ` times a second."""
    alarms_changed = Signal(object)
    """:class:`~hmi.models.alarm_model.AlarmSnapshot` whenever a new generation appears."""
    status_changed = Signal(object)
    """:class:`StationStatus`, about once a second."""

    def __init__(
        self,
        workers: WorkerPool,
        *,
        interval_ms: int = DRAIN_INTERVAL_MS,
        status_interval_ms: int = STATUS_INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._workers = workers
        self._acc = _Accumulator()
        self._collector: Any = None
        self._alarms: Any = None
        self._alarm_generation = -1
        self._status_busy = False
        self._last_drain = time.monotonic()
        self.emitted = 0
        self._timer = QTimer(self)
        self._timer.setInterval(max(interval_ms, DRAIN_INTERVAL_MS))
        self._timer.timeout.connect(self._drain)
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(status_interval_ms)
        self._status_timer.timeout.connect(self.poll_status)

    # -- wiring ---------------------------------------------------------------------------------
    def on_batch(self, batch: SampleBatch) -> None:
        """Pipeline subscriber: called on the ingest thread, never blocks for long."""
        self._acc.add(batch)

    def attach(self, collector: Any, alarms: Any = None) -> None:
        """Know the collector (for status) and the alarm source (for snapshots)."""
        self._collector = collector
        self._alarms = alarms

    def start(self) -> None:
        """Start the drain and status timers."""
        self._timer.start()
        if self._collector is not None:
            self._status_timer.start()
            self.poll_status()

    def stop(self) -> None:
        """Stop emitting."""
        self._timer.stop()
        self._status_timer.stop()

    def watch(self, tag_id: int) -> None:
        """Collect every sample of a tag (reference counted: one call per viewer)."""
        self._acc.watch(tag_id)

    def unwatch(self, tag_id: int) -> None:
        """One viewer less for a tag."""
        self._acc.unwatch(tag_id)

    def watched(self) -> set[int]:
        """Tag ids with at least one viewer."""
        return self._acc.watched()

    # -- GUI thread -----------------------------------------------------------------------------
    def _drain(self) -> None:
        now = time.monotonic()
        latest, chunks, samples = self._acc.drain()
        if latest or chunks:
            trend = {tag_id: _merge(parts) for tag_id, parts in chunks.items()}
            update = LiveUpdate(latest, trend, samples, now - self._last_drain, now_ns())
            self._last_drain = now
            self.emitted += 1
            self.updated.emit(update)
        self._hand_over_alarms()

    def _hand_over_alarms(self) -> None:
        if self._alarms is None:
            return
        snapshot = self._alarms.snapshot
        if snapshot.generation != self._alarm_generation:
            self._alarm_generation = snapshot.generation
            self.alarms_changed.emit(snapshot)

    def poll_status(self) -> None:
        """Take the collector's status in a worker (skipped while one is still running)."""
        if self._collector is None or self._status_busy:
            return
        self._status_busy = True
        collector = self._collector
        self._workers.submit(
            lambda: take_status(collector),
            self._status_done,
            self._status_failed,
            context=self,
            name="status",
        )

    def _status_done(self, status: StationStatus) -> None:
        self._status_busy = False
        self.status_changed.emit(status)

    def _status_failed(self, exc: BaseException) -> None:
        self._status_busy = False
        log.debug("status snapshot failed: %s", exc)


def take_status(collector: Any) -> StationStatus:
    """The collector's status, what each driver knows of its devices and the device rows
    built from them and the live cache (worker thread)."""
    devices: dict[str, tuple[str, int]] = {}
    for driver in getattr(collector, "drivers", []):
        per_device = getattr(driver, "device_status", None)
        if callable(per_device):
            for name, status in per_device().items():
                devices[name] = (status.state.value, status.last_change_ns)
        presence = getattr(driver, "device_presence", None)
        if callable(presence):
            for name, seen in presence().items():
                devices[name] = ("online" if seen.online else "offline", seen.last_seen_ns)
        if getattr(driver, "kind", "") == "opcua":
            status = driver.status
            devices[driver.name] = (status.state.value, status.last_change_ns)
    taken = now_ns()
    return StationStatus(
        collector.status(), devices, taken, device_table(collector, devices, taken)
    )


def rate_per_s(
    previous: dict[str, int], current: dict[str, int], seconds: float
) -> dict[str, float]:
    """Per-second rates of every counter between two snapshots."""
    if seconds <= 0:
        return {}
    return {k: (v - previous.get(k, 0)) / seconds for k, v in current.items()}
