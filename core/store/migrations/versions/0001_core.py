"""Core historian tables: tags, samples, rollups, latest values, quarantine, runtime status.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _rollup(name: str) -> None:
    op.create_table(
        name,
        sa.Column("tag_id", sa.Integer, nullable=False),
        sa.Column("bucket", sa.BigInteger, nullable=False),
        sa.Column("vmin", sa.Double, nullable=False),
        sa.Column("vmax", sa.Double, nullable=False),
        sa.Column("tmin", sa.BigInteger, nullable=False),
        sa.Column("tmax", sa.BigInteger, nullable=False),
        sa.Column("vsum", sa.Double, nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("n_bad", sa.Integer, nullable=False),
        sa.Column("first_ts", sa.BigInteger, nullable=False),
        sa.Column("first_value", sa.Double, nullable=False),
        sa.Column("last_ts", sa.BigInteger, nullable=False),
        sa.Column("last_value", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint("tag_id", "bucket", name=f"pk_{name}"),
        sqlite_with_rowid=False,
    )


def _postgres_time_index() -> None:
    """TimescaleDB hypertable (1-day chunks) when the extension is available, else a BRIN index.

    BRIN over ``ts`` is tiny and, with rows arriving in time order, serves retention deletes
    and cross-tag time scans; per-tag reads use the (tag_id, ts) primary key either way.
    """
    bind = op.get_bind()
    available = bind.exec_driver_sql(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'"
    ).first()
    if available:
        op.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
        op.execute(
            "SELECT create_hypertable('samples', 'ts', "
            "chunk_time_interval => 86400000000000, if_not_exists => TRUE)"
        )
    else:
        op.execute("CREATE INDEX ix_samples_ts_brin ON samples USING brin (ts)")


def upgrade() -> None:
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("device", sa.String(255), nullable=False, server_default=""),
        sa.Column("unit", sa.String(64), nullable=False, server_default=""),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("data_type", sa.String(16), nullable=False, server_default="float"),
        sa.Column("deadband", sa.Double, nullable=False, server_default="0"),
        sa.Column("eng_min", sa.Double, nullable=True),
        sa.Column("eng_max", sa.Double, nullable=True),
        sa.Column("retention_class", sa.String(64), nullable=False, server_default="default"),
        sa.Column("origin", sa.String(16), nullable=False, server_default="config"),
        sa.Column("device_class", sa.String(64), nullable=False, server_default=""),
        sa.Column("writable", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_ns", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("name", name="uq_tags_name"),
    )
    op.create_table(
        "samples",
        sa.Column("tag_id", sa.Integer, nullable=False),
        sa.Column("ts", sa.BigInteger, nullable=False),
        sa.Column("value", sa.Double, nullable=False),
        sa.Column("quality", sa.SmallInteger, nullable=False),
        sa.PrimaryKeyConstraint("tag_id", "ts", name="pk_samples"),
        sqlite_with_rowid=False,
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgres_time_index()
    _rollup("rollup_1m")
    _rollup("rollup_1h")
    op.create_table(
        "latest",
        sa.Column("tag_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("ts", sa.BigInteger, nullable=False),
        sa.Column("value", sa.Double, nullable=False),
        sa.Column("quality", sa.SmallInteger, nullable=False),
    )
    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ts_ns", sa.BigInteger, nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("tag", sa.String(255), nullable=False, server_default=""),
        sa.Column("value_text", sa.Text, nullable=False, server_default=""),
        sa.Column("sample_ts", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_quarantine_ts_ns", "quarantine", ["ts_ns"])
    op.create_index("ix_quarantine_reason", "quarantine", ["reason"])
    op.create_table(
        "runtime_status",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("updated_ns", sa.BigInteger, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("runtime_status", "quarantine", "latest", "rollup_1h", "rollup_1m", "samples"):
        op.drop_table(table)
    op.drop_table("tags")
