"""The notification outbox: every notification as a row, with its delivery status.

Status: ``pending`` (waiting for its first or next attempt), ``sent``, ``failed`` (gave up
after the rule's attempts), ``rate_limited`` (not sent: the rule's rate limit was reached).
``attempts`` and ``last_error`` make failed and retried sends visible.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, func, insert, select, update

from core.alarms.tables import notifications


class OutboxStatus(StrEnum):
    """Delivery status of an outbox row."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    RATE_LIMITED = "rate_limited"


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One notification row."""

    id: int
    created_ns: int
    rule: str
    channel: str
    alarm: str
    event: str
    priority: str
    subject: str
    body: str
    status: str
    attempts: int
    next_attempt_ns: int
    last_error: str
    sent_ns: int | None


class Outbox:
    """Reads and writes ``notifications``."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, rows: list[dict[str, Any]]) -> None:
        """Insert new notifications (keys: the columns but id/attempts/last_error/sent_ns)."""
        if rows:
            with self._engine.begin() as conn:
                conn.execute(insert(notifications), rows)

    def due(self, now_ns: int, limit: int = 100) -> list[OutboxItem]:
        """Pending rows whose next attempt is due, oldest first."""
        n = notifications.c
        query = (
            select(notifications)
            .where(n.status == OutboxStatus.PENDING.value, n.next_attempt_ns <= now_ns)
            .order_by(n.next_attempt_ns, n.id)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [OutboxItem(**r) for r in conn.execute(query).mappings()]

    def mark_sent(self, item_id: int, now_ns: int) -> None:
        """The row was delivered."""
        self._update(
            item_id,
            status=OutboxStatus.SENT.value,
            sent_ns=now_ns,
            attempts=notifications.c.attempts + 1,
        )

    def mark_failed(
        self, item_id: int, error: str, attempts: int, next_attempt_ns: int | None
    ) -> None:
        """A delivery attempt failed; retry at ``next_attempt_ns``, or give up when None."""
        values: dict[str, Any] = {"attempts": attempts, "last_error": error[:2000]}
        if next_attempt_ns is None:
            values["status"] = OutboxStatus.FAILED.value
        else:
            values["status"] = OutboxStatus.PENDING.value
            values["next_attempt_ns"] = next_attempt_ns
        self._update(item_id, **values)

    def _update(self, item_id: int, **values: Any) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(notifications).where(notifications.c.id == item_id).values(values))

    def items(self, status: str | None = None, limit: int = 1000) -> list[OutboxItem]:
        """Rows, newest first (optionally of one status)."""
        query = select(notifications).order_by(notifications.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(notifications.c.status == status)
        with self._engine.connect() as conn:
            return [OutboxItem(**r) for r in conn.execute(query).mappings()]

    def counts(self) -> dict[str, int]:
        """Rows per status."""
        query = select(notifications.c.status, func.count()).group_by(notifications.c.status)
        with self._engine.connect() as conn:
            return {str(status): int(n) for status, n in conn.execute(query)}
