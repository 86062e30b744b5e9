"""Security tables: users, user_sessions, audit_trail, record_signatures, device_identities.

``audit_trail`` and ``record_signatures`` get triggers that refuse UPDATE and DELETE (and
TRUNCATE on PostgreSQL): the application only ever appends.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
APPEND_ONLY = ("audit_trail", "record_signatures")


def upgrade() -> None:
    """Create the security tables and the append-only triggers."""
    _create_users()
    _create_audit()
    op.create_table(
        "device_identities",
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("plant_name", sa.String(255), nullable=False),
        sa.Column("created_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name="pk_device_identities"),
    )
    op.create_index("ix_device_identities_plant_name", "device_identities", ["plant_name"])
    for table in APPEND_ONLY:
        _append_only(table)


def _create_users() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("full_name", sa.String(255), nullable=False, server_default=""),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("roles", sa.String(255), nullable=False),
        sa.Column("sites", sa.Text(), nullable=False, server_default=""),
        sa.Column("areas", sa.Text(), nullable=False, server_default=""),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("locked_until_ns", sa.BigInteger(), nullable=True),
        sa.Column("created_ns", sa.BigInteger(), nullable=False),
        sa.Column("password_changed_ns", sa.BigInteger(), nullable=False),
        sa.Column("last_login_ns", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("station", sa.String(255), nullable=False),
        sa.Column("since_ns", sa.BigInteger(), nullable=False),
        sa.Column("last_activity_ns", sa.BigInteger(), nullable=False),
        sa.Column("ended_ns", sa.BigInteger(), nullable=True),
        sa.Column("end_reason", sa.String(32), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name="pk_user_sessions"),
    )
    op.create_index("ix_user_sessions_username", "user_sessions", ["username"])
    op.create_index("ix_user_sessions_station", "user_sessions", ["station"])


def _create_audit() -> None:
    op.create_table(
        "audit_trail",
        sa.Column("seq", ROW_ID, autoincrement=False, nullable=False),
        sa.Column("ts_ns", sa.BigInteger(), nullable=False),
        sa.Column("utc_offset_s", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(255), nullable=False),
        sa.Column("role", sa.String(255), nullable=False),
        sa.Column("station", sa.String(255), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("ref_seq", sa.BigInteger(), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_trail"),
    )
    op.create_index("ix_audit_trail_ts_ns", "audit_trail", ["ts_ns"])
    op.create_index("ix_audit_trail_ref_seq", "audit_trail", ["ref_seq"])
    op.create_table(
        "record_signatures",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("record_hash", sa.String(128), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("printed_name", sa.String(255), nullable=False),
        sa.Column("meaning", sa.String(32), nullable=False),
        sa.Column("ts_ns", sa.BigInteger(), nullable=False),
        sa.Column("utc_offset_s", sa.Integer(), nullable=False),
        sa.Column("audit_seq", sa.BigInteger(), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_record_signatures"),
    )
    op.create_index("ix_record_signatures_record_hash", "record_signatures", ["record_hash"])


def _append_only(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION controldeck_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION controldeck_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION controldeck_append_only()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        )


def downgrade() -> None:
    """Drop the security tables (and their triggers with them)."""
    op.drop_index("ix_device_identities_plant_name", table_name="device_identities")
    op.drop_table("device_identities")
    op.drop_index("ix_record_signatures_record_hash", table_name="record_signatures")
    op.drop_table("record_signatures")
    op.drop_index("ix_audit_trail_ref_seq", table_name="audit_trail")
    op.drop_index("ix_audit_trail_ts_ns", table_name="audit_trail")
    op.drop_table("audit_trail")
    op.drop_index("ix_user_sessions_station", table_name="user_sessions")
    op.drop_index("ix_user_sessions_username", table_name="user_sessions")
    op.drop_table("user_sessions")
    op.drop_table("users")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS controldeck_append_only()")
