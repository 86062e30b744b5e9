"""Operator commands handed from the command line to the running collector.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "operator_commands",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_ns", sa.BigInteger, nullable=False),
        sa.Column("expires_ns", sa.BigInteger, nullable=False),
        sa.Column("username", sa.String(128), nullable=False),
        sa.Column("station", sa.String(255), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("args", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("result", sa.Text, nullable=False, server_default=""),
        sa.Column("done_ns", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_operator_commands_status", "operator_commands", ["status"])


def downgrade() -> None:
    op.drop_index("ix_operator_commands_status", "operator_commands")
    op.drop_table("operator_commands")
