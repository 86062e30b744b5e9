"""Store-and-forward spool: batches wait on disk while the database is unreachable or too slow.

The historian writer appends a :class:`~core.model.SampleBatch` when a database write fails and
replays the spool oldest first: ``peek()`` the oldest pending record, write it, then ``ack(seq)``
(or ``fail(seq, reason)``). A record leaves the spool only after ``ack`` (design rule 1); after
``max_attempts`` failures it is moved to the ``poison/`` quarantine so it cannot block the rest.

Layout of ``directory``: append-only segment files (format in :mod:`core.store.spool_format`),
``cursor.json`` (last acknowledged sequence number, replaced atomically), ``poison/`` and ``LOCK``
(one process per spool). A segment is deleted once every record in it is acknowledged.

Durability: with ``fsync=True`` every ``append`` is flushed and ``os.fsync``-ed before it returns
and the cursor is fsync-ed on every ``ack``: one or two disk flushes per call. Measured on the
2-core dev VM with 500-row batches: append 3.7 ms (fsync) vs 0.01 ms, peek+ack 1.5 ms vs 0.6 ms;
a spinning disk costs 5-20 ms per flush. So spool whole batches, never single samples.
``fsync=False`` survives an application crash (the data is in the OS cache) but not a power loss.

Recovery on open: every segment is scanned and every record CRC-checked. A torn record at the end
(crash mid-append) is truncated away; a corrupt record elsewhere is skipped. Both are logged and
counted in ``stats()["corrupt_skipped"]`` (records lost, from the gap in sequence numbers).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from core.model import SampleBatch, now_ns
from core.store.spool_format import Record, encode_record
from core.store.spool_poison import PoisonedRecord, PoisonError, PoisonStore
from core.store.spool_recovery import Cursor, load_cursor, save_cursor, scan_segments
from core.store.spool_segment import (
    DirectoryLock,
    Segment,
    SegmentFiles,
    SpoolInUseError,
    fsync_dir,
    list_segments,
)

__all__ = ["PoisonError", "PoisonedRecord", "Spool", "SpoolFull", "SpoolInUseError"]

log = logging.getLogger(__name__)


class SpoolFull(Exception):
    """The spool holds ``max_bytes`` already: the caller drops the batch and counts it."""


class Spool:
    """A durable FIFO of sample batches with acknowledgement and a poison quarantine.

    Thread-safe: every public method holds one lock. Counters in :meth:`stats` (except
    ``pending``, ``segments`` and ``quarantined``) count since this object was opened; the
    failed-attempt count of the oldest record survives a restart (it is in the cursor).
    ``max_bytes`` bounds the segment files on disk (the already consumed part of the oldest
    segment included, the ``poison/`` quarantine not).
    """

    def __init__(
        self,
        directory: Path,
        *,
        segment_bytes: int = 16 << 20,
        max_bytes: int = 2 << 30,
        fsync: bool = True,
        max_attempts: int = 3,
        clock: Callable[[], int] = now_ns,
    ) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.max_bytes, self.max_attempts = max_bytes, max_attempts
        self._fsync, self._clock = fsync, clock
        self._lock = threading.Lock()
        self._dir_lock = DirectoryLock(self.directory / "LOCK")
        self._poison = PoisonStore(self.directory / "poison", fsync=fsync)
        cursor = load_cursor(self.directory)
        self._committed = self._persisted = cursor.committed
        self._attempts = (cursor.attempt_seq, cursor.attempts)
        self._peeked: Record | None = None
        self._counts = {"appended": 0, "replayed": 0, "poisoned": 0, "corrupt_skipped": 0}
        self._closed = False
        self._next_seq, self._pending = self._committed + 1, 0
        self._known_gaps: set[int] = set()
        try:
            self._files = self._recover(segment_bytes)
            self._load_head()
        except BaseException:
            self._dir_lock.release()
            raise

    # ---------------------------------------------------------------- public API
    def append(self, batch: SampleBatch) -> int:
        """Store ``batch`` durably at the end; returns its sequence number. Raises SpoolFull."""
        with self._lock:
            return self._append(batch)

    def peek(self) -> tuple[int, SampleBatch] | None:
        """The oldest unacknowledged record as (seq, batch), or None when the spool is empty."""
        with self._lock:
            self._check_open()
            record = self._load_head()
            return None if record is None else (record.seq, record.batch())

    def ack(self, seq: int) -> None:
        """Records up to ``seq`` are stored in the database: drop them (deleting used segments)."""
        with self._lock:
            self._check_open()
            if seq <= self._committed:
                return
            if seq >= self._next_seq:
                raise ValueError(f"spool record {seq} was never appended")
            record = self._load_head()
            while record is not None and record.seq <= seq:
                self._consume(record)
                self._counts["replayed"] += 1
                record = self._load_head()
            self._committed = max(self._committed, seq)
            self._write_cursor()
            self._drop_consumed_segment()

    def fail(self, seq: int, reason: str) -> bool:
        """Count a failed write of the oldest record; quarantine it (True) at ``max_attempts``."""
        with self._lock:
            self._check_open()
            record = self._load_head()
            if record is None or seq < record.seq:
                return False
            if seq > record.seq:
                raise ValueError(f"fail({seq}) but the oldest pending record is {record.seq}")
            attempts = self._attempts[1] + 1 if self._attempts[0] == seq else 1
            self._attempts = (seq, attempts)
            if attempts < self.max_attempts:
                log.warning(
                    "spool record %d failed (%d/%d): %s", seq, attempts, self.max_attempts, reason
                )
                self._write_cursor()
                return False
            self._poison.put(record, reason, attempts, self._clock())
            self._consume(record)
            self._counts["poisoned"] += 1
            self._write_cursor()
            self._drop_consumed_segment()
            log.error("spool record %d quarantined after %d attempts: %s", seq, attempts, reason)
            return True

    def pending_records(self) -> int:
        """Records appended and not yet acknowledged or quarantined."""
        with self._lock:
            return self._pending

    def pending_bytes(self) -> int:
        """Bytes on disk from the oldest pending record to the end."""
        with self._lock:
            return self._files.pending_bytes

    def stats(self) -> dict[str, int]:
        """Counters: appended, replayed, poisoned, corrupt_skipped, segments, pending, ..."""
        with self._lock:
            return {
                **self._counts,
                "segments": len(self._files.segments),
                "pending": self._pending,
                "pending_bytes": self._files.pending_bytes,
                "disk_bytes": self._files.disk_bytes,
                "quarantined": self._poison.count(),
            }

    def poisoned(self) -> list[PoisonedRecord]:
        """Every record in quarantine, oldest first."""
        with self._lock:
            return self._poison.list()

    def take_poisoned(self, seq: int) -> SampleBatch:
        """Remove record ``seq`` from quarantine and return its batch (the caller now owns it)."""
        with self._lock:
            return self._poison.take(seq)

    def requeue_poisoned(self, seq: int) -> int:
        """Append a quarantined record again at the end, then drop it from quarantine: new seq."""
        with self._lock:
            new_seq = self._append(self._poison.load(seq))
            self._poison.delete(seq)
            return new_seq

    def delete_poisoned(self, seq: int) -> None:
        """Discard a quarantined record for good."""
        with self._lock:
            self._poison.delete(seq)

    def close(self) -> None:
        """Close every file and release the directory lock (idempotent)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._files.close()
                self._dir_lock.release()

    def __enter__(self) -> Spool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ---------------------------------------------------------------- internals
    def _append(self, batch: SampleBatch) -> int:
        self._check_open()
        data = encode_record(self._next_seq, batch)
        if self._files.disk_bytes + len(data) > self.max_bytes:
            raise SpoolFull(f"spool {self.directory} holds {self._files.disk_bytes} bytes")
        self._files.append(self._next_seq, data)
        seq, self._next_seq = self._next_seq, self._next_seq + 1
        self._pending += 1
        self._counts["appended"] += 1
        return seq

    def _load_head(self) -> Record | None:
        """Find (and cache) the oldest pending record, skipping corrupt and finished data."""
        while self._peeked is None and self._files.segments:
            record = self._files.read_head()
            if record is None:
                if len(self._files.segments) == 1:
                    return None
                self._drop_head_segment()
            elif record.seq <= self._committed:
                self._files.head_offset = record.end
            else:
                self._check_gap(record.seq)
                if not self._poison.contains(record.seq):
                    self._peeked = record
                    break
                log.warning("spool record %d is already quarantined: skipped", record.seq)
                self._consume(record)
        return self._peeked

    def _check_gap(self, seq: int) -> None:
        lost = seq - self._committed - 1
        if lost > 0 and seq not in self._known_gaps:
            self._known_gaps.add(seq)
            self._counts["corrupt_skipped"] += lost
            self._pending = max(0, self._pending - lost)
            log.error("spool records %d..%d are corrupt and were skipped", seq - lost, seq - 1)

    def _consume(self, record: Record) -> None:
        self._files.head_offset = record.end
        self._peeked = None
        self._committed = record.seq
        self._attempts = (0, 0)
        self._pending = max(0, self._pending - 1)

    def _drop_consumed_segment(self) -> None:
        if self._peeked is None and self._files.head_exhausted():
            self._drop_head_segment()

    def _drop_head_segment(self) -> None:
        """Delete the oldest segment; the cursor covering its records is made durable first."""
        if self._persisted < self._committed:
            self._write_cursor()
        self._files.drop_head()

    def _write_cursor(self) -> None:
        cursor = Cursor(self._committed, *self._attempts)
        save_cursor(self.directory, cursor, fsync=self._fsync)
        self._persisted = self._committed

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError(f"spool {self.directory} is closed")

    def _recover(self, segment_bytes: int) -> SegmentFiles:
        found = [
            Segment(first, path, path.stat().st_size)
            for first, path in list_segments(self.directory)
        ]
        result = scan_segments(found, self._committed)
        self._counts["corrupt_skipped"] += result.corrupt
        self._known_gaps, self._pending = result.known_gaps, result.pending
        self._next_seq = result.expected
        head_index, head_offset = result.head or (len(found), 0)
        for segment in found[:head_index]:
            segment.path.unlink()
        if head_index and self._fsync:
            fsync_dir(self.directory)
        kept = found[head_index:]
        return SegmentFiles(
            self.directory, kept, head_offset, segment_bytes=segment_bytes, fsync=self._fsync
        )
