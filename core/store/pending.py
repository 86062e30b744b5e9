"""Small durable side files of the spool: tags and quarantine rows waiting for the database.

While the database is away, newly discovered tags get ids that spooled batches refer to; losing
them in a crash would attach spooled data to the wrong names. They are kept in
``pending_tags.json`` (atomic replace) until the database has them. Quarantined inputs wait in
``pending_quarantine.jsonl`` (appended, fsynced).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

from core.model import QuarantineRecord
from core.tags import TagInfo

log = logging.getLogger(__name__)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class PendingTags:
    """Tag rows not yet in the database."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def save(self, tags: list[TagInfo]) -> None:
        """Persist the current pending set (replaces the file)."""
        if tags:
            _atomic_write(self.path, json.dumps([dataclasses.asdict(t) for t in tags]))

    def load(self) -> list[TagInfo]:
        """Tags left by a previous run (empty when none)."""
        try:
            rows = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError):
            log.exception("unreadable %s; pending tags lost", self.path)
            return []
        return [TagInfo(**row) for row in rows]

    def clear(self) -> None:
        """The database has them all."""
        self.path.unlink(missing_ok=True)


class PendingQuarantine:
    """Quarantine records waiting for the database, one JSON object a line."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, records: list[QuarantineRecord]) -> None:
        """Add records durably."""
        if not records:
            return
        lines = "".join(json.dumps(dataclasses.asdict(r)) + "\n" for r in records)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(lines)
            fh.flush()
            os.fsync(fh.fileno())

    def replay(self, write: Callable[[list[QuarantineRecord]], None]) -> int:
        """Hand every waiting record to ``write``; the file is removed once it succeeded."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return 0
        records = []
        for line in text.splitlines():
            try:
                records.append(QuarantineRecord(**json.loads(line)))
            except (ValueError, TypeError):
                log.warning("skipping a torn line in %s", self.path)
        write(records)
        self.path.unlink(missing_ok=True)
        return len(records)
