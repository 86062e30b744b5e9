"""The model registry tables on the store's :data:`core.store.schema.metadata` (revision ``0005``).

- ``model_versions``: one row per trained version of a ``(subject, kind)`` — subject is a tag or
  device name, kind the model type (``forecast``, ``anomaly``, ...) — with its training window,
  parameters and metrics (canonical JSON), author, time, and the sealing data of its artifact:
  SHA-256 digest of the serialised model, AES-GCM nonce and the id of the key.
- ``model_artifacts``: the AES-GCM ciphertext of each version (kept apart so listings never
  read the blobs).
- ``model_events``: the append-only history of registrations, promotions and rollbacks; the
  active version of a ``(subject, kind)`` is replayed from it.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from core.store.schema import metadata

ROW_ID = BigInteger().with_variant(Integer(), "sqlite")
"""64-bit ids on PostgreSQL; INTEGER on SQLite, where only that is the auto-increment rowid."""

model_versions = Table(
    "model_versions",
    metadata,
    Column("id", ROW_ID, primary_key=True, autoincrement=True),
    Column("subject", String(255), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_ns", BigInteger, nullable=False),
    Column("author", String(255), nullable=False),
    Column("train_start_ns", BigInteger, nullable=False),
    Column("train_end_ns", BigInteger, nullable=False),
    Column("params", Text, nullable=False),
    Column("metrics", Text, nullable=False),
    Column("serializer", String(32), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("nonce", LargeBinary, nullable=False),
    UniqueConstraint("subject", "kind", "version", name="uq_model_versions_subject_kind_version"),
)

model_artifacts = Table(
    "model_artifacts",
    metadata,
    Column(
        "version_id",
        ROW_ID,
        ForeignKey("model_versions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("ciphertext", LargeBinary, nullable=False),
)

model_events = Table(
    "model_events",
    metadata,
    Column("id", ROW_ID, primary_key=True, autoincrement=True),
    Column("ts_ns", BigInteger, nullable=False),
    Column("subject", String(255), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("action", String(16), nullable=False),
    Column("actor", String(255), nullable=False),
    Column("detail", Text, nullable=False, server_default=""),
    Index("ix_model_events_subject_kind", "subject", "kind"),
)

REGISTRY_TABLES = (model_versions, model_artifacts, model_events)
