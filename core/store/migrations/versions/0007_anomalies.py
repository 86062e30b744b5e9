"""Anomaly events of the live anomaly service (core.analytics.live).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create ``anomaly_events``."""
    op.create_table(
        "anomaly_events",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("tag", sa.String(255), nullable=False),
        sa.Column("detector", sa.String(32), nullable=False),
        sa.Column("start_ns", sa.BigInteger(), nullable=False),
        sa.Column("end_ns", sa.BigInteger(), nullable=True),
        sa.Column("peak_score", sa.Double(), nullable=False),
        sa.Column("peak_ns", sa.BigInteger(), nullable=False),
        sa.Column("peak_value", sa.Double(), nullable=False),
        sa.Column("baseline_median", sa.Double(), nullable=False),
        sa.Column("baseline_sigma", sa.Double(), nullable=False),
        sa.Column("close_reason", sa.String(16), nullable=False, server_default=""),
        sa.Column("updated_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_anomaly_events"),
        sa.UniqueConstraint("tag", "start_ns", name="uq_anomaly_events_tag_start_ns"),
    )
    op.create_index("ix_anomaly_events_start_ns", "anomaly_events", ["start_ns"])
    op.create_index("ix_anomaly_events_end_ns", "anomaly_events", ["end_ns"])


def downgrade() -> None:
    """Drop ``anomaly_events``."""
    op.drop_index("ix_anomaly_events_end_ns", table_name="anomaly_events")
    op.drop_index("ix_anomaly_events_start_ns", table_name="anomaly_events")
    op.drop_table("anomaly_events")
