"""The ingest pipeline: the only way a sample enters ControlDeck.

Drivers call :meth:`IngestPipeline.emit` (it implements :class:`drivers.base.DriverSink`) from
their own threads; imports call :meth:`IngestPipeline.submit`. One consumer thread validates,
dedupes, applies deadbands, updates the live cache, fans out to subscribers (alarms, analytics,
the HMI bridge) and hands the batch to the writer, which stores or spools it and then runs the
``on_durable`` callbacks (so MQTT is acknowledged only after the data is safe).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from core.columns import LayoutIds, MessageColumns, ReadingColumns
from core.counters import Counters
from core.livecache import LiveCache, LiveValue
from core.model import NS_PER_S, QuarantineRecord, Reading, SampleBatch, now_ns
from core.store.batchops import sort_dedupe
from core.tags import TagInfo, TagRegistry
from core.validation import Checked, readings_to_batch, validate_batch

log = logging.getLogger(__name__)

Callback = Callable[[], None]
Subscriber = Callable[[SampleBatch], None]


class BatchSink(Protocol):
    """Where validated batches go (the historian writer implements this)."""

    def put(
        self, batch: SampleBatch, rejects: list[QuarantineRecord], done: list[Callback]
    ) -> None:
        """Store or spool ``batch`` and ``rejects``, then call every ``done`` callback."""


class Declaration(Protocol):
    """What a driver announces about a tag (``drivers.base.TagDeclaration`` has this shape)."""

    name: str
    unit: str
    description: str
    device: str
    device_class: str
    writable: bool
    eng_min: float | None
    eng_max: float | None


@dataclass(frozen=True, slots=True)
class _Item:
    readings: Sequence[Reading] | None
    batch: SampleBatch | None
    source: str
    received_ns: int
    done: Callback | None


class IngestPipeline:
    """Bounded queue + one consumer thread. Thread-safe entry points: emit, submit, reject, declare."""

    def __init__(
        self,
        registry: TagRegistry,
        sink: BatchSink,
        counters: Counters | None = None,
        *,
        queue_batches: int = 1024,
        future_tolerance_s: float = 300.0,
        clock: Callable[[], int] = now_ns,
    ) -> None:
        self.registry = registry
        self.sink = sink
        self.counters = counters or Counters()
        self.live = LiveCache()
        self._clock = clock
        self._tolerance_ns = int(future_tolerance_s * NS_PER_S)
        self._queue: queue.Queue[_Item | None] = queue.Queue(maxsize=queue_batches)
        self._subscribers: list[Subscriber] = []
        self._layout_ids = LayoutIds()  # used by the consumer thread only
        self._thread: threading.Thread | None = None

    # -- DriverSink -----------------------------------------------------------------------------
    def emit(
        self, readings: Sequence[Reading], *, source: str, on_durable: Callback | None = None
    ) -> bool:
        """Queue driver readings; False (and counted) when the queue is full."""
        columnar = type(readings) is ReadingColumns or type(readings) is MessageColumns
        taken = readings if columnar else list(readings)
        item = _Item(taken, None, source, self._clock(), on_durable)
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            self.counters.add("queue_full")
            return False
        self.counters.add("received", len(item.readings or ()))
        return True

    def reject(self, record: QuarantineRecord) -> None:
        """Quarantine an input a driver could not decode."""
        self.counters.add_many({"rejected": 1, f"rejected.{record.reason}": 1})
        self.sink.put(SampleBatch.empty(), [record], [])

    def declare(self, tags: Sequence[Declaration]) -> None:
        """Register tag metadata announced by a driver (TagDeclaration-like objects)."""
        for decl in tags:
            self.registry.declare(_tag_from_declaration(decl), origin="driver")

    # -- bulk -----------------------------------------------------------------------------------
    def submit(
        self,
        batch: SampleBatch,
        *,
        source: str,
        on_durable: Callback | None = None,
        timeout: float | None = None,
    ) -> bool:
        """Queue an id-keyed batch (imports, replays); blocks up to ``timeout`` for space."""
        try:
            self._queue.put(_Item(None, batch, source, self._clock(), on_durable), timeout=timeout)
        except queue.Full:
            self.counters.add("queue_full")
            return False
        self.counters.add("received", len(batch))
        return True

    def subscribe(self, callback: Subscriber) -> Callback:
        """Receive every live (non-historical) validated batch; returns an unsubscribe function."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def latest(self, tags: Sequence[int | str]) -> dict[str, LiveValue]:
        """Live values by tag name for ids or names (unknown or never-seen tags are absent)."""
        out: dict[str, LiveValue] = {}
        for key in tags:
            info = self.registry.get(key)
            value = self.live.get(info.id) if info is not None else None
            if info is not None and value is not None:
                out[info.name] = value
        return out

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the consumer thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="ingest", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Process everything queued, then stop the consumer."""
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.error("ingest consumer did not drain within %.0f s", timeout)
        self._thread = None

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            self.counters.set("queue_depth", self._queue.qsize())
            if item is None:
                return
            try:
                self.process(item.readings, item.batch, item.source, item.received_ns, item.done)
            except Exception:
                log.exception("ingest failed on a batch from %s", item.source)
                self.counters.add("ingest_errors")

    # -- the pipeline ---------------------------------------------------------------------------
    def process(
        self,
        readings: Sequence[Reading] | None,
        batch: SampleBatch | None,
        source: str,
        received_ns: int,
        done: Callback | None = None,
    ) -> SampleBatch:
        """Validate, dedupe, apply deadbands, update live values, fan out, hand to the writer."""
        checked = self._check(readings, batch, source, received_ns)
        if checked.rejects:
            reasons: dict[str, int] = {"rejected": len(checked.rejects)}
            for rec in checked.rejects:
                reasons[f"rejected.{rec.reason}"] = reasons.get(f"rejected.{rec.reason}", 0) + 1
            self.counters.add_many(reasons)
        clean, dups = sort_dedupe(checked.batch)
        self.counters.add("duplicates", dups)
        clean = self._apply_deadband(clean)
        if not clean.historical and len(clean):
            fresh = self.live.update(clean)
            if len(fresh):
                self._fan_out(fresh)
        self.sink.put(clean, checked.rejects, [done] if done else [])
        return clean

    def _check(
        self,
        readings: Sequence[Reading] | None,
        batch: SampleBatch | None,
        source: str,
        received_ns: int,
    ) -> Checked:
        now = self._clock()
        if readings is not None:
            return readings_to_batch(
                readings,
                self.registry.resolve_or_discover,
                self.registry.name_of,
                received_ns,
                source,
                now,
                self._tolerance_ns,
                self._last_value,
                self._layout_ids,
            )
        assert batch is not None
        return validate_batch(
            batch, source, now, self._tolerance_ns, self.registry.name_of, None, self._last_value
        )

    def _last_value(self, tag_id: int) -> float:
        current = self.live.get(tag_id)
        return current.value if current is not None else 0.0

    def _apply_deadband(self, batch: SampleBatch) -> SampleBatch:
        """Drop rows within the tag's deadband of the last kept value (same quality)."""
        deadbands = self.registry.deadbands()
        if batch.historical or len(batch) == 0 or not deadbands:
            return batch
        keep = np.ones(len(batch), dtype=bool)
        for tag_id in np.unique(batch.tag_ids).tolist():
            deadband = deadbands.get(tag_id, 0.0)
            if deadband <= 0:
                continue
            rows = np.flatnonzero(batch.tag_ids == tag_id)
            keep[rows] = self.live.within_deadband(tag_id, batch, rows, deadband)
        dropped = len(batch) - int(np.count_nonzero(keep))
        self.counters.add("filtered_deadband", dropped)
        return batch if dropped == 0 else batch.take(keep)

    def _fan_out(self, batch: SampleBatch) -> None:
        for callback in list(self._subscribers):
            try:
                callback(batch)
            except Exception:
                log.exception("subscriber %r failed", callback)
                self.counters.add("subscriber_errors")


def _tag_from_declaration(decl: Declaration) -> TagInfo:
    return TagInfo(
        id=0,
        name=decl.name,
        device=decl.device,
        unit=decl.unit,
        description=decl.description,
        device_class=decl.device_class,
        writable=decl.writable,
        eng_min=decl.eng_min,
        eng_max=decl.eng_max,
    )
