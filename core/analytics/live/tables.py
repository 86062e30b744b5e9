"""The ``anomaly_events`` table on the store's :data:`core.store.schema.metadata` (revision 0007).

One row per anomaly event of a watched tag, keyed by ``(tag, start_ns)``: when it started and
ended (``end_ns`` NULL while open), its peak score with time and value, the detector, and the
pre-anomaly baseline (median and robust sigma) it was judged against, so an open event resumes
after a restart. ``close_reason``: ``recovered`` (back within the baseline for ``cooldown_s``),
``new_normal`` (open for ``max_open_s``) or ``unwatched`` (no rule watches the tag any more).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Double, Index, Integer, String, Table, UniqueConstraint

from core.store.schema import metadata

ROW_ID = BigInteger().with_variant(Integer(), "sqlite")
"""64-bit ids on PostgreSQL; INTEGER on SQLite, where only that is the auto-increment rowid."""

anomaly_events = Table(
    "anomaly_events",
    metadata,
    Column("id", ROW_ID, primary_key=True, autoincrement=True),
    Column("tag", String(255), nullable=False),
    Column("detector", String(32), nullable=False),
    Column("start_ns", BigInteger, nullable=False),
    Column("end_ns", BigInteger, nullable=True),
    Column("peak_score", Double, nullable=False),
    Column("peak_ns", BigInteger, nullable=False),
    Column("peak_value", Double, nullable=False),
    Column("baseline_median", Double, nullable=False),
    Column("baseline_sigma", Double, nullable=False),
    Column("close_reason", String(16), nullable=False, server_default=""),
    Column("updated_ns", BigInteger, nullable=False),
    UniqueConstraint("tag", "start_ns", name="uq_anomaly_events_tag_start_ns"),
    Index("ix_anomaly_events_start_ns", "start_ns"),
    Index("ix_anomaly_events_end_ns", "end_ns"),
)
