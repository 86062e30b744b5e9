"""Writing sample batches into the historian: raw rows, rollups and latest values in one transaction.

One :class:`SampleBackend` per writer thread; it owns one DBAPI connection. The dialect-specific
parts (bulk insert, upsert SQL) live in :mod:`core.store.dialects`.

Dedupe: a per-tag "newest stored timestamp" is kept in memory (seeded from the ``latest``
table). Rows newer than it cannot be duplicates; older rows are checked against the table.
Rollups are then merged from exactly the rows that were inserted.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Engine

from core.model import NS_PER_S, QuarantineRecord, SampleBatch
from core.store.batchops import aggregate, latest_rows, rollups
from core.store.checkpoint import WalCheckpointer
from core.store.dialects import Dialect, dialect_for, insert_quarantine
from core.store.newest import NewestTimestamps
from core.store.schema import ROLLUP_TABLES
from core.store.watchdog import Watchdog
from core.tags import TagInfo

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WriteStats:
    """What one write did."""

    inserted: int
    duplicates: int


class SampleBackend:
    """Transactional batch writes on one dedicated connection."""

    def __init__(self, engine: Engine, write_timeout_s: float = 30.0) -> None:
        self.engine = engine
        self.write_timeout_s = write_timeout_s
        self.dialect: Dialect = dialect_for(engine)
        self._conn: Any = None
        self._newest = NewestTimestamps()
        self._watchdog = Watchdog(write_timeout_s, self._abort, "sample-write-watchdog")
        self._checkpointer = WalCheckpointer(engine) if self.dialect.name == "sqlite" else None

    # -- connection -----------------------------------------------------------------------------
    def connect(self) -> None:
        """(Re)open the DBAPI connection and reload the newest-timestamp cache."""
        self.close()
        raw = self.engine.raw_connection()
        self._conn = raw
        self.dialect.prepare_sample_connection(raw)
        cur = raw.cursor()
        cur.execute("SELECT tag_id, ts FROM latest")
        pairs = cur.fetchall()
        self._newest.replace_all([p[0] for p in pairs], [p[1] for p in pairs])
        cur.close()
        raw.commit()

    def close(self) -> None:
        """Release the connection, stop the watchdog and checkpoint threads (idempotent)."""
        self._watchdog.close()
        if self._checkpointer is not None:
            self._checkpointer.close()
        if self._conn is not None:
            try:
                self.dialect.release_sample_connection(self._conn)
                self._conn.close()
            except Exception:
                log.debug("closing the sample connection failed", exc_info=True)
            self._conn = None

    # -- writing --------------------------------------------------------------------------------
    def write(self, batch: SampleBatch, tags: Iterable[TagInfo] = ()) -> WriteStats:
        """Store a batch sorted by (tag, ts) without in-batch duplicates; one transaction."""
        if self._conn is None:
            self.connect()
        conn = self._conn
        self._watchdog.timeout_s = self.write_timeout_s
        self._watchdog.arm(conn)
        try:
            cur = conn.cursor()
            self.dialect.upsert_tags(cur, list(tags))
            fresh = self._drop_stored(cur, batch)
            inserted = self.dialect.insert_samples(cur, fresh) if len(fresh) else 0
            if inserted != len(fresh):
                log.warning("concurrent writer: %d of %d rows were new", inserted, len(fresh))
                self._rebuild_rollups(cur, fresh)
            else:
                self._merge_rollups(cur, fresh)
            newest = latest_rows(fresh)
            self.dialect.upsert_latest(cur, newest)
            conn.commit()
        except BaseException:
            self._rollback()
            raise
        finally:
            self._watchdog.disarm()
        if self._checkpointer is not None:
            self._checkpointer.request()
        self._newest.raise_to(newest.tag_ids, newest.ts_ns)
        return WriteStats(inserted=inserted, duplicates=len(batch) - len(fresh))

    def write_quarantine(self, records: list[QuarantineRecord]) -> None:
        """Store quarantined inputs (own transaction)."""
        if not records:
            return
        if self._conn is None:
            self.connect()
        try:
            cur = self._conn.cursor()
            insert_quarantine(cur, self.dialect.mark, records)
            self._conn.commit()
        except BaseException:
            self._rollback()
            raise

    def _abort(self, conn: Any) -> None:
        log.warning("database write exceeded %.0f s; aborting it", self.write_timeout_s)
        try:
            self.dialect.abort(conn)
        except Exception:
            log.debug("abort failed", exc_info=True)

    def _rollback(self) -> None:
        try:
            self._conn.rollback()
        except Exception:
            log.debug("rollback failed; dropping the connection", exc_info=True)
            self.close()

    def _drop_stored(self, cur: Any, batch: SampleBatch) -> SampleBatch:
        """Rows not in the table yet (checks only rows at or before a tag's newest stored ts)."""
        if len(batch) == 0:
            return batch
        suspect = batch.ts_ns <= self._newest.per_row(batch.tag_ids)
        if not suspect.any():
            return batch
        keep = ~suspect
        for tag_id in np.unique(batch.tag_ids[suspect]).tolist():
            rows = np.flatnonzero(suspect & (batch.tag_ids == tag_id))
            ts = batch.ts_ns[rows]
            stored = self.dialect.stored_timestamps(cur, tag_id, int(ts.min()), int(ts.max()))
            keep[rows[~np.isin(ts, stored)]] = True
        return batch.take(keep)

    def _merge_rollups(self, cur: Any, batch: SampleBatch) -> None:
        if len(batch) == 0:
            return
        for width_s, rows in rollups(batch, list(ROLLUP_TABLES)).items():
            self.dialect.merge_rollups(cur, ROLLUP_TABLES[width_s].name, rows)

    def _rebuild_rollups(self, cur: Any, batch: SampleBatch) -> None:
        """Recompute every touched bucket from the raw table (slow path, rare)."""
        for width_s, table in ROLLUP_TABLES.items():
            width = width_s * NS_PER_S
            buckets = aggregate(batch, width_s)
            for tag_id, start in zip(
                buckets.tag_ids.tolist(), buckets.buckets.tolist(), strict=True
            ):
                raw = self.dialect.read_raw(cur, tag_id, start, start + width - 1)
                if len(raw):
                    self.dialect.replace_rollups(cur, table.name, aggregate(raw, width_s))
