"""Segment files of the store-and-forward spool, and the small durable-file helpers it needs.

A segment is an append-only file ``seg-<first seq, 20 digits>.spool`` holding records back to
back (format in :mod:`core.store.spool_format`). :class:`SegmentFiles` owns the segments of one
spool: it appends at the end of the newest and reads from the head of the oldest.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from core.store.spool_format import Record, find_next_record, read_record

if sys.platform == "win32":
    import msvcrt

    def _lock_exclusive(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

else:
    import fcntl

    def _lock_exclusive(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


SEGMENT_PREFIX = "seg-"
SEGMENT_SUFFIX = ".spool"
log = logging.getLogger(__name__)
_OPEN_EXTRA = getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


class SpoolInUseError(RuntimeError):
    """Another Spool (in this or another process) has the directory open."""


@dataclass(slots=True)
class Segment:
    """One segment file: the first sequence number in its name and its valid size in bytes."""

    first_seq: int
    path: Path
    size: int


def segment_path(directory: Path, first_seq: int) -> Path:
    """File name of the segment whose first record is ``first_seq``."""
    return directory / f"{SEGMENT_PREFIX}{first_seq:020d}{SEGMENT_SUFFIX}"


def list_segments(directory: Path) -> list[tuple[int, Path]]:
    """(first seq, path) of every segment file in ``directory``, oldest first."""
    found = []
    for path in directory.glob(f"{SEGMENT_PREFIX}*{SEGMENT_SUFFIX}"):
        digits = path.name[len(SEGMENT_PREFIX) : -len(SEGMENT_SUFFIX)]
        if digits.isdigit():
            found.append((int(digits), path))
    return sorted(found)


def write_all(fd: int, data: bytes) -> None:
    """``os.write`` until every byte is written (a short write is retried, not ignored)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def open_append(path: Path) -> int:
    """Open (create) a segment for appending: a raw binary descriptor, no Python buffering."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | _OPEN_EXTRA
    return os.open(path, flags, 0o644)


def fsync_dir(directory: Path) -> None:
    """Make a directory entry change (create, rename, unlink) durable (no-op on Windows)."""
    if sys.platform == "win32":
        return
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, *, fsync: bool) -> None:
    """Replace ``path`` with ``data`` atomically: write a temp file, fsync, rename, fsync dir."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _OPEN_EXTRA, 0o644)
    try:
        write_all(fd, data)
        if fsync:
            os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    if fsync:
        fsync_dir(path.parent)


class DirectoryLock:
    """An exclusive, non-blocking lock on ``path``: at most one open Spool per directory.

    The operating system drops it when the process dies, so a crash never leaves it stale.
    """

    def __init__(self, path: Path) -> None:
        self._fd: int | None = os.open(path, os.O_RDWR | os.O_CREAT | _OPEN_EXTRA, 0o644)
        try:
            _lock_exclusive(self._fd)
        except OSError:
            os.close(self._fd)
            self._fd = None
            raise SpoolInUseError(f"{path.parent} is in use by another spool") from None

    def release(self) -> None:
        """Unlock (idempotent)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def truncate_durably(path: Path, size: int) -> None:
    """Cut ``path`` to ``size`` bytes and fsync it (recovery of a torn tail)."""
    fd = os.open(path, os.O_WRONLY | _OPEN_EXTRA)
    try:
        os.ftruncate(fd, size)
        os.fsync(fd)
    finally:
        os.close(fd)


class SegmentFiles:
    """The segment files of one spool, oldest first: append at the end, read from the head.

    ``head_offset`` is the byte offset in the oldest segment where the next record to read
    starts; the caller advances it past records it has consumed.
    """

    def __init__(
        self,
        directory: Path,
        segments: list[Segment],
        head_offset: int,
        *,
        segment_bytes: int,
        fsync: bool,
    ) -> None:
        self.directory, self.segments, self.head_offset = directory, segments, head_offset
        self.segment_bytes, self._fsync = segment_bytes, fsync
        self._writer: int | None = None
        self._reader: BinaryIO | None = None
        if segments and segments[-1].size < segment_bytes:
            self._writer = open_append(segments[-1].path)

    @property
    def disk_bytes(self) -> int:
        """Bytes in all segment files (what ``max_bytes`` bounds)."""
        return sum(segment.size for segment in self.segments)

    @property
    def pending_bytes(self) -> int:
        """Bytes from the head to the end."""
        return self.disk_bytes - self.head_offset if self.segments else 0

    def append(self, seq: int, data: bytes) -> None:
        """Write one encoded record (fsync-ed if configured); a failed write is cut back."""
        fd, segment = self._writable(seq, len(data))
        try:
            write_all(fd, data)
            if self._fsync:
                os.fsync(fd)
        except OSError:
            try:
                os.ftruncate(fd, segment.size)
            except OSError:
                log.exception("spool %s: cannot cut a failed append back", segment.path.name)
            raise
        segment.size += len(data)

    def read_head(self) -> Record | None:
        """The first verified record at or after the head (re-synchronising past corrupt bytes)."""
        segment = self.segments[0]
        if self._reader is None:
            self._reader = segment.path.open("rb", buffering=0)
        record = read_record(self._reader, self.head_offset, segment.size)
        if record is None and self.head_offset < segment.size:
            start = self.head_offset
            record = find_next_record(self._reader, start + 1, segment.size)
            self.head_offset = segment.size if record is None else record.offset
            log.warning(
                "spool %s: unreadable bytes %d..%d", segment.path.name, start, self.head_offset
            )
        return record

    def head_exhausted(self) -> bool:
        """True when the oldest segment has nothing left to read."""
        return bool(self.segments) and self.head_offset >= self.segments[0].size

    def drop_head(self) -> None:
        """Delete the oldest segment (every record in it must be done)."""
        segment = self.segments.pop(0)
        self._close_reader()
        if not self.segments:
            self._close_writer()
        segment.path.unlink()
        if self._fsync:
            fsync_dir(self.directory)
        self.head_offset = 0

    def close(self) -> None:
        """Close the open files."""
        self._close_reader()
        self._close_writer()

    def _writable(self, seq: int, size: int) -> tuple[int, Segment]:
        if self._writer is not None:
            last = self.segments[-1]
            if last.size == 0 or last.size + size <= self.segment_bytes:
                return self._writer, last
            self._close_writer()
        segment = Segment(seq, segment_path(self.directory, seq), 0)
        self._writer = open_append(segment.path)
        self.segments.append(segment)
        if self._fsync:
            fsync_dir(self.directory)
        return self._writer, segment

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def _close_writer(self) -> None:
        if self._writer is not None:
            os.close(self._writer)
            self._writer = None
