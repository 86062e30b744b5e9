"""Where the console keeps report files, and what state each archived report's file is in.

The report archive (``reports`` table) records every file's SHA-256, its name and the path it
was first written to (empty for rows from before revision 0008 and for copies signed here).
The console writes the reports it generates and signs into one folder (next to a SQLite store,
else in the user data directory) and looks for an archived file at its recorded path, then by
name there and in the folders of the plant's report schedules. A file is then *verified* (its bytes are the recorded ones
and :meth:`core.reports.ReportService.verify` accepts them: audit row and signatures intact),
*modified* (a file of that name holds other bytes), *not verified* (recorded bytes, but the
audit row or a signature does not check out) or *missing*.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from core.config import PlantConfig, user_data_dir
from core.reports import ReportRecord, ReportService, Verification, plant_schedules, write_file
from core.reports.model import sha256_hex
from core.store import database

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class FileState(StrEnum):
    """The verification state of an archived report's file."""

    UNCHECKED = "not checked"
    VERIFIED = "verified"
    MODIFIED = "modified"
    NOT_VERIFIED = "NOT VERIFIED"
    MISSING = "missing file"


@dataclass(frozen=True)
class ArchiveEntry:
    """One archive row with its file, its state and the signatures of its report."""

    record: ReportRecord
    path: Path | None
    state: FileState
    signatures: tuple[str, ...] = ()
    """``Sue Park (approved)`` per signature of the report (original) this file is or extends."""
    problems: tuple[str, ...] = field(default_factory=tuple)


def default_folder(config: PlantConfig) -> Path:
    """``reports`` beside a SQLite store; else a folder per store in the user data directory."""
    url = database.resolve_url(config.store.url, config.base_dir)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(str(url.database)).resolve().parent / "reports"
    digest = hashlib.sha256(database.describe(url).encode()).hexdigest()[:12]
    return user_data_dir() / "reports" / digest


def schedule_folders(config: PlantConfig) -> list[Path]:
    """The output folders of the plant's ``[[reports]]`` schedules (none when invalid)."""
    try:
        return [s.folder_path(config.base_dir) for s in plant_schedules(config)]
    except ValueError as exc:
        log.warning("report schedules not searched for files: %s", exc)
        return []


def report_file_name(kind: str, start_local: str, end_local: str, stamp: str, fmt: str) -> str:
    """``energy_2026-01-05T0000_2026-01-12T0000_20260113T101500.pdf`` (safe characters only)."""
    parts = (kind, start_local, end_local, stamp)
    return "_".join(_UNSAFE.sub("", p) for p in parts) + f".{fmt}"


def grouped_hash(content_hash: str, size: int = 16) -> str:
    """A SHA-256 in groups of 16 hex digits (easier to compare by eye; wraps on narrow
    screens)."""
    return " ".join(content_hash[i : i + size] for i in range(0, len(content_hash), size))


def signed_name(file_name: str, content_hash: str) -> str:
    """The console's name of a signed copy: ``x.pdf`` -> ``x.signed-<hash12>.pdf``."""
    path = Path(file_name)
    return f"{path.stem}.signed-{content_hash[:12]}{path.suffix}"


class ReportFolder:
    """The console's report folder and the schedule folders searched for archived files."""

    def __init__(self, root: Path, search: Sequence[Path] = ()) -> None:
        self.root = root
        self.search = [root, *(p for p in search if p != root)]

    @classmethod
    def for_plant(cls, config: PlantConfig, root: Path | None = None) -> ReportFolder:
        """The default folder (or ``root``) plus the plant's schedule folders."""
        return cls(root or default_folder(config), schedule_folders(config))

    def names_of(self, record: ReportRecord) -> list[str]:
        """File names the record's file may have (a signed copy: the console's name first)."""
        if not record.file_name:
            return []
        if record.is_signed_copy:
            return [signed_name(record.file_name, record.content_hash)]
        return [record.file_name]

    def locate(self, record: ReportRecord) -> Path | None:
        """The file at the record's path, else the first file of its name in the searched
        folders (None: missing)."""
        if record.file_path and Path(record.file_path).is_file():
            return Path(record.file_path)
        for folder in self.search:
            for name in self.names_of(record):
                candidate = folder / name
                if candidate.is_file():
                    return candidate
        return None

    def target(self, record: ReportRecord) -> Path:
        """Where the console writes the record's file."""
        names = self.names_of(record)
        if not names:
            raise ValueError(f"report #{record.id} has no file name")
        return self.root / names[0]

    def keep(self, record: ReportRecord, content: bytes) -> Path | None:
        """Write ``content`` as the record's file; an existing file of that name is never
        replaced (None when it holds other bytes: the name belongs to another file)."""
        path = self.target(record)
        if path.is_file():
            if sha256_hex(path.read_bytes()) == record.content_hash:
                return path
            log.warning("%s holds other bytes than report #%d: left alone", path, record.id)
            return None
        write_file(path, content)
        log.info("report #%d written to %s", record.id, path)
        return path


def signature_texts(service: ReportService, record: ReportRecord) -> tuple[str, ...]:
    """``Printed Name (meaning)`` of every signature of the report ``record`` is or extends."""
    base_hash = record.base_hash if record.is_signed_copy else record.content_hash
    signer = service.ctx.security.signer
    return tuple(f"{s.printed_name} ({s.meaning})" for s in signer.signatures(base_hash))


def check(service: ReportService, folder: ReportFolder, record: ReportRecord) -> ArchiveEntry:
    """Find and verify the file of one archive row (store reads and file I/O: a worker)."""
    signatures = signature_texts(service, record)
    path = folder.locate(record)
    if path is None:
        searched = ", ".join(str(f) for f in folder.search)
        problem = f"no file {' or '.join(folder.names_of(record)) or '(unnamed)'} in {searched}"
        if record.file_path:
            problem = f"not at {record.file_path}; {problem}"
        return ArchiveEntry(record, None, FileState.MISSING, signatures, (problem,))
    data = path.read_bytes()
    outcome = service.verify(data)
    if sha256_hex(data) != record.content_hash:
        state = FileState.MODIFIED
    else:
        state = FileState.VERIFIED if outcome.ok else FileState.NOT_VERIFIED
    return ArchiveEntry(record, path, state, signatures, tuple(outcome.problems))


def load_archive(
    service: ReportService, folder: ReportFolder, limit: int = 200
) -> list[ArchiveEntry]:
    """The newest archive rows with the state of their files."""
    return [check(service, folder, r) for r in service.archive.recent(limit)]


def verify_file(service: ReportService, path: Path) -> Verification:
    """Check any report file (e.g. one received by e-mail) against the store."""
    return service.verify(path.read_bytes())


def describe(entry: ArchiveEntry) -> str:
    """The state of a row in one line, with the first problem."""
    first = f": {entry.problems[0]}" if entry.problems else ""
    where = f" ({entry.path})" if entry.path is not None else ""
    return f"report #{entry.record.id} {entry.state.value}{where}{first}"
