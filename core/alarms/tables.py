"""The alarm tables on the store's :data:`core.store.schema.metadata` (revision ``0002``).

Alarm *definitions* are configuration (the plant file), not rows. Rows are: the current state
of each alarm (restored at start-up), the journal of every transition, the notification outbox,
and maintenance tickets with their notes.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
)

from core.store.schema import metadata

alarm_state = Table(
    "alarm_state",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("state", String(32), nullable=False),
    Column("condition_active", Boolean, nullable=False),
    Column("updated_ns", BigInteger, nullable=False),
    Column("activated_ns", BigInteger, nullable=True),
    Column("acked_ns", BigInteger, nullable=True),
    Column("shelved_until_ns", BigInteger, nullable=True),
    Column("shelve_reason", Text, nullable=False, server_default=""),
    Column("shelved_by", String(255), nullable=False, server_default=""),
    Column("suppressed", Boolean, nullable=False, server_default=text("false")),
    Column("oos_reference", Text, nullable=False, server_default=""),
    Column("oos_by", String(255), nullable=False, server_default=""),
    Column("last_value", Double, nullable=True),
)

ROW_ID = BigInteger().with_variant(Integer(), "sqlite")
"""64-bit ids on PostgreSQL; INTEGER on SQLite, where only that is the auto-increment rowid."""

alarm_journal = Table(
    "alarm_journal",
    metadata,
    Column("id", ROW_ID, primary_key=True, autoincrement=True),
    Column("ts_ns", BigInteger, nullable=False, index=True),
    Column("alarm", String(255), nullable=False, index=True),
    Column("tag", String(255), nullable=False, server_default=""),
    Column("event", String(32), nullable=False),
    Column("from_state", String(32), nullable=False),
    Column("to_state", String(32), nullable=False),
    Column("value", Double, nullable=True),
    Column("priority", String(16), nullable=False, server_default=""),
    Column("area", String(255), nullable=False, server_default=""),
    Column("position", String(255), nullable=False, server_default=""),
    Column("username", String(255), nullable=False, server_default=""),
    Column("comment", Text, nullable=False, server_default=""),
    Column("flood", Boolean, nullable=False, server_default=text("false")),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", ROW_ID, primary_key=True, autoincrement=True),
    Column("created_ns", BigInteger, nullable=False),
    Column("rule", String(255), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("alarm", String(255), nullable=False),
    Column("event", String(32), nullable=False),
    Column("priority", String(16), nullable=False, server_default=""),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_ns", BigInteger, nullable=False),
    Column("last_error", Text, nullable=False, server_default=""),
    Column("sent_ns", BigInteger, nullable=True),
    Index("ix_notifications_status_next", "status", "next_attempt_ns"),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(255), nullable=False, index=True),
    Column("tag", String(255), nullable=False, server_default=""),
    Column("priority", String(16), nullable=False),
    Column("area", String(255), nullable=False, server_default=""),
    Column("status", String(16), nullable=False),
    Column("title", Text, nullable=False),
    Column("cause", Text, nullable=False, server_default=""),
    Column("corrective_action", Text, nullable=False, server_default=""),
    Column("assignee", String(255), nullable=False, server_default=""),
    Column("occurrences", Integer, nullable=False, server_default="1"),
    Column("opened_ns", BigInteger, nullable=False),
    Column("updated_ns", BigInteger, nullable=False),
    Column("last_occurrence_ns", BigInteger, nullable=False),
    Column("started_ns", BigInteger, nullable=True),
    Column("resolved_ns", BigInteger, nullable=True),
    Column("closed_ns", BigInteger, nullable=True),
    Index(
        "uq_tickets_open_source",
        "source",
        unique=True,
        sqlite_where=text("status <> 'closed'"),
        postgresql_where=text("status <> 'closed'"),
    ),
)

ticket_notes = Table(
    "ticket_notes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "ticket_id",
        Integer,
        ForeignKey("tickets.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("ts_ns", BigInteger, nullable=False),
    Column("author", String(255), nullable=False, server_default=""),
    Column("text", Text, nullable=False),
)

ALARM_TABLES = (alarm_state, alarm_journal, notifications, tickets, ticket_notes)
"""Every table of this package, in creation order (for ``metadata.create_all(tables=...)``)."""
