"""The historian writer thread: batches by size and time, stores, and spools while the DB is away.

Rule 1 of our reliability design: data is removed from anywhere only after it is safely stored,
order is kept, poison records are quarantined. So:

* every batch is written in one transaction, then its ``done`` callbacks run;
* when the database is unreachable the batch goes to the on-disk spool instead (the callbacks
  run once the spool has it on disk), and so does every later batch until the spool is empty,
  which keeps per-tag order;
* the spool is replayed oldest first whenever the database answers again; a record that keeps
  failing for a reason other than an outage is moved to the spool's poison folder;
* a full spool drops nothing silently: the callbacks are not run (MQTT redelivers) and
  ``dropped_overflow`` counts the rows.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from core.counters import Counters
from core.model import QuarantineRecord, SampleBatch
from core.store.backend import SampleBackend
from core.store.batchops import sort_dedupe
from core.store.outage import is_outage
from core.store.pending import PendingQuarantine, PendingTags
from core.store.spool import Spool, SpoolFull
from core.tags import TagRegistry

log = logging.getLogger(__name__)
Callback = Callable[[], None]
LINGER_GAP_FACTOR = 3.0
"""The writer lingers only while work arrives more often than every this many ``linger_s``."""
GAP_WEIGHT = 0.25
"""Weight of the newest gap between two :meth:`HistorianWriter.put` calls in their running mean."""


@dataclass(slots=True)
class _Work:
    batch: SampleBatch
    rejects: list[QuarantineRecord]
    done: list[Callback] = field(default_factory=list)


class HistorianWriter:
    """Implements the ingest pipeline's ``BatchSink`` on one dedicated writer thread."""

    def __init__(
        self,
        engine: Engine,
        registry: TagRegistry,
        spool: Spool,
        counters: Counters,
        *,
        batch_size: int = 20_000,
        flush_interval_s: float = 0.25,
        retry_interval_s: float = 1.0,
        write_timeout_s: float = 30.0,
        queue_items: int = 256,
        linger_s: float = 0.02,
    ) -> None:
        self.backend = SampleBackend(engine, write_timeout_s)
        self.registry = registry
        self.spool = spool
        self.counters = counters
        self.batch_size = batch_size
        self.flush_interval_s = flush_interval_s
        self.retry_interval_s = retry_interval_s
        self.linger_s = linger_s
        self.pending_tags = PendingTags(spool.directory / "pending_tags.json")
        self.pending_quarantine = PendingQuarantine(spool.directory / "pending_quarantine.jsonl")
        self._queue: queue.Queue[_Work | None] = queue.Queue(maxsize=queue_items)
        self._thread: threading.Thread | None = None
        self._outage_since: float | None = None
        self._last_put = time.monotonic()
        self._gap_s = 0.0
        self._next_retry = 0.0
        self.last_error = ""
        self.registry.load(self.pending_tags.load())

    @property
    def db_online(self) -> bool:
        """False while the database is unreachable (samples go to the spool)."""
        return self._outage_since is None

    @property
    def lingers(self) -> bool:
        """True while work arrives close together (the writer waits ``linger_s`` for more)."""
        return self._gap_s < LINGER_GAP_FACTOR * self.linger_s

    # -- BatchSink ------------------------------------------------------------------------------
    def put(
        self, batch: SampleBatch, rejects: list[QuarantineRecord], done: list[Callback]
    ) -> None:
        """Queue work for the writer thread (blocks when the writer is far behind)."""
        now = time.monotonic()
        gap, self._last_put = min(now - self._last_put, 1.0), now
        self._gap_s += GAP_WEIGHT * (gap - self._gap_s)
        self._queue.put(_Work(batch, list(rejects), list(done)))

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the writer thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="historian-writer", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 60.0) -> None:
        """Write or spool everything queued, try one last replay, release the connection."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("historian writer did not finish within %.0f s", timeout)
            self._thread = None
        self.backend.close()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            work, stopping = self._collect()
            if work:
                self._flush(work)
            self._replay(deadline=time.monotonic() + 0.5)
            self._update_gauges()
        self._replay(deadline=time.monotonic() + 5.0)
        self._update_gauges()

    def _collect(self) -> tuple[list[_Work], bool]:
        """Work for one transaction; True when told to stop.

        Takes what is queued until ``batch_size`` rows, ``flush_interval_s`` since the first
        item, or the queue stays empty for ``linger_s``: under load transactions grow large,
        while a trickle is written within a few tens of milliseconds. When work has been coming
        in well apart (one poll or publish every 100 ms, say: the mean gap between puts is over
        ``LINGER_GAP_FACTOR`` lingers), waiting would only add ``linger_s`` to every batch's
        latency, so what is queued is written at once.
        """
        items: list[_Work] = []
        rows = 0
        deadline = time.monotonic() + self.flush_interval_s
        linger = self.linger_s if self.lingers else 0.0
        while rows < self.batch_size:
            remaining = deadline - time.monotonic()
            wait = remaining if not items else min(linger, remaining)
            try:
                item = self._queue.get(timeout=max(0.0, wait))
            except queue.Empty:
                break
            if item is None:
                return items, True
            items.append(item)
            rows += len(item.batch)
        return items, False

    # -- flushing -------------------------------------------------------------------------------
    def _flush(self, work: list[_Work]) -> None:
        batch, dups = sort_dedupe(SampleBatch.concat([w.batch for w in work]))
        self.counters.add("duplicates", dups)
        rejects = [r for w in work for r in w.rejects]
        done = [cb for w in work for cb in w.done]
        if self._outage_since is not None or self.spool.pending_records():
            durable = self._to_spool(batch, rejects)
        else:
            durable = self._store_or_spool(batch, rejects)
        if durable:
            for callback in done:
                _safe_call(callback)

    def _store_or_spool(self, batch: SampleBatch, rejects: list[QuarantineRecord]) -> bool:
        try:
            self._write(batch)
            self.backend.write_quarantine(rejects)
        except Exception as exc:
            if not is_outage(exc):
                log.exception("batch of %d rows refused by the database; spooling it", len(batch))
            self._enter_outage(exc)
            return self._to_spool(batch, rejects)
        return True

    def _write(self, batch: SampleBatch) -> None:
        tags = self.registry.pending()
        stats = self.backend.write(batch, tags)
        self.registry.mark_saved(tags)
        self.counters.add_many({"stored": stats.inserted, "duplicates": stats.duplicates})

    def _to_spool(self, batch: SampleBatch, rejects: list[QuarantineRecord]) -> bool:
        self.pending_tags.save(self.registry.pending())
        self.pending_quarantine.append(rejects)
        if len(batch) == 0:
            return True
        try:
            self.spool.append(batch)
        except SpoolFull:
            self.counters.add("dropped_overflow", len(batch))
            log.error("spool full: %d rows not taken (their sources must redeliver)", len(batch))
            return False
        self.counters.add("spooled", len(batch))
        return True

    # -- outage and replay ----------------------------------------------------------------------
    def _enter_outage(self, exc: BaseException) -> None:
        self.backend.close()
        self.last_error = f"{type(exc).__name__}: {exc}"[:500]
        self._next_retry = time.monotonic() + self.retry_interval_s
        if self._outage_since is None:
            self._outage_since = time.monotonic()
            self.counters.add("store_outages")
            log.warning("historian unavailable, spooling to disk: %s", self.last_error)

    def _leave_outage(self) -> None:
        if self._outage_since is not None:
            log.info("historian recovered after %.1f s", time.monotonic() - self._outage_since)
            self._outage_since = None
            self.last_error = ""

    def _replay(self, deadline: float) -> None:
        """Move spooled records (oldest first) into the database until empty or ``deadline``."""
        if self._outage_since is not None and time.monotonic() < self._next_retry:
            return
        while time.monotonic() < deadline:
            record = self.spool.peek()
            if record is None:
                if self._replay_side_files():
                    self._leave_outage()
                return
            if not self._replay_one(*record):
                return

    def _replay_one(self, seq: int, batch: SampleBatch) -> bool:
        try:
            self._write(batch)
        except Exception as exc:
            if is_outage(exc):
                self._enter_outage(exc)
                return False
            self._rollback_quietly()
            if self.spool.fail(seq, f"{type(exc).__name__}: {exc}"[:500]):
                self.counters.add("spool_poisoned", len(batch))
                log.error("spool record %d moved to poison after repeated failures", seq)
            return True
        self.spool.ack(seq)
        self.counters.add("replayed", len(batch))
        self._leave_outage()
        return True

    def _replay_side_files(self) -> bool:
        try:
            self.pending_quarantine.replay(self.backend.write_quarantine)
            if self.registry.pending():
                self._write(SampleBatch.empty())
            self.pending_tags.clear()
        except Exception as exc:
            self._enter_outage(exc)
            return False
        return True

    def _rollback_quietly(self) -> None:
        self.backend.close()

    def _update_gauges(self) -> None:
        self.counters.set("spool_pending", self.spool.pending_records())
        self.counters.set("writer_queue", self._queue.qsize())
        self.counters.set("store_online", int(self._outage_since is None))


def _safe_call(callback: Callback) -> None:
    try:
        callback()
    except Exception:
        log.exception("on_durable callback failed")
