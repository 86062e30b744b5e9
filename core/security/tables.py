"""The security tables on the store's :data:`core.store.schema.metadata` (revision ``0003``).

``audit_trail`` and ``record_signatures`` are append-only: the migration adds triggers that
refuse UPDATE and DELETE, and the hash chain detects what gets past them (a direct file edit).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Integer, String, Table, Text

from core.store.schema import metadata

ROW_ID = BigInteger().with_variant(Integer(), "sqlite")
"""64-bit on PostgreSQL; on SQLite ``INTEGER PRIMARY KEY``, the rowid itself (fast ordered scans)."""

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("full_name", String(255), nullable=False, server_default=""),
    Column("password_hash", String(255), nullable=False),
    Column("roles", String(255), nullable=False),
    Column("sites", Text, nullable=False, server_default=""),
    Column("areas", Text, nullable=False, server_default=""),
    Column("enabled", Boolean, nullable=False),
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("locked_until_ns", BigInteger, nullable=True),
    Column("created_ns", BigInteger, nullable=False),
    Column("password_changed_ns", BigInteger, nullable=False),
    Column("last_login_ns", BigInteger, nullable=True),
)

user_sessions = Table(
    "user_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("username", String(64), nullable=False, index=True),
    Column("station", String(255), nullable=False, index=True),
    Column("since_ns", BigInteger, nullable=False),
    Column("last_activity_ns", BigInteger, nullable=False),
    Column("ended_ns", BigInteger, nullable=True),
    Column("end_reason", String(32), nullable=False, server_default=""),
)

audit_trail = Table(
    "audit_trail",
    metadata,
    Column("seq", ROW_ID, primary_key=True, autoincrement=False),
    Column("ts_ns", BigInteger, nullable=False, index=True),
    Column("utc_offset_s", Integer, nullable=False),
    Column("username", String(255), nullable=False),
    Column("role", String(255), nullable=False),
    Column("station", String(255), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", Text, nullable=False),
    Column("old_value", Text, nullable=True),
    Column("new_value", Text, nullable=True),
    Column("reason", Text, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("detail", Text, nullable=False),
    Column("ref_seq", BigInteger, nullable=True, index=True),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

record_signatures = Table(
    "record_signatures",
    metadata,
    Column("id", ROW_ID, primary_key=True, autoincrement=True),
    Column("record_hash", String(128), nullable=False, index=True),
    Column("username", String(64), nullable=False),
    Column("printed_name", String(255), nullable=False),
    Column("meaning", String(32), nullable=False),
    Column("ts_ns", BigInteger, nullable=False),
    Column("utc_offset_s", Integer, nullable=False),
    Column("audit_seq", BigInteger, nullable=False),
    Column("mac", String(64), nullable=False),
)

device_identities = Table(
    "device_identities",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("plant_name", String(255), nullable=False, index=True),
    Column("created_ns", BigInteger, nullable=False),
)

APPEND_ONLY = ("audit_trail", "record_signatures")
