"""Reports: the absolute path each archived report file was first written to.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``reports.file_path`` (empty for the rows recorded before: their path is unknown).

    A plain ADD COLUMN on both dialects: the append-only triggers of ``reports`` refuse UPDATE
    and DELETE, not DDL, and a batch copy of the table would drop them on SQLite."""
    op.add_column("reports", sa.Column("file_path", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    """Drop ``reports.file_path`` (SQLite 3.35+ and PostgreSQL drop a column in place)."""
    op.drop_column("reports", "file_path")
