"""Operator actions and notes of a period: the audit trail and the alarm journal, merged by time.

The audit trail holds logins, logouts, writes, configuration and user changes, signatures and
report events; the alarm journal holds what operators did to alarms (acknowledge, shelve,
comment, out of service, refused attempts). Notes are the free text of the period: the notes
given with the report, operator comments on alarms and maintenance ticket notes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from core.alarms.journal import JournalEntry
from core.alarms.tables import ticket_notes, tickets
from core.reports.context import ReportContext

log = logging.getLogger(__name__)

OPERATOR_EVENTS = frozenset(
    {
        "ack",
        "shelve",
        "unshelve",
        "comment",
        "remove_from_service",
        "return_to_service",
        "refused",
    }
)


@dataclass(frozen=True, slots=True)
class OperatorAction:
    """One thing a person did."""

    ts_ns: int
    user: str
    source: str
    action: str
    target: str
    detail: str
    outcome: str


@dataclass(frozen=True, slots=True)
class Note:
    """A note of the period."""

    ts_ns: int | None
    author: str
    source: str
    text: str


def operator_actions(
    ctx: ReportContext, journal: Sequence[JournalEntry], start_ns: int, end_ns: int
) -> list[OperatorAction]:
    """Audit rows and operator journal rows in ``[start, end)``, by time."""
    out = [
        OperatorAction(
            r.ts_ns,
            r.username,
            "audit",
            r.action,
            r.target,
            " ".join(p for p in (r.detail, r.reason, r.new_value or "") if p),
            r.outcome,
        )
        for r in ctx.security.audit.records(start_ns, end_ns)
        if r.ts_ns < end_ns
    ]
    out += [
        OperatorAction(e.ts_ns, e.user, "alarm journal", e.event, e.alarm, e.comment, "OK")
        for e in journal
        if e.event in OPERATOR_EVENTS and start_ns <= e.ts_ns < end_ns
    ]
    return sorted(out, key=lambda a: (a.ts_ns, a.source, a.action, a.target))


def period_notes(
    ctx: ReportContext,
    journal: Sequence[JournalEntry],
    start_ns: int,
    end_ns: int,
    given: Sequence[str] = (),
) -> list[Note]:
    """Notes given with the report, then alarm comments and people's ticket notes of the period
    (the automatic "repeated" notes of a ticket are counted as its occurrences instead)."""
    out = [Note(None, "report", "report", text) for text in given if text.strip()]
    out += [
        Note(e.ts_ns, e.user, f"alarm {e.alarm}", e.comment)
        for e in journal
        if e.event == "comment" and start_ns <= e.ts_ns < end_ns
    ]
    query = (
        select(ticket_notes.c.ts_ns, ticket_notes.c.author, ticket_notes.c.text, tickets.c.id)
        .join(tickets, tickets.c.id == ticket_notes.c.ticket_id)
        .where(ticket_notes.c.ts_ns >= start_ns, ticket_notes.c.ts_ns < end_ns)
        .where(ticket_notes.c.author != "alarm")
        .order_by(ticket_notes.c.ts_ns, ticket_notes.c.id)
    )
    with ctx.historian.engine.connect() as conn:
        rows = conn.execute(query).all()
    out += [Note(ts, author, f"ticket #{tid}", text) for ts, author, text, tid in rows]
    return out
