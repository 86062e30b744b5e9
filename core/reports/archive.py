"""The report archive: the ``reports`` table (append-only) of every report file produced.

Each distinct file is one row: the SHA-256 of its bytes, its size, its kind, format, period and
the canonical parameters of its query (and their digest), who generated it and when, and the
file's name and absolute path where it was first written (a later export of the same bytes to
another place is a ``report_exported`` audit row, not an archive row). A signed
copy (the report with signature pages or a signature section appended) is a row of its own
whose ``base_hash`` names the report it extends.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from core.reports.tables import reports

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReportRecord:
    """One row of the archive."""

    id: int
    content_hash: str
    base_hash: str
    variant: str
    kind: str
    format: str
    query_digest: str
    parameters: str
    start_ns: int
    end_ns: int
    generated_ns: int
    generated_by: str
    size: int
    file_name: str
    created_ns: int
    file_path: str
    """Absolute path the file was first written to ("" when not known)."""

    @property
    def is_signed_copy(self) -> bool:
        """True for a copy with signatures appended."""
        return self.variant == "signed"

    def params(self) -> dict[str, Any]:
        """The stored query parameters."""
        data: dict[str, Any] = json.loads(self.parameters)
        return data


_COLUMNS = [reports.c[name] for name in ReportRecord.__dataclass_fields__]


class ReportArchive:
    """Reads and appends ``reports`` rows."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, **row: Any) -> ReportRecord:
        """Record a file (or return the existing row when its hash is known already)."""
        known = self.by_hash(str(row["content_hash"]))
        if known is not None:
            return known
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(reports).values(**row))
        except IntegrityError:
            log.info("report %s recorded concurrently", row["content_hash"][:12])
        found = self.by_hash(str(row["content_hash"]))
        if found is None:
            raise RuntimeError("report row vanished after insert")
        return found

    def _select(self, *conditions: Any, limit: int | None = None) -> list[ReportRecord]:
        query = select(*_COLUMNS).where(*conditions).order_by(reports.c.id.desc())
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [ReportRecord(*row) for row in conn.execute(query)]

    def by_hash(self, content_hash: str) -> ReportRecord | None:
        """The row of a file hash."""
        rows = self._select(reports.c.content_hash == content_hash, limit=1)
        return rows[0] if rows else None

    def by_id(self, report_id: int) -> ReportRecord | None:
        """The row of an id."""
        rows = self._select(reports.c.id == report_id, limit=1)
        return rows[0] if rows else None

    def latest_for_query(self, query_digest: str) -> ReportRecord | None:
        """The newest original (unsigned) report of a query."""
        rows = self._select(
            reports.c.query_digest == query_digest, reports.c.variant == "original", limit=1
        )
        return rows[0] if rows else None

    def copies_of(self, base_hash: str) -> list[ReportRecord]:
        """Signed copies of a report, newest first."""
        return self._select(reports.c.base_hash == base_hash, reports.c.variant == "signed")

    def originals_up_to(self, size: int) -> list[ReportRecord]:
        """Original reports no larger than ``size`` bytes (candidates for a file's prefix)."""
        return self._select(reports.c.variant == "original", reports.c.size <= size)

    def recent(self, limit: int = 100) -> list[ReportRecord]:
        """The newest rows (HMI archive view)."""
        return self._select(limit=limit)
