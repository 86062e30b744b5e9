"""The SQL that differs between SQLite and PostgreSQL, behind one small interface.

SQLite: multi-row inserts (:mod:`core.store.multirow`) on a connection with
``synchronous=NORMAL`` (telemetry may lose the last commits on power loss, never on an
application crash; events and audit keep ``FULL``). PostgreSQL: ``COPY`` into a temporary
staging table, then one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` so redelivered rows are
harmless.
"""

from __future__ import annotations

import os
import socket
from abc import ABC, abstractmethod
from typing import Any

import numpy as np
from sqlalchemy import Engine

from core.model import QuarantineRecord, SampleBatch
from core.store.batchops import RollupRows
from core.store.checkpoint import BACKSTOP_PAGES
from core.store.multirow import many_rows
from core.tags import TagInfo

ROLLUP_COLUMNS = "tag_id, bucket, vmin, vmax, tmin, tmax, vsum, n, n_bad, first_ts, first_value, last_ts, last_value"
SAMPLE_CACHE_KIB = 32768
"""Page cache of the SQLite sample connection: the newest raw, 1-minute and 1-hour pages of a
few thousand tags stay in memory between transactions (SQLite's default is 2 MiB)."""
DEFAULT_CACHE_SIZE = -2000
DEFAULT_AUTOCHECKPOINT = 1000
TAG_COLUMNS = (
    "id, name, device, unit, description, data_type, deadband, eng_min, eng_max, "
    "retention_class, origin, device_class, writable, created_ns"
)


_LATEST_UPSERT = (
    " ON CONFLICT (tag_id) DO UPDATE SET ts = excluded.ts, value = excluded.value, "
    "quality = excluded.quality WHERE excluded.ts > l.ts"
)


def _tag_row(t: TagInfo) -> tuple[Any, ...]:
    return (
        t.id, t.name, t.device, t.unit, t.description, t.data_type, t.deadband, t.eng_min,
        t.eng_max, t.retention_class, t.origin, t.device_class, t.writable, t.created_ns,
    )  # fmt: skip


def _merge_sql(table: str, placeholder: str, least: str, greatest: str) -> str:
    marks = ", ".join([placeholder] * 13)
    return (
        f"INSERT INTO {table} AS r ({ROLLUP_COLUMNS}) VALUES ({marks}) "
        "ON CONFLICT (tag_id, bucket) DO UPDATE SET "
        "tmin = CASE WHEN excluded.vmin < r.vmin OR (excluded.vmin = r.vmin "
        "AND excluded.tmin < r.tmin) THEN excluded.tmin ELSE r.tmin END, "
        "tmax = CASE WHEN excluded.vmax > r.vmax OR (excluded.vmax = r.vmax "
        "AND excluded.tmax < r.tmax) THEN excluded.tmax ELSE r.tmax END, "
        f"vmin = {least}(r.vmin, excluded.vmin), vmax = {greatest}(r.vmax, excluded.vmax), "
        "vsum = r.vsum + excluded.vsum, n = r.n + excluded.n, n_bad = r.n_bad + excluded.n_bad, "
        "first_value = CASE WHEN excluded.first_ts < r.first_ts "
        "THEN excluded.first_value ELSE r.first_value END, "
        f"first_ts = {least}(r.first_ts, excluded.first_ts), "
        "last_value = CASE WHEN excluded.last_ts > r.last_ts "
        "THEN excluded.last_value ELSE r.last_value END, "
        f"last_ts = {greatest}(r.last_ts, excluded.last_ts)"
    )


def _replace_sql(table: str, placeholder: str) -> str:
    marks = ", ".join([placeholder] * 13)
    sets = ", ".join(f"{c.strip()} = excluded.{c.strip()}" for c in ROLLUP_COLUMNS.split(",")[2:])
    return (
        f"INSERT INTO {table} ({ROLLUP_COLUMNS}) VALUES ({marks}) "
        f"ON CONFLICT (tag_id, bucket) DO UPDATE SET {sets}"
    )


