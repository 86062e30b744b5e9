"""The report tables on the store's :data:`core.store.schema.metadata` (revisions ``0006``,
``0008``: ``reports.file_path``).

``reports`` is append-only (triggers refuse UPDATE and DELETE): one row per distinct file a
report produced, with the SHA-256 of its bytes, the parameters of its query and, for a signed
copy, the hash of the report it extends, and the absolute path the file was first written to
(empty when not known: rows from before ``0008``, signed copies the caller writes later). ``report_schedules`` keeps the last period each
schedule has run for, so a period missed while the application was closed runs at the next
start, exactly once.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Table, Text

from core.store.schema import metadata

ROW_ID = BigInteger().with_variant(Integer(), "sqlite")

reports = Table(
    "reports",
    metadata,
    Column("id", ROW_ID, primary_key=True, autoincrement=True),
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("base_hash", String(64), nullable=False, index=True),
    Column("variant", String(16), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("format", String(8), nullable=False),
    Column("query_digest", String(64), nullable=False, index=True),
    Column("parameters", Text, nullable=False),
    Column("start_ns", BigInteger, nullable=False),
    Column("end_ns", BigInteger, nullable=False),
    Column("generated_ns", BigInteger, nullable=False),
    Column("generated_by", String(255), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("file_name", Text, nullable=False, server_default=""),
    Column("created_ns", BigInteger, nullable=False),
    Column("file_path", Text, nullable=False, server_default=""),
)

report_schedules = Table(
    "report_schedules",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("config_digest", String(64), nullable=False),
    Column("last_period_end_ns", BigInteger, nullable=False),
    Column("last_run_ns", BigInteger, nullable=False),
    Column("last_status", Text, nullable=False, server_default=""),
)

REPORT_TABLES = (reports, report_schedules)
APPEND_ONLY = ("reports",)
