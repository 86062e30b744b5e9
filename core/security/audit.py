"""The append-only, hash-chained audit trail (21 CFR Part 11 section 11.10(e)).

Every append runs in one durable transaction (SQLite ``synchronous=FULL`` from the store's
engine; ``synchronous_commit=on`` forced on PostgreSQL) that reads the head, assigns the next
seq and inserts; seqs come from the table, never from the clock, so they stay monotonic when
the wall clock steps back. After the commit the signed checkpoint file is advanced.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, tzinfo

from sqlalchemy import Connection, Engine, and_, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from core.model import now_ns
from core.security.chain import (
    GENESIS,
    STORED_FIELDS,
    Anchor,
    ChainHasher,
    VerifyReport,
    verify_chain,
)
from core.security.checkpoint import Checkpoint, CheckpointError, CheckpointFile
from core.security.events import AuditEvent, AuditRecord, Outcome, utc_offset_s
from core.security.tables import audit_trail

log = logging.getLogger(__name__)

APPEND_ATTEMPTS = 8
PG_LOCK_ID = 0x434F4E5452  # pg_advisory_xact_lock key of the audit appender ("CONTR")
_COLUMNS = [audit_trail.c[name] for name in STORED_FIELDS]
_PAGE = (
    f"SELECT {', '.join(STORED_FIELDS)} FROM audit_trail"
    " WHERE seq > {after} ORDER BY seq LIMIT {batch}"
)


class AuditError(RuntimeError):
    """The audit row could not be written (the action it records must not proceed)."""


class AuditTrail:
    """Append, read and verify the audit trail of one store."""

    def __init__(
        self,
        engine: Engine,
        key: bytes,
        checkpoint: CheckpointFile,
        *,
        clock: Callable[[], int] = now_ns,
        zone: tzinfo = UTC,
    ) -> None:
        self._engine = engine
        self._key = key
        self._hasher = ChainHasher(key)
        self.checkpoint = checkpoint
        self._clock = clock
        self._zone = zone
        self._lock = threading.Lock()
        self.tamper_suspected = False
        """Set when the checkpoint no longer matches the trail; appends go on, the anchor stays."""

    # -- appending ------------------------------------------------------------------------------
    def append(self, event: AuditEvent) -> AuditRecord:
        """Record one event durably; raises :class:`AuditError` when it cannot be stored."""
        return self.append_many([event])[0]

    def append_many(self, events: Sequence[AuditEvent]) -> list[AuditRecord]:
        """Record events in one transaction (consecutive seqs), then advance the checkpoint."""
        if not events:
            return []
        with self._lock:
            records = self._insert_with_retry(events)
            self._advance_checkpoint(records[0], records[-1])
        return records

    def _insert_with_retry(self, events: Sequence[AuditEvent]) -> list[AuditRecord]:
        last_error: Exception | None = None
        for _ in range(APPEND_ATTEMPTS):
            try:
                with self._engine.begin() as conn:
                    self._serialize(conn)
                    records = self._build(events, *self._head(conn))
                    conn.execute(insert(audit_trail), [_row(r) for r in records])
                return records
            except (IntegrityError, OperationalError) as exc:
                last_error = exc
                log.debug("audit append raced with another writer; retrying", exc_info=True)
        raise AuditError(f"cannot append to the audit trail: {type(last_error).__name__}")

    def _serialize(self, conn: Connection) -> None:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL synchronous_commit = on"))
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_ID})

    @staticmethod
    def _head(conn: Connection) -> tuple[int, str]:
        row = conn.execute(
            select(audit_trail.c.seq, audit_trail.c.hash)
            .order_by(audit_trail.c.seq.desc())
            .limit(1)
        ).first()
        return (int(row[0]), str(row[1])) if row is not None else (0, GENESIS)

    def _build(self, events: Sequence[AuditEvent], seq: int, prev: str) -> list[AuditRecord]:
        ts = self._clock()
        offset = utc_offset_s(ts, self._zone)
        records = []
        for event in events:
            seq += 1
            content = (
                seq,
                ts,
                offset,
                event.username,
                event.role,
                event.station,
                str(event.action),
                event.target,
                event.old_value,
                event.new_value,
                event.reason,
                str(event.outcome),
                event.detail,
                event.ref_seq,
            )
            digest = self._hasher.link(prev, content)
            records.append(AuditRecord(*content, prev_hash=prev, hash=digest))
            prev = digest
        return records

    # -- the external anchor --------------------------------------------------------------------
    def _advance_checkpoint(self, first: AuditRecord, head: AuditRecord) -> None:
        try:
            current = self.checkpoint.read()
        except CheckpointError:
            self.checkpoint.set_aside()
            self.tamper_suspected = True
            return
        if self.tamper_suspected:
            log.error("audit checkpoint not advanced: run 'controldeck audit verify'")
            return
        normal = _follows(current, first)
        if not normal and not self._checkpoint_consistent(current):
            self.tamper_suspected = True
            log.error(
                "audit checkpoint does not match the trail (possible tampering); not advanced"
            )
            return
        if current is None or head.seq > current.seq:
            signed = Checkpoint.sign(self._key, head.seq, head.hash, self._clock())
            try:
                self.checkpoint.write(signed)
            except OSError as exc:
                # The row is durable; verify accepts rows beyond the checkpoint.
                log.error("audit checkpoint %s not written: %s", self.checkpoint.path, exc)

    def _checkpoint_consistent(self, current: Checkpoint | None) -> bool:
        """A checkpoint that is not the previous head must still name a row of the trail."""
        if current is None:
            return False
        if not current.authentic(self._key):
            return False
        with self._engine.connect() as conn:
            stored = conn.execute(
                select(audit_trail.c.hash).where(audit_trail.c.seq == current.seq)
            ).scalar()
        return stored == current.hash

    # -- reading --------------------------------------------------------------------------------
    def head_seq(self) -> int:
        """The highest seq (0 when the trail is empty)."""
        with self._engine.connect() as conn:
            return int(
                conn.execute(
                    select(audit_trail.c.seq).order_by(audit_trail.c.seq.desc()).limit(1)
                ).scalar()
                or 0
            )

    def iter_rows(self, batch: int = 50_000) -> Iterator[tuple[object, ...]]:
        """Every row in seq order, as tuples in :data:`STORED_FIELDS` order (keyset paging).

        Reads through the DB-API cursor: verifying a million rows is dominated by row
        handling, and plain tuples are what the chain check needs.
        """
        after = 0
        while True:
            with self._engine.connect() as conn:
                cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
                try:
                    cursor.execute(_PAGE.format(after=int(after), batch=int(batch)))
                    chunk = cursor.fetchall()
                finally:
                    cursor.close()
            yield from chunk
            if len(chunk) < batch:
                return
            after = int(chunk[-1][0])

    def records(
        self, start_ns: int | None = None, end_ns: int | None = None, *, after_seq: int = 0
    ) -> list[AuditRecord]:
        """Rows with ``start_ns <= ts_ns <= end_ns`` (either open), in seq order."""
        conditions = [audit_trail.c.seq > after_seq]
        if start_ns is not None:
            conditions.append(audit_trail.c.ts_ns >= start_ns)
        if end_ns is not None:
            conditions.append(audit_trail.c.ts_ns <= end_ns)
        query = select(*_COLUMNS).where(and_(*conditions)).order_by(audit_trail.c.seq)
        with self._engine.connect() as conn:
            return [AuditRecord(*row) for row in conn.execute(query)]

    # -- verification ---------------------------------------------------------------------------
    def verify(self, *, use_checkpoint: bool = True) -> VerifyReport:
        """Verify the whole trail; with ``use_checkpoint`` the external anchor must match too."""
        anchor, anchor_problem = self._anchor() if use_checkpoint else (None, "")
        report = verify_chain(self.iter_rows(), self._key, anchor)
        if report.ok and anchor_problem:
            return replace(report, ok=False, problem=anchor_problem)
        return report

    def _anchor(self) -> tuple[Anchor | None, str]:
        try:
            stored = self.checkpoint.read()
        except CheckpointError as exc:
            return None, str(exc)
        if stored is None:
            if self.head_seq() == 0:
                return None, ""
            return None, f"checkpoint {self.checkpoint.path} missing: the tail cannot be proven"
        if not stored.authentic(self._key):
            return None, f"checkpoint {self.checkpoint.path}: signature invalid"
        return stored.anchor, ""

    def reanchor(self) -> Checkpoint:
        """Write a fresh checkpoint at the current head after the chain verified by key alone.

        For a restored installation or a lost checkpoint file; raises :class:`AuditError` when
        the chain itself is broken.
        """
        with self._lock:
            report = verify_chain(self.iter_rows(), self._key)
            if not report.ok:
                raise AuditError(report.describe())
            checkpoint = Checkpoint.sign(
                self._key, report.head_seq, report.head_hash, self._clock()
            )
            self.checkpoint.write(checkpoint)
            self.tamper_suspected = False
        log.warning("audit checkpoint re-anchored at seq %d", report.head_seq)
        return checkpoint

    # -- writes interrupted by a crash ---------------------------------------------------------
    def unresolved_pending(self) -> list[AuditRecord]:
        """``PENDING`` rows with no completion row referring to them (the process died between)."""
        with self._engine.connect() as conn:
            done = select(audit_trail.c.ref_seq).where(audit_trail.c.ref_seq.is_not(None))
            rows = conn.execute(
                select(*_COLUMNS)
                .where(
                    audit_trail.c.outcome == Outcome.PENDING.value, audit_trail.c.seq.not_in(done)
                )
                .order_by(audit_trail.c.seq)
            ).all()
        return [AuditRecord(*row) for row in rows]


def _follows(current: Checkpoint | None, first: AuditRecord) -> bool:
    """True when ``first`` is the row right after the checkpointed one (the usual append)."""
    if current is None:
        return first.seq == 1
    return current.seq == first.seq - 1 and current.hash == first.prev_hash


def _row(record: AuditRecord) -> dict[str, object]:
    return dict(zip(STORED_FIELDS, record.stored(), strict=True))
