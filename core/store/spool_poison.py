"""Quarantine of spool records that the database refused repeatedly (see :mod:`core.store.spool`).

Each poisoned record is one file ``poison/<seq, 20 digits>.poison`` written atomically::

    b"CDPQ"  u32 meta_len  meta (UTF-8 JSON: seq, reason, attempts, rows, time_ns)  record

where ``record`` is the spool record exactly as it was stored (header + payload, CRC-checked
again when it is taken back). The quarantine is not counted against the spool's ``max_bytes``.
"""

from __future__ import annotations

import json
import logging
import struct
from dataclasses import dataclass
from pathlib import Path

from core.model import SampleBatch
from core.store.spool_format import Record, parse_record
from core.store.spool_segment import atomic_write, fsync_dir

log = logging.getLogger(__name__)

POISON_MAGIC = b"CDPQ"
_PREFIX = struct.Struct("<4sI")
_SUFFIX = ".poison"


class PoisonError(Exception):
    """A quarantined record is missing or unreadable."""


@dataclass(frozen=True, slots=True)
class PoisonedRecord:
    """One quarantined spool record, as the Diagnostics view lists it."""

    seq: int
    reason: str
    """The database error of the last failed attempt."""
    attempts: int
    rows: int
    time_ns: int
    """When it was quarantined (UTC epoch nanoseconds)."""


class PoisonStore:
    """The ``poison/`` directory of a spool: put, list, take back and delete records."""

    def __init__(self, directory: Path, *, fsync: bool) -> None:
        self.directory = directory
        self._fsync = fsync
        directory.mkdir(parents=True, exist_ok=True)

    def put(self, record: Record, reason: str, attempts: int, time_ns: int) -> PoisonedRecord:
        """Quarantine ``record`` durably (one atomic file) and describe it."""
        info = PoisonedRecord(record.seq, reason, attempts, record.rows, time_ns)
        meta = json.dumps(
            {
                "seq": info.seq,
                "reason": info.reason,
                "attempts": info.attempts,
                "rows": info.rows,
                "time_ns": info.time_ns,
            }
        ).encode()
        data = _PREFIX.pack(POISON_MAGIC, len(meta)) + meta + record.to_bytes()
        atomic_write(self._path(record.seq), data, fsync=self._fsync)
        return info

    def contains(self, seq: int) -> bool:
        """True when record ``seq`` is in quarantine."""
        return self._path(seq).exists()

    def count(self) -> int:
        """Number of records in quarantine."""
        return sum(1 for _ in self.directory.glob(f"*{_SUFFIX}"))

    def list(self) -> list[PoisonedRecord]:
        """Every quarantined record, oldest sequence number first (unreadable files are logged)."""
        found = []
        for path in sorted(self.directory.glob(f"*{_SUFFIX}")):
            try:
                found.append(self._read(path)[0])
            except PoisonError as exc:
                log.error("spool quarantine file %s is unreadable: %s", path, exc)
        return found

    def load(self, seq: int) -> SampleBatch:
        """The batch of quarantined record ``seq`` (it stays in quarantine)."""
        return self._read(self._path(seq))[1].batch()

    def take(self, seq: int) -> SampleBatch:
        """Remove record ``seq`` from quarantine and return its batch (e.g. for a retry)."""
        batch = self.load(seq)
        self.delete(seq)
        return batch

    def delete(self, seq: int) -> None:
        """Discard record ``seq`` from quarantine for good."""
        path = self._path(seq)
        try:
            path.unlink()
        except FileNotFoundError:
            raise PoisonError(f"no quarantined spool record {seq}") from None
        if self._fsync:
            fsync_dir(self.directory)

    def _path(self, seq: int) -> Path:
        return self.directory / f"{seq:020d}{_SUFFIX}"

    @staticmethod
    def _read(path: Path) -> tuple[PoisonedRecord, Record]:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise PoisonError(f"no quarantine file {path.name}") from None
        if len(data) < _PREFIX.size or data[:4] != POISON_MAGIC:
            raise PoisonError("bad magic")
        _magic, meta_len = _PREFIX.unpack_from(data)
        start = _PREFIX.size + meta_len
        try:
            meta = json.loads(data[_PREFIX.size : start])
            info = PoisonedRecord(
                int(meta["seq"]),
                str(meta["reason"]),
                int(meta["attempts"]),
                int(meta["rows"]),
                int(meta["time_ns"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise PoisonError(f"bad metadata: {exc}") from None
        record = parse_record(data, start)
        if record is None or record.seq != info.seq:
            raise PoisonError("record fails its CRC check")
        return info, record
