"""The live anomaly service: a pipeline subscriber that scores watched tags on its own thread.

:meth:`AnomalyService.on_batch` runs on the ingest thread and only drops the rows of tags it
knows it never watches and puts the batch into a bounded queue (``put_nowait``): a full queue
drops the batch and counts it (``anomaly.dropped_batches`` / ``anomaly.dropped_samples``); it
never blocks ingest. The worker thread coalesces whatever is queued, feeds each watched tag's
detector and event tracker, publishes the anomaly levels as ``<tag>.anomaly`` through the
pipeline (so they are historised and alarm rules see them) and stores event changes.

At start-up the worker first replays the newest stored samples of every watched tag into its
detector (``warmup_samples`` per rule, within ``warmup_budget_s`` in total) and resumes the
events the previous run left open.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np
from sqlalchemy import Engine

from core.analytics.live.detectors import FloatArray, IntArray
from core.analytics.live.events import EventStore
from core.analytics.live.rules import AnomalyRule, rule_for
from core.analytics.live.warmup import warm_up
from core.analytics.live.watch import (
    DetectorFactory,
    TagWatch,
    default_detector,
    score_tag_info,
)
from core.counters import Counters
from core.model import QualityArray, Reading, SampleBatch, now_ns
from core.tags import TagRegistry

log = logging.getLogger(__name__)

SOURCE = "analytics:anomaly"
MAX_COALESCE = 64
IDLE_WAIT_S = 0.5
_EVENT_COUNTERS = {
    "open": "anomaly.events_opened",
    "update": "anomaly.events_updated",
    "close": "anomaly.events_closed",
}


class ReadingSink(Protocol):
    """Where anomaly levels go (``IngestPipeline.emit`` fits)."""

    def __call__(self, readings: Sequence[Reading], *, source: str) -> bool:
        """Queue readings without blocking; False when they were not accepted."""
        ...


class AnomalyService:
    """Runs the ``[[anomaly]]`` rules on live data; see the module docstring."""

    def __init__(
        self,
        rules: Sequence[AnomalyRule],
        registry: TagRegistry,
        engine: Engine,
        emit: ReadingSink,
        clock: Callable[[], int] = now_ns,
        *,
        counters: Counters | None = None,
        queue_batches: int = 256,
        warmup_budget_s: float = 20.0,
        detector_factory: DetectorFactory = default_detector,
    ) -> None:
        self.rules = list(rules)
        self.registry = registry
        self.engine = engine
        self.counters = counters or Counters()
        self.events = EventStore(engine, self.counters)
        self._emit = emit
        self._clock = clock
        self._budget_s = warmup_budget_s
        self._make_detector = detector_factory
        self._queue: queue.Queue[SampleBatch | None] = queue.Queue(maxsize=queue_batches)
        self._watches: dict[int, TagWatch] = {}
        self._watches_lock = threading.Lock()
        self._ignored: set[int] = set()
        self._skip_ids = np.zeros(0, dtype=np.int32)
        self._skip_stale = False
        self._accepting = False
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker: it watches the known tags, warms up, then scores live batches."""
        if self._thread is not None or not self.rules:
            self._ready.set()
            return
        self._accepting = True
        self._thread = threading.Thread(target=self._run, name="anomaly", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop accepting batches, score what is queued, store pending events, end the worker."""
        self._accepting = False
        thread, self._thread = self._thread, None
        if thread is None:
            return
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            log.error("anomaly worker did not take the stop request within %.0f s", timeout)
        thread.join(timeout)
        if thread.is_alive():
            log.error("anomaly worker did not stop within %.0f s", timeout)

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until the warm-up is done (True) or ``timeout`` passes (False)."""
        return self._ready.wait(timeout)

    def watched_tags(self) -> list[str]:
        """Names of the tags watched so far."""
        with self._watches_lock:
            return sorted(watch.tag.name for watch in self._watches.values())

    def watch_of(self, tag: str) -> TagWatch | None:
        """The watch of a tag by name (None when the tag is not watched)."""
        with self._watches_lock:
            return next((w for w in self._watches.values() if w.tag.name == tag), None)

    def status(self) -> dict[str, int]:
        """Queue depth, watched tags, unwritten events and the ``anomaly.*`` counters."""
        counts = {k: v for k, v in self.counters.snapshot().items() if k.startswith("anomaly.")}
        return {
            **counts,
            "anomaly.queue_depth": self._queue.qsize(),
            "anomaly.watched_tags": len(self._watches),
            "anomaly.events_pending": self.events.pending,
        }

    # -- the ingest side ------------------------------------------------------------------------
    def on_batch(self, batch: SampleBatch) -> None:
        """Pipeline subscriber (ingest thread): filter cheaply, queue without blocking."""
        if not self._accepting or batch.historical or not len(batch):
            return
        skip = self._skip_ids
        if skip.size:
            keep = ~np.isin(batch.tag_ids, skip)
            if not keep.any():
                return
            if not keep.all():
                batch = batch.take(keep)
        try:
            self._queue.put_nowait(batch)
        except queue.Full:
            self.counters.add_many(
                {"anomaly.dropped_batches": 1, "anomaly.dropped_samples": len(batch)}
            )

    # -- the worker -----------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            for info in list(self.registry):
                self._classify(info.id)
            self._refresh_skip()
            self._warm_up()
        except Exception:
            log.exception("anomaly warm-up failed; detectors start cold")
        finally:
            self._ready.set()
        stopping = False
        while not stopping:
            batches, stopping = self._drain()
            self.counters.set("anomaly.queue_depth", self._queue.qsize())
            try:
                self._process(batches)
            except Exception:
                log.exception("anomaly service failed on %d batch(es); continuing", len(batches))
                self.counters.add("anomaly.errors")
            self._refresh_skip()
            self.events.flush()
        self.events.flush(force=True)

    def _drain(self) -> tuple[list[SampleBatch], bool]:
        try:
            first = self._queue.get(timeout=IDLE_WAIT_S)
        except queue.Empty:
            return [], False
        items = [first]
        while len(items) < MAX_COALESCE:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        batches = [item for item in items if item is not None]
        return batches, len(batches) != len(items)

    def _process(self, batches: list[SampleBatch]) -> None:
        if not batches:
            return
        tag_ids, ts, values, quality = _sorted_columns(batches)
        uniq, starts = np.unique(tag_ids, return_index=True)
        bounds = [*starts.tolist(), len(tag_ids)]
        readings: list[Reading] = []
        for k, tag_id in enumerate(uniq.tolist()):
            watch = self._watches.get(tag_id) or self._classify(tag_id)
            if watch is None:
                continue
            rows = slice(bounds[k], bounds[k + 1])
            try:
                readings += self._feed(watch, ts[rows], values[rows], quality[rows])
            except Exception:
                log.exception("anomaly scoring of %s failed", watch.tag.name)
                self.counters.add("anomaly.errors")
        self._publish(readings)

    def _feed(
        self, watch: TagWatch, ts: IntArray, values: FloatArray, quality: QualityArray
    ) -> list[Reading]:
        """Score one tag's rows; store event changes; its anomaly levels as readings."""
        used, levels, changes = watch.feed(ts, values, quality)
        self.counters.add("anomaly.scored", len(used))
        for kind, event in changes:
            self.events.save(event)
            self.counters.add(_EVENT_COUNTERS[kind])
            log.info("anomaly event %s: %s since %d", kind, event.tag, event.start_ns)
        if watch.score_tag is None:
            return []
        name = watch.score_tag
        return [Reading(name, lv, t) for t, lv in zip(used.tolist(), levels.tolist(), strict=True)]

    def _publish(self, readings: list[Reading]) -> None:
        if readings and not self._emit(readings, source=SOURCE):
            self.counters.add("anomaly.scores_dropped", len(readings))

    def _classify(self, tag_id: int) -> TagWatch | None:
        """Watch a tag the first time it is seen, when a rule matches it."""
        if tag_id in self._ignored:
            return None
        info = self.registry.get(tag_id)
        rule = rule_for(info.name, self.rules) if info is not None else None
        if info is None or rule is None:
            self._ignore(tag_id)
            return None
        watch = TagWatch(info, rule, self._make_detector(rule), self._clock)
        with self._watches_lock:
            self._watches[tag_id] = watch
        if rule.publish_score:
            score = self.registry.declare(score_tag_info(info, rule), origin="analytics")
            self._ignore(score.id)
        log.info("anomaly: watching %s (%s)", info.name, rule.detector)
        return watch

    def _ignore(self, tag_id: int) -> None:
        self._ignored.add(tag_id)
        self._skip_stale = True

    def _refresh_skip(self) -> None:
        """Publish the ids :meth:`on_batch` may drop (one array swap, read without a lock)."""
        if self._skip_stale:
            self._skip_stale = False
            self._skip_ids = np.array(sorted(self._ignored), dtype=np.int32)

    def _warm_up(self) -> None:
        watches = sorted(self._watches.values(), key=lambda w: w.tag.name)
        cold = warm_up(watches, self.engine, self.events, self._clock(), self._budget_s)
        self.counters.add("anomaly.cold_starts", cold)


def _sorted_columns(
    batches: list[SampleBatch],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The batches' rows as columns ordered by (tag, time)."""
    tag_ids = np.concatenate([b.tag_ids for b in batches])
    ts = np.concatenate([b.ts_ns for b in batches])
    values = np.concatenate([b.values for b in batches])
    quality = np.concatenate([b.quality for b in batches])
    order = np.lexsort((ts, tag_ids))
    return tag_ids[order], ts[order], values[order], quality[order]
