"""Maintenance tickets (work orders) opened from alarms.

Every annunciated activation at or above ``[maintenance] auto_ticket_priority`` opens a ticket
for its alarm, carrying the alarm's cause and corrective action — or, when the alarm already has
a ticket that is not closed, adds the repeat to it (occurrence count and a note). A partial
unique index keeps that "one open ticket per alarm source" true in the database too. The
lifecycle is ``open -> in_progress -> resolved -> closed``; anything else is refused.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from core.alarms.config import AlarmDefinition
from core.alarms.priority import Priority
from core.alarms.states import Transition
from core.alarms.tables import ticket_notes, tickets
from core.model import now_ns

log = logging.getLogger(__name__)


class TicketStatus(StrEnum):
    """Lifecycle of a ticket."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


NEXT_STATUS = {
    TicketStatus.OPEN: TicketStatus.IN_PROGRESS,
    TicketStatus.IN_PROGRESS: TicketStatus.RESOLVED,
    TicketStatus.RESOLVED: TicketStatus.CLOSED,
}
_TIME_COLUMN = {
    TicketStatus.IN_PROGRESS: "started_ns",
    TicketStatus.RESOLVED: "resolved_ns",
    TicketStatus.CLOSED: "closed_ns",
}


class TicketError(ValueError):
    """An unknown ticket or a refused lifecycle step."""


@dataclass(frozen=True, slots=True)
class TicketNote:
    """A note on a ticket (repeats of the alarm are notes too)."""

    ts_ns: int
    author: str
    text: str


@dataclass(frozen=True, slots=True)
class Ticket:
    """One work order."""

    id: int
    source: str
    tag: str
    priority: str
    area: str
    status: str
    title: str
    cause: str
    corrective_action: str
    assignee: str
    occurrences: int
    opened_ns: int
    updated_ns: int
    last_occurrence_ns: int
    started_ns: int | None
    resolved_ns: int | None
    closed_ns: int | None
    notes: list[TicketNote] = field(default_factory=list)


