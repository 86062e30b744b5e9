"""Alarm management tables: alarm_state, alarm_journal, notifications, tickets, ticket_notes.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FALSE = sa.text("false")


def upgrade() -> None:
    """Create the alarm tables."""
    op.create_table(
        "alarm_state",
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("condition_active", sa.Boolean(), nullable=False),
        sa.Column("updated_ns", sa.BigInteger(), nullable=False),
        sa.Column("activated_ns", sa.BigInteger(), nullable=True),
        sa.Column("acked_ns", sa.BigInteger(), nullable=True),
        sa.Column("shelved_until_ns", sa.BigInteger(), nullable=True),
        sa.Column("shelve_reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("shelved_by", sa.String(255), nullable=False, server_default=""),
        sa.Column("suppressed", sa.Boolean(), nullable=False, server_default=FALSE),
        sa.Column("oos_reference", sa.Text(), nullable=False, server_default=""),
        sa.Column("oos_by", sa.String(255), nullable=False, server_default=""),
        sa.Column("last_value", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_alarm_state"),
    )
    op.create_table(
        "alarm_journal",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("ts_ns", sa.BigInteger(), nullable=False),
        sa.Column("alarm", sa.String(255), nullable=False),
        sa.Column("tag", sa.String(255), nullable=False, server_default=""),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("from_state", sa.String(32), nullable=False),
        sa.Column("to_state", sa.String(32), nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("priority", sa.String(16), nullable=False, server_default=""),
        sa.Column("area", sa.String(255), nullable=False, server_default=""),
        sa.Column("position", sa.String(255), nullable=False, server_default=""),
        sa.Column("username", sa.String(255), nullable=False, server_default=""),
        sa.Column("comment", sa.Text(), nullable=False, server_default=""),
        sa.Column("flood", sa.Boolean(), nullable=False, server_default=FALSE),
        sa.PrimaryKeyConstraint("id", name="pk_alarm_journal"),
    )
    op.create_index("ix_alarm_journal_ts_ns", "alarm_journal", ["ts_ns"])
    op.create_index("ix_alarm_journal_alarm", "alarm_journal", ["alarm"])
    op.create_table(
        "notifications",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("created_ns", sa.BigInteger(), nullable=False),
        sa.Column("rule", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("alarm", sa.String(255), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("priority", sa.String(16), nullable=False, server_default=""),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_ns", sa.BigInteger(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False, server_default=""),
        sa.Column("sent_ns", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
    )
    op.create_index("ix_notifications_status_next", "notifications", ["status", "next_attempt_ns"])
    _create_tickets()


def _create_tickets() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("tag", sa.String(255), nullable=False, server_default=""),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("area", sa.String(255), nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("cause", sa.Text(), nullable=False, server_default=""),
        sa.Column("corrective_action", sa.Text(), nullable=False, server_default=""),
        sa.Column("assignee", sa.String(255), nullable=False, server_default=""),
        sa.Column("occurrences", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("opened_ns", sa.BigInteger(), nullable=False),
        sa.Column("updated_ns", sa.BigInteger(), nullable=False),
        sa.Column("last_occurrence_ns", sa.BigInteger(), nullable=False),
        sa.Column("started_ns", sa.BigInteger(), nullable=True),
        sa.Column("resolved_ns", sa.BigInteger(), nullable=True),
        sa.Column("closed_ns", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_tickets"),
    )
    op.create_index("ix_tickets_source", "tickets", ["source"])
    op.create_index(
        "uq_tickets_open_source",
        "tickets",
        ["source"],
        unique=True,
        sqlite_where=sa.text("status <> 'closed'"),
        postgresql_where=sa.text("status <> 'closed'"),
    )
    op.create_table(
        "ticket_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("ts_ns", sa.BigInteger(), nullable=False),
        sa.Column("author", sa.String(255), nullable=False, server_default=""),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_notes"),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name="fk_ticket_notes_ticket_id_tickets",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_ticket_notes_ticket_id", "ticket_notes", ["ticket_id"])


def downgrade() -> None:
    """Drop the alarm tables."""
    op.drop_index("ix_ticket_notes_ticket_id", table_name="ticket_notes")
    op.drop_table("ticket_notes")
    op.drop_index("uq_tickets_open_source", table_name="tickets")
    op.drop_index("ix_tickets_source", table_name="tickets")
    op.drop_table("tickets")
    op.drop_index("ix_notifications_status_next", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index("ix_alarm_journal_alarm", table_name="alarm_journal")
    op.drop_index("ix_alarm_journal_ts_ns", table_name="alarm_journal")
    op.drop_table("alarm_journal")
    op.drop_table("alarm_state")