class Dialect(ABC):
    """Shared SQL; subclasses fill in the bulk paths."""

    name = "generic"
    mark = "?"
    least = "min"
    greatest = "max"

    def prepare_sample_connection(self, conn: Any) -> None:
        """Per-connection settings for the sample writer."""

    def release_sample_connection(self, conn: Any) -> None:
        """Undo :meth:`prepare_sample_connection` before the connection goes back to the pool."""

    def abort(self, conn: Any) -> None:
        """Break a statement that hangs (called from a watchdog thread)."""

    @abstractmethod
    def insert_samples(self, cur: Any, batch: SampleBatch) -> int:
        """Insert rows, ignoring existing keys; returns the number inserted."""

    def stored_timestamps(self, cur: Any, tag_id: int, start: int, end: int) -> np.ndarray:
        """Timestamps already stored for a tag in [start, end]."""
        m = self.mark
        cur.execute(
            f"SELECT ts FROM samples WHERE tag_id = {m} AND ts >= {m} AND ts <= {m}",
            (tag_id, start, end),
        )
        return np.array([r[0] for r in cur.fetchall()], dtype=np.int64)

    def read_raw(self, cur: Any, tag_id: int, start: int, end: int) -> SampleBatch:
        """Raw rows of one tag in [start, end], ordered by time."""
        m = self.mark
        cur.execute(
            f"SELECT tag_id, ts, value, quality FROM samples "
            f"WHERE tag_id = {m} AND ts >= {m} AND ts <= {m} ORDER BY ts",
            (tag_id, start, end),
        )
        rows = cur.fetchall()
        if not rows:
            return SampleBatch.empty()
        tag_ids, ts, values, quality = zip(*rows, strict=True)
        return SampleBatch.from_columns(tag_ids, ts, values, quality)

    def merge_rollups(self, cur: Any, table: str, rows: RollupRows) -> None:
        """Merge new aggregates into a rollup table."""
        cur.executemany(_merge_sql(table, self.mark, self.least, self.greatest), rows.records())

    def replace_rollups(self, cur: Any, table: str, rows: RollupRows) -> None:
        """Overwrite rollup rows with freshly computed ones."""
        cur.executemany(_replace_sql(table, self.mark), rows.records())

    def upsert_latest(self, cur: Any, newest: SampleBatch) -> None:
        """Keep the newest value per tag."""
        if len(newest) == 0:
            return
        m = self.mark
        cur.executemany(
            f"INSERT INTO latest AS l (tag_id, ts, value, quality) VALUES ({m}, {m}, {m}, {m})"
            + _LATEST_UPSERT,
            list(zip(newest.tag_ids.tolist(), newest.ts_ns.tolist(), newest.values.tolist(),
                     newest.quality.tolist(), strict=True)),
        )  # fmt: skip

    def upsert_tags(self, cur: Any, tags: list[TagInfo]) -> None:
        """Insert or update tag rows by id."""
        if not tags:
            return
        marks = ", ".join([self.mark] * 14)
        sets = ", ".join(f"{c.strip()} = excluded.{c.strip()}" for c in TAG_COLUMNS.split(",")[1:])
        cur.executemany(
            f"INSERT INTO tags ({TAG_COLUMNS}) VALUES ({marks}) ON CONFLICT (id) DO UPDATE SET {sets}",
            [_tag_row(t) for t in tags],
        )


