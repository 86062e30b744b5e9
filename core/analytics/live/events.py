"""Anomaly events: the value object, durable storage with retry, and queries for lists and trends.

:class:`EventStore` keeps the newest snapshot of every event not yet written and writes them
idempotently (an upsert keyed by ``(tag, start_ns)``), so a store outage delays event rows but
loses none (up to ``max_pending`` events; beyond that the oldest snapshots are dropped and
counted). The HMI marks trends with :func:`list_events`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping, and_, insert, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from core.analytics.live.tables import anomaly_events
from core.counters import Counters

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AnomalyEvent:
    """One anomaly of one tag: an advisory event, never an alarm (ISA-18.2 alert)."""

    tag: str
    detector: str
    start_ns: int
    end_ns: int | None
    """None while the event is open."""
    peak_score: float
    peak_ns: int
    peak_value: float
    """The tag's value at the peak score."""
    baseline_median: float
    baseline_sigma: float
    """The pre-anomaly median and robust sigma the signal is judged against."""
    close_reason: str = ""
    updated_ns: int = 0

    @property
    def is_open(self) -> bool:
        """True until the event has ended."""
        return self.end_ns is None

    @property
    def key(self) -> tuple[str, int]:
        """What identifies the event: ``(tag, start_ns)``."""
        return self.tag, self.start_ns

    def as_dict(self) -> dict[str, Any]:
        """Plain values (JSON-friendly)."""
        return asdict(self)


_FIELDS = tuple(f.name for f in fields(AnomalyEvent))


def _event(row: RowMapping) -> AnomalyEvent:
    return AnomalyEvent(**{name: row[name] for name in _FIELDS})


class EventStore:
    """Buffers event snapshots and writes them in one transaction; retries after a failure."""

    def __init__(
        self,
        engine: Engine,
        counters: Counters,
        *,
        max_pending: int = 10_000,
        retry_interval_s: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.counters = counters
        self.max_pending = max_pending
        self.retry_interval_s = retry_interval_s
        self._monotonic = monotonic
        self._pending: dict[tuple[str, int], AnomalyEvent] = {}
        self._retry_at = 0.0
        self._failing = False

    @property
    def pending(self) -> int:
        """Event snapshots not yet written."""
        return len(self._pending)

    def save(self, event: AnomalyEvent) -> None:
        """Queue the newest state of an event (written by :meth:`flush`)."""
        self._pending[event.key] = event
        while len(self._pending) > self.max_pending:
            dropped = next(iter(self._pending))
            del self._pending[dropped]
            self.counters.add("anomaly.events_dropped")
            log.error("anomaly event %s@%d dropped: too many unwritten events", *dropped)

    def flush(self, force: bool = False) -> bool:
        """Write every pending snapshot; True when nothing is left (False: retried later)."""
        if not self._pending:
            return True
        if not force and self._monotonic() < self._retry_at:
            return False
        batch = list(self._pending.values())
        try:
            with self.engine.begin() as conn:
                for event in batch:
                    _upsert(conn, event)
        except SQLAlchemyError as exc:
            self._retry_at = self._monotonic() + self.retry_interval_s
            self.counters.add("anomaly.event_write_errors")
            if not self._failing:
                log.error("anomaly events not stored (will retry): %s", exc)
            self._failing = True
            return False
        for event in batch:
            if self._pending.get(event.key) == event:
                del self._pending[event.key]
        if self._failing:
            log.info("anomaly events stored again (%d written)", len(batch))
        self._failing = False
        return not self._pending

    def load_open(self) -> list[AnomalyEvent]:
        """Every event still open in the store."""
        stmt = select(anomaly_events).where(anomaly_events.c.end_ns.is_(None))
        with self.engine.connect() as conn:
            return [_event(row) for row in conn.execute(stmt).mappings()]


def _upsert(conn: Connection, event: AnomalyEvent) -> None:
    table = anomaly_events
    row = event.as_dict()
    done = conn.execute(
        update(table)
        .where(and_(table.c.tag == event.tag, table.c.start_ns == event.start_ns))
        .values(**row)
    ).rowcount
    if not done:
        conn.execute(insert(table).values(**row))


def list_events(
    engine: Engine,
    start_ns: int,
    end_ns: int,
    tag: str | None = None,
    open_only: bool = False,
    limit: int | None = None,
) -> list[AnomalyEvent]:
    """Events overlapping ``[start_ns, end_ns]`` (open ones reach to now), oldest first;
    ``limit`` keeps the newest ``limit`` of them."""
    if end_ns < start_ns:
        raise ValueError("end before start")
    table = anomaly_events
    stmt = select(table).where(
        table.c.start_ns <= end_ns, or_(table.c.end_ns.is_(None), table.c.end_ns >= start_ns)
    )
    if tag is not None:
        stmt = stmt.where(table.c.tag == tag)
    if open_only:
        stmt = stmt.where(table.c.end_ns.is_(None))
    stmt = stmt.order_by(table.c.start_ns.desc(), table.c.tag.desc())
    if limit is not None:
        stmt = stmt.limit(max(0, limit))
    with engine.connect() as conn:
        rows = [_event(row) for row in conn.execute(stmt).mappings()]
    return rows[::-1]
