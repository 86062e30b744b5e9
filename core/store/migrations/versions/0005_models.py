"""Model registry: model_versions, model_artifacts, model_events.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the model registry tables."""
    op.create_table(
        "model_versions",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_ns", sa.BigInteger(), nullable=False),
        sa.Column("author", sa.String(255), nullable=False),
        sa.Column("train_start_ns", sa.BigInteger(), nullable=False),
        sa.Column("train_end_ns", sa.BigInteger(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("metrics", sa.Text(), nullable=False),
        sa.Column("serializer", sa.String(32), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("nonce", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_model_versions"),
        sa.UniqueConstraint(
            "subject", "kind", "version", name="uq_model_versions_subject_kind_version"
        ),
    )
    op.create_table(
        "model_artifacts",
        sa.Column("version_id", ROW_ID, nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_versions.id"],
            name="fk_model_artifacts_version_id_model_versions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", name="pk_model_artifacts"),
    )
    op.create_table(
        "model_events",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("ts_ns", sa.BigInteger(), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name="pk_model_events"),
    )
    op.create_index("ix_model_events_subject_kind", "model_events", ["subject", "kind"])


def downgrade() -> None:
    """Drop the model registry tables."""
    op.drop_index("ix_model_events_subject_kind", "model_events")
    op.drop_table("model_events")
    op.drop_table("model_artifacts")
    op.drop_table("model_versions")
