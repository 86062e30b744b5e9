"""Reports: the archive of generated report files (append-only) and the schedules' last runs.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create ``reports`` (append-only) and ``report_schedules``."""
    op.create_table(
        "reports",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("base_hash", sa.String(64), nullable=False),
        sa.Column("variant", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("query_digest", sa.String(64), nullable=False),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("start_ns", sa.BigInteger(), nullable=False),
        sa.Column("end_ns", sa.BigInteger(), nullable=False),
        sa.Column("generated_ns", sa.BigInteger(), nullable=False),
        sa.Column("generated_by", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reports"),
        sa.UniqueConstraint("content_hash", name="uq_reports_content_hash"),
    )
    op.create_index("ix_reports_base_hash", "reports", ["base_hash"])
    op.create_index("ix_reports_query_digest", "reports", ["query_digest"])
    op.create_table(
        "report_schedules",
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("config_digest", sa.String(64), nullable=False),
        sa.Column("last_period_end_ns", sa.BigInteger(), nullable=False),
        sa.Column("last_run_ns", sa.BigInteger(), nullable=False),
        sa.Column("last_status", sa.Text(), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("name", name="pk_report_schedules"),
    )
    _append_only("reports")


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
    """Drop the report tables (their triggers go with them)."""
    op.drop_table("report_schedules")
    op.drop_index("ix_reports_query_digest", table_name="reports")
    op.drop_index("ix_reports_base_hash", table_name="reports")
    op.drop_table("reports")
