"""The alarm journal: every transition, durably, with time, value, user and comment.

:class:`SqlJournal` writes each batch of transitions (and the resulting alarm states) in one
transaction. When the database is away the rows wait in memory, in order, and are written
first on the next call (or :meth:`SqlJournal.flush`): the alarm path never needs the database
to keep working, and nothing is dropped unless the bound is reached (then counted).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import SQLAlchemyError

from core.alarms.state_store import upsert_states
from core.alarms.states import AlarmStateRow, Transition
from core.alarms.tables import alarm_journal

log = logging.getLogger(__name__)

DEFAULT_MAX_PENDING = 1_000_000


class JournalSink(Protocol):
    """Receives every batch of transitions the engine produces, in order."""

    def record(self, transitions: Sequence[Transition]) -> None:
        """Take a batch of transitions (must not block for long; must not raise for I/O)."""
        ...


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One stored journal row."""

    id: int
    ts_ns: int
    alarm: str
    tag: str
    event: str
    from_state: str
    to_state: str
    value: float | None
    priority: str
    area: str
    position: str
    user: str
    comment: str
    flood: bool


def transition_to_row(t: Transition) -> dict[str, Any]:
    """A transition as an ``alarm_journal`` row."""
    return {
        "ts_ns": t.ts_ns,
        "alarm": t.alarm,
        "tag": t.tag,
        "event": t.event.value,
        "from_state": t.from_state.value,
        "to_state": t.to_state.value,
        "value": t.value,
        "priority": t.priority,
        "area": t.area,
        "position": t.position,
        "username": t.user,
        "comment": t.comment,
        "flood": t.flood,
    }


class MemoryJournal:
    """Keeps transitions in a list (tests, and stations without a store)."""

    def __init__(self) -> None:
        self.transitions: list[Transition] = []

    def record(self, transitions: Sequence[Transition]) -> None:
        """Append the batch."""
        self.transitions.extend(transitions)


class FanoutJournal:
    """Passes each batch to several sinks in order (journal first, then notifier, tickets...).

    A failing sink is logged and does not stop the others.
    """

    def __init__(self, sinks: Iterable[JournalSink]) -> None:
        self.sinks = list(sinks)

    def record(self, transitions: Sequence[Transition]) -> None:
        """Give the batch to every sink."""
        for sink in self.sinks:
            try:
                sink.record(transitions)
            except Exception:
                log.exception("alarm journal sink %s failed", type(sink).__name__)


class SqlJournal:
    """Writes transitions to ``alarm_journal`` and their states to ``alarm_state``."""

    def __init__(self, engine: Engine, max_pending: int = DEFAULT_MAX_PENDING) -> None:
        self._engine = engine
        self._pending: deque[Transition] = deque()
        self._max_pending = max_pending
        self._lock = threading.Lock()
        self._failing = False
        self.written = 0
        self.dropped = 0
        """Transitions lost because the pending bound was reached while the store was away."""

    @property
    def pending(self) -> int:
        """Transitions waiting for the store."""
        return len(self._pending)

    def record(self, transitions: Sequence[Transition]) -> None:
        """Queue the batch and write everything pending in one transaction."""
        with self._lock:
            self._pending.extend(transitions)
            overflow = len(self._pending) - self._max_pending
            for _ in range(max(overflow, 0)):
                self._pending.popleft()
                self.dropped += 1
            if overflow > 0:
                log.error("alarm journal: store away, %d transitions dropped", self.dropped)
            self._write()

    def flush(self) -> bool:
        """Try to write what is pending; True when nothing is left."""
        with self._lock:
            self._write()
            return not self._pending

    def _write(self) -> None:
        if not self._pending:
            return
        batch = list(self._pending)
        states = _latest_states(batch)
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(alarm_journal), [transition_to_row(t) for t in batch])
                upsert_states(conn, states)
        except SQLAlchemyError as exc:
            if not self._failing:
                log.warning("alarm journal: store unavailable (%s); keeping rows in memory", exc)
            self._failing = True
            return
        if self._failing:
            log.info("alarm journal: store back, %d pending transitions written", len(batch))
        self._failing = False
        self._pending.clear()
        self.written += len(batch)


def _latest_states(batch: Sequence[Transition]) -> list[AlarmStateRow]:
    latest: dict[str, AlarmStateRow] = {}
    for t in batch:
        if t.after is not None:
            latest[t.alarm] = t.after
    return list(latest.values())


def read_journal(
    engine: Engine,
    start_ns: int | None = None,
    end_ns: int | None = None,
    alarm: str | None = None,
    limit: int | None = None,
) -> list[JournalEntry]:
    """Journal rows with ``start_ns <= ts_ns < end_ns`` (either bound optional), oldest first."""
    j = alarm_journal.c
    query = select(alarm_journal).order_by(j.ts_ns, j.id)
    if start_ns is not None:
        query = query.where(j.ts_ns >= start_ns)
    if end_ns is not None:
        query = query.where(j.ts_ns < end_ns)
    if alarm is not None:
        query = query.where(j.alarm == alarm)
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as conn:
        return [_entry(r) for r in conn.execute(query).mappings()]


def _entry(row: Any) -> JournalEntry:
    data = dict(row)
    data["user"] = data.pop("username")
    data["flood"] = bool(data["flood"])
    return JournalEntry(**data)
