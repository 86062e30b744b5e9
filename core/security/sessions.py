"""Sessions in the store: who is logged on at which station, since when, last activity.

Kept in the database so every station (and the supervisor's office PC) sees the same list.
Ended sessions stay as rows with ``ended_ns`` and ``end_reason`` (logout, idle, switched, ...).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, insert, select, update

from core.security.tables import user_sessions


@dataclass(frozen=True, slots=True)
class Session:
    """An active session (``id`` is random and only identifies it inside this installation)."""

    id: str
    username: str
    station: str
    since_ns: int
    last_activity_ns: int


def _session(row: Any) -> Session:
    return Session(row.id, row.username, row.station, row.since_ns, row.last_activity_ns)


class SessionStore:
    """The ``user_sessions`` table."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def start(self, username: str, station: str, now_ns: int) -> Session:
        """Open a session."""
        session = Session(secrets.token_hex(16), username, station, now_ns, now_ns)
        with self._engine.begin() as conn:
            conn.execute(
                insert(user_sessions).values(
                    id=session.id,
                    username=username,
                    station=station,
                    since_ns=now_ns,
                    last_activity_ns=now_ns,
                )
            )
        return session

    def get(self, session_id: str) -> Session | None:
        """The session while it is active, else None."""
        with self._engine.connect() as conn:
            row = conn.execute(
                select(user_sessions).where(
                    user_sessions.c.id == session_id, user_sessions.c.ended_ns.is_(None)
                )
            ).first()
        return _session(row) if row is not None else None

    def touch(self, session_id: str, now_ns: int) -> None:
        """Record activity."""
        with self._engine.begin() as conn:
            conn.execute(
                update(user_sessions)
                .where(user_sessions.c.id == session_id, user_sessions.c.ended_ns.is_(None))
                .values(last_activity_ns=now_ns)
            )

    def end(self, session_id: str, now_ns: int, reason: str) -> bool:
        """End a session; False when it had ended already."""
        with self._engine.begin() as conn:
            done = conn.execute(
                update(user_sessions)
                .where(user_sessions.c.id == session_id, user_sessions.c.ended_ns.is_(None))
                .values(ended_ns=now_ns, end_reason=reason[:32])
            )
        return done.rowcount > 0

    def active(self, station: str | None = None, username: str | None = None) -> list[Session]:
        """Active sessions (optionally of one station or user), oldest first."""
        query = select(user_sessions).where(user_sessions.c.ended_ns.is_(None))
        if station is not None:
            query = query.where(user_sessions.c.station == station)
        if username is not None:
            query = query.where(user_sessions.c.username == username)
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(user_sessions.c.since_ns)).all()
        return [_session(r) for r in rows]

    def idle_since(self, cutoff_ns: int) -> list[Session]:
        """Active sessions with no activity after ``cutoff_ns``."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(user_sessions).where(
                    user_sessions.c.ended_ns.is_(None),
                    user_sessions.c.last_activity_ns <= cutoff_ns,
                )
            ).all()
        return [_session(r) for r in rows]
