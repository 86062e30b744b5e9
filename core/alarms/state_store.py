"""The current state of every alarm in the store, so alarms survive a restart.

:class:`~core.alarms.journal.SqlJournal` upserts the state rows in the same transaction as the
journal rows that changed them; at start-up the engine is restored from :meth:`AlarmStateStore.load`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from core.alarms.states import AlarmState, AlarmStateRow
from core.alarms.tables import alarm_state


def state_to_row(state: AlarmStateRow) -> dict[str, Any]:
    """A state as a row of ``alarm_state``."""
    row = asdict(state)
    row["state"] = state.state.value
    return row


def row_to_state(row: Any) -> AlarmStateRow:
    """A row of ``alarm_state`` (mapping) as a state."""
    data = dict(row)
    data["state"] = AlarmState(data["state"])
    data["condition_active"] = bool(data["condition_active"])
    data["suppressed"] = bool(data["suppressed"])
    return AlarmStateRow(**data)


def upsert_states(conn: Connection, states: Sequence[AlarmStateRow]) -> None:
    """Insert or replace state rows inside the caller's transaction."""
    if not states:
        return
    rows = [state_to_row(s) for s in states]
    dialect = conn.dialect.name
    if dialect in ("sqlite", "postgresql"):
        module: Any = sqlite if dialect == "sqlite" else postgresql
        stmt = module.insert(alarm_state)
        changes = {c.name: stmt.excluded[c.name] for c in alarm_state.c if c.name != "name"}
        conn.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=changes), rows)
        return
    conn.execute(delete(alarm_state).where(alarm_state.c.name.in_([r["name"] for r in rows])))
    conn.execute(insert(alarm_state), rows)


class AlarmStateStore:
    """Reads and writes ``alarm_state``."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def load(self) -> list[AlarmStateRow]:
        """Every stored alarm state (pass to :meth:`AlarmEngine.restore`)."""
        with self._engine.connect() as conn:
            result = conn.execute(select(alarm_state).order_by(alarm_state.c.name))
            return [row_to_state(r) for r in result.mappings()]

    def save(self, states: Iterable[AlarmStateRow]) -> None:
        """Replace the whole table with ``states`` (e.g. :meth:`AlarmEngine.snapshot`), atomically."""
        rows = [state_to_row(s) for s in states]
        with self._engine.begin() as conn:
            conn.execute(delete(alarm_state))
            if rows:
                conn.execute(insert(alarm_state), rows)

    def upsert(self, states: Sequence[AlarmStateRow]) -> None:
        """Insert or replace some states in one transaction."""
        with self._engine.begin() as conn:
            upsert_states(conn, states)
