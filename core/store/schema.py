"""SQLAlchemy Core schema of the historian (the alembic migrations create exactly this).

Every package that keeps rows in the store (alarms, security, reports, analytics) defines its
tables on :data:`metadata` in its own module, and adds an alembic revision for them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

tags = Table(
    "tags",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("device", String(255), nullable=False, server_default=""),
    Column("unit", String(64), nullable=False, server_default=""),
    Column("description", Text, nullable=False, server_default=""),
    Column("data_type", String(16), nullable=False, server_default="float"),
    Column("deadband", Double, nullable=False, server_default="0"),
    Column("eng_min", Double, nullable=True),
    Column("eng_max", Double, nullable=True),
    Column("retention_class", String(64), nullable=False, server_default="default"),
    Column("origin", String(16), nullable=False, server_default="config"),
    Column("device_class", String(64), nullable=False, server_default=""),
    Column("writable", Boolean, nullable=False, server_default="0"),
    Column("created_ns", BigInteger, nullable=False),
)

samples = Table(
    "samples",
    metadata,
    Column("tag_id", Integer, primary_key=True),
    Column("ts", BigInteger, primary_key=True),
    Column("value", Double, nullable=False),
    Column("quality", SmallInteger, nullable=False),
    sqlite_with_rowid=False,
)


def _rollup_table(name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("tag_id", Integer, primary_key=True),
        Column("bucket", BigInteger, primary_key=True),
        Column("vmin", Double, nullable=False),
        Column("vmax", Double, nullable=False),
        Column("tmin", BigInteger, nullable=False),
        Column("tmax", BigInteger, nullable=False),
        Column("vsum", Double, nullable=False),
        Column("n", Integer, nullable=False),
        Column("n_bad", Integer, nullable=False),
        Column("first_ts", BigInteger, nullable=False),
        Column("first_value", Double, nullable=False),
        Column("last_ts", BigInteger, nullable=False),
        Column("last_value", Double, nullable=False),
        sqlite_with_rowid=False,
    )


rollup_1m = _rollup_table("rollup_1m")
rollup_1h = _rollup_table("rollup_1h")

latest = Table(
    "latest",
    metadata,
    Column("tag_id", Integer, primary_key=True, autoincrement=False),
    Column("ts", BigInteger, nullable=False),
    Column("value", Double, nullable=False),
    Column("quality", SmallInteger, nullable=False),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts_ns", BigInteger, nullable=False, index=True),
    Column("source", String(255), nullable=False),
    Column("reason", String(64), nullable=False, index=True),
    Column("detail", Text, nullable=False),
    Column("tag", String(255), nullable=False, server_default=""),
    Column("value_text", Text, nullable=False, server_default=""),
    Column("sample_ts", BigInteger, nullable=True),
)

runtime_status = Table(
    "runtime_status",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("updated_ns", BigInteger, nullable=False),
    Column("payload", Text, nullable=False),
)

ROLLUP_TABLES = {60: rollup_1m, 3600: rollup_1h}
"""Rollup tables by bucket width in seconds."""
