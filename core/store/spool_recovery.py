"""Opening a spool after a stop or a crash: the durable cursor and the scan of every segment.

The scan reads every record of every segment and checks its CRC. It finds the oldest record not
yet acknowledged, counts the pending records, truncates a torn record at the end of the last
segment (a crash in the middle of an append) and counts the records lost to corruption from the
gaps in sequence numbers: nothing is skipped without a log line and a count.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from core.store.spool_format import Record, find_next_record, read_record
from core.store.spool_segment import Segment, atomic_write, truncate_durably

log = logging.getLogger(__name__)

CURSOR_NAME = "cursor.json"


@dataclass(frozen=True, slots=True)
class Cursor:
    """What survives a restart besides the records: the acknowledged position and retry count."""

    committed: int = 0
    """Every record with a sequence number up to this one is stored or quarantined."""
    attempt_seq: int = 0
    attempts: int = 0
    """Failed attempts so far of record ``attempt_seq`` (the oldest pending one)."""


def load_cursor(directory: Path) -> Cursor:
    """The cursor of ``directory``; a missing one is the start, an unreadable one replays all."""
    path = directory / CURSOR_NAME
    if not path.exists():
        return Cursor()
    try:
        data = json.loads(path.read_text())
        return Cursor(int(data["committed"]), int(data["attempt_seq"]), int(data["attempts"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.error("spool cursor %s is unreadable (%s): replaying every record on disk", path, exc)
        return Cursor()


def save_cursor(directory: Path, cursor: Cursor, *, fsync: bool) -> None:
    """Replace the cursor atomically (temp file, fsync, rename, fsync of the directory)."""
    data = {
        "version": 1,
        "committed": cursor.committed,
        "attempt_seq": cursor.attempt_seq,
        "attempts": cursor.attempts,
    }
    atomic_write(directory / CURSOR_NAME, json.dumps(data).encode(), fsync=fsync)


@dataclass(slots=True)
class ScanResult:
    """Where replay starts and what the scan found."""

    committed: int
    expected: int
    """The sequence number the next record should carry (becomes the next one to append)."""
    head: tuple[int, int] | None = None
    """(segment index, byte offset) of the oldest pending record, None when nothing is pending."""
    pending: int = 0
    corrupt: int = 0
    known_gaps: set[int] = field(default_factory=set)
    """Sequence numbers of records that follow a gap already counted here."""

    def take(self, index: int, record: Record) -> None:
        """Account for one verified record found at segment ``index``."""
        if record.seq <= self.committed:
            return
        if record.seq < self.expected:
            log.error("spool record %d is out of order: skipped", record.seq)
            self.corrupt += 1
            return
        if record.seq > self.expected:
            self.lose_until(record.seq)
        if self.head is None:
            self.head = (index, record.offset)
        self.pending += 1
        self.expected = record.seq + 1

    def lose_until(self, seq: int) -> None:
        """Records ``expected .. seq - 1`` are missing: count and log them."""
        lost = seq - self.expected
        if lost > 0:
            self.corrupt += lost
            self.known_gaps.add(seq)
            self.expected = seq
            log.error("spool records %d..%d are corrupt or missing: skipped", seq - lost, seq - 1)


def scan_segments(segments: list[Segment], committed: int) -> ScanResult:
    """Verify every record of ``segments`` (oldest first), repairing a torn tail in place."""
    result = ScanResult(committed, committed + 1)
    for index, segment in enumerate(segments):
        is_last = index == len(segments) - 1
        bad_from = _scan_one(result, index, segment)
        if bad_from is None:
            continue
        if is_last:
            log.warning(
                "spool %s: torn record at the end (%d bytes) truncated",
                segment.path.name,
                segment.size - bad_from,
            )
            truncate_durably(segment.path, bad_from)
            segment.size = bad_from
            result.corrupt += 1
        else:
            log.error(
                "spool %s: unreadable bytes %d..%d at the end skipped",
                segment.path.name,
                bad_from,
                segment.size,
            )
            result.lose_until(segments[index + 1].first_seq)
    return result


def _scan_one(result: ScanResult, index: int, segment: Segment) -> int | None:
    """Scan one segment; returns the offset where unreadable data runs to its end, if any."""
    with segment.path.open("rb", buffering=0) as file:
        offset = 0
        while offset < segment.size:
            record = read_record(file, offset, segment.size)
            if record is None:
                record = find_next_record(file, offset + 1, segment.size)
                if record is None:
                    return offset
                log.error(
                    "spool %s: corrupt bytes %d..%d skipped",
                    segment.path.name,
                    offset,
                    record.offset,
                )
            result.take(index, record)
            offset = record.end
    return None