class TicketManager:
    """Opens tickets from alarm transitions (a journal sink) and runs their lifecycle."""

    def __init__(
        self,
        engine: Engine,
        definitions: Iterable[AlarmDefinition],
        auto_ticket_priority: Priority | None,
        *,
        clock: Callable[[], int] = now_ns,
    ) -> None:
        self._engine = engine
        self._definitions = {d.alarm_name: d for d in definitions}
        self._threshold = auto_ticket_priority
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: deque[Transition] = deque()

    # ------------------------------------------------------------------ from alarms

    def record(self, transitions: Sequence[Transition]) -> None:
        """Open or update tickets for qualifying activations (kept and retried if the DB is away)."""
        if self._threshold is None:
            return
        rank = self._threshold.rank
        wanted = [
            t for t in transitions if t.is_annunciation and Priority.rank_of(t.priority) >= rank
        ]
        with self._lock:
            self._pending.extend(wanted)
            while self._pending:
                try:
                    self._open_or_repeat(self._pending[0])
                except TicketError:
                    log.exception("tickets: giving up on %s", self._pending[0].alarm)
                except SQLAlchemyError as exc:
                    log.warning(
                        "tickets: store unavailable (%s); %d waiting", exc, len(self._pending)
                    )
                    return
                self._pending.popleft()

    def _open_or_repeat(self, t: Transition) -> None:
        for _ in range(2):
            try:
                with self._engine.begin() as conn:
                    self._open_or_repeat_in(conn, t)
                return
            except IntegrityError:
                log.info("tickets: concurrent open for %s, adding as a repeat", t.alarm)
        raise TicketError(f"could not open a ticket for {t.alarm}")

    def _open_or_repeat_in(self, conn: Connection, t: Transition) -> None:
        c = tickets.c
        found = conn.execute(
            select(c.id).where(c.source == t.alarm, c.status != TicketStatus.CLOSED.value)
        ).scalar()
        if found is not None:
            conn.execute(
                update(tickets)
                .where(c.id == found)
                .values(
                    occurrences=c.occurrences + 1, last_occurrence_ns=t.ts_ns, updated_ns=t.ts_ns
                )
            )
            self._note(conn, found, t.ts_ns, "alarm", f"repeated: value {t.value}")
            return
        d = self._definitions.get(t.alarm)
        conn.execute(insert(tickets).values(**_new_ticket(t, d)))

    # ------------------------------------------------------------------ lifecycle

    def advance(self, ticket_id: int, to: TicketStatus | str, user: str, note: str = "") -> Ticket:
        """Move a ticket one step along its lifecycle; anything else raises :class:`TicketError`."""
        target = TicketStatus(to)
        now = self._clock()
        with self._engine.begin() as conn:
            current = TicketStatus(self._status(conn, ticket_id))
            if NEXT_STATUS.get(current) is not target:
                raise TicketError(f"ticket {ticket_id}: {current.value} -> {target.value} refused")
            conn.execute(
                update(tickets)
                .where(tickets.c.id == ticket_id)
                .values({"status": target.value, "updated_ns": now, _TIME_COLUMN[target]: now})
            )
            text = f"{current.value} -> {target.value}" + (f": {note}" if note else "")
            self._note(conn, ticket_id, now, user, text)
        return self.get(ticket_id)

    def assign(self, ticket_id: int, assignee: str, user: str) -> Ticket:
        """Set the assignee of a ticket that is not closed."""
        now = self._clock()
        with self._engine.begin() as conn:
            if self._status(conn, ticket_id) == TicketStatus.CLOSED.value:
                raise TicketError(f"ticket {ticket_id} is closed")
            conn.execute(
                update(tickets)
                .where(tickets.c.id == ticket_id)
                .values(assignee=assignee, updated_ns=now)
            )
            self._note(conn, ticket_id, now, user, f"assigned to {assignee}")
        return self.get(ticket_id)

    def add_note(self, ticket_id: int, author: str, text: str) -> Ticket:
        """Add a note."""
        if not text.strip():
            raise TicketError("empty note")
        now = self._clock()
        with self._engine.begin() as conn:
            self._status(conn, ticket_id)
            conn.execute(update(tickets).where(tickets.c.id == ticket_id).values(updated_ns=now))
            self._note(conn, ticket_id, now, author, text)
        return self.get(ticket_id)

    # ------------------------------------------------------------------ queries

    def get(self, ticket_id: int) -> Ticket:
        """One ticket with its notes."""
        with self._engine.connect() as conn:
            row = conn.execute(select(tickets).where(tickets.c.id == ticket_id)).mappings().first()
            if row is None:
                raise TicketError(f"no ticket {ticket_id}")
            notes = conn.execute(
                select(ticket_notes.c.ts_ns, ticket_notes.c.author, ticket_notes.c.text)
                .where(ticket_notes.c.ticket_id == ticket_id)
                .order_by(ticket_notes.c.id)
            )
            return Ticket(**dict(row), notes=[TicketNote(*n) for n in notes])

    def tickets(self, status: str | None = None) -> list[Ticket]:
        """Tickets (without notes), newest first, optionally of one status."""
        query = select(tickets).order_by(tickets.c.id.desc())
        if status is not None:
            query = query.where(tickets.c.status == status)
        with self._engine.connect() as conn:
            return [Ticket(**dict(r)) for r in conn.execute(query).mappings()]

    @staticmethod
    def _status(conn: Connection, ticket_id: int) -> str:
        status = conn.execute(select(tickets.c.status).where(tickets.c.id == ticket_id)).scalar()
        if status is None:
            raise TicketError(f"no ticket {ticket_id}")
        return str(status)

    @staticmethod
    def _note(conn: Connection, ticket_id: int, ts: int, author: str, text: str) -> None:
        conn.execute(
            insert(ticket_notes).values(ticket_id=ticket_id, ts_ns=ts, author=author, text=text)
        )


def _new_ticket(t: Transition, d: AlarmDefinition | None) -> dict[str, Any]:
    return {
        "source": t.alarm,
        "tag": t.tag,
        "priority": t.priority,
        "area": t.area,
        "status": TicketStatus.OPEN.value,
        "title": d.text if d is not None else t.alarm,
        "cause": d.cause if d is not None else "",
        "corrective_action": d.corrective_action if d is not None else "",
        "occurrences": 1,
        "opened_ns": t.ts_ns,
        "updated_ns": t.ts_ns,
        "last_occurrence_ns": t.ts_ns,
    }