class SqliteDialect(Dialect):
    """SQLite 3.35+ (UPSERT, WITHOUT ROWID tables)."""

    name = "sqlite"

    def prepare_sample_connection(self, conn: Any) -> None:
        """``synchronous=NORMAL``; a page cache for every tag's newest pages; WAL checkpoints
        left to :class:`core.store.checkpoint.WalCheckpointer` (this connection only as a
        backstop)."""
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA cache_size=-{SAMPLE_CACHE_KIB}")
        conn.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")

    def release_sample_connection(self, conn: Any) -> None:
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute(f"PRAGMA cache_size={DEFAULT_CACHE_SIZE}")
        conn.execute(f"PRAGMA wal_autocheckpoint={DEFAULT_AUTOCHECKPOINT}")

    def abort(self, conn: Any) -> None:
        conn.dbapi_connection.interrupt()

    def insert_samples(self, cur: Any, batch: SampleBatch) -> int:
        columns = (batch.tag_ids, batch.ts_ns, batch.values, batch.quality)
        return many_rows(cur, "INSERT OR IGNORE INTO samples (tag_id, ts, value, quality)", "",
                          [c.tolist() for c in columns])  # fmt: skip

    def merge_rollups(self, cur: Any, table: str, rows: RollupRows) -> None:
        head, _, tail = _merge_sql(table, "?", self.least, self.greatest).partition(" VALUES ")
        many_rows(cur, head, tail[tail.index(")") + 1 :], [c.tolist() for c in rows.columns()])

    def upsert_latest(self, cur: Any, newest: SampleBatch) -> None:
        columns = (newest.tag_ids, newest.ts_ns, newest.values, newest.quality)
        many_rows(cur, "INSERT INTO latest AS l (tag_id, ts, value, quality)", _LATEST_UPSERT,
                   [c.tolist() for c in columns])  # fmt: skip


class PostgresDialect(Dialect):
    """PostgreSQL through psycopg 3: COPY into a staging table, then merge."""

    name = "postgresql"
    mark = "%s"
    least = "LEAST"
    greatest = "GREATEST"

    def prepare_sample_connection(self, conn: Any) -> None:
        cur = conn.cursor()
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS samples_staging "
            "(tag_id integer, ts bigint, value double precision, quality smallint) "
            "ON COMMIT DELETE ROWS"
        )
        conn.commit()

    def abort(self, conn: Any) -> None:
        """Shut the socket down: a blackholed server never answers, and libpq has no timeout."""
        fd = os.dup(conn.dbapi_connection.pgconn.socket)
        with socket.socket(fileno=fd) as sock:
            sock.shutdown(socket.SHUT_RDWR)

    def insert_samples(self, cur: Any, batch: SampleBatch) -> int:
        copy_sql = "COPY samples_staging (tag_id, ts, value, quality) FROM STDIN (FORMAT BINARY)"
        with cur.copy(copy_sql) as copy:
            copy.set_types(["int4", "int8", "float8", "int2"])
            for row in zip(batch.tag_ids.tolist(), batch.ts_ns.tolist(), batch.values.tolist(),
                           batch.quality.tolist(), strict=True):  # fmt: skip
                copy.write_row(row)
        cur.execute(
            "INSERT INTO samples (tag_id, ts, value, quality) "
            "SELECT tag_id, ts, value, quality FROM samples_staging ON CONFLICT DO NOTHING"
        )
        inserted = int(cur.rowcount)
        cur.execute("TRUNCATE samples_staging")
        return inserted


def dialect_for(engine: Engine) -> Dialect:
    """The dialect object for an engine."""
    name = engine.dialect.name
    if name == "sqlite":
        return SqliteDialect()
    if name == "postgresql":
        return PostgresDialect()
    raise ValueError(f"unsupported database {name!r}: use sqlite or postgresql")


def insert_quarantine(cur: Any, mark: str, records: list[QuarantineRecord]) -> None:
    """Append quarantine rows."""
    marks = ", ".join([mark] * 7)
    cur.executemany(
        "INSERT INTO quarantine (ts_ns, source, reason, detail, tag, value_text, sample_ts) "
        f"VALUES ({marks})",
        [
            (r.ts_ns, r.source[:255], r.reason[:64], r.detail, r.tag[:255], r.value_text,
             r.sample_ts_ns)
            for r in records
        ],
    )  # fmt: skip
