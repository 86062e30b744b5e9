"""The report service: generate, record, verify and sign reports of one plant store.

>>> with ReportService.open(config) as service:
...     result = service.export(ReportRequest("energy", start, end), Path("energy.pdf"))

Generating records the file's SHA-256, its query parameters and where it is written in the
archive and appends a ``report_generated`` audit row; writing a file appends a
``report_exported`` row (the target path and the SHA-256 written there). The same query
exported again (same parameters and author) reuses the first export's generation time; when the
data has not changed the bytes are identical and no new archive row is added. Runs in a worker thread (store reads, anomaly scoring).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from core.config import ConfigError, PlantConfig
from core.model import now_ns
from core.reports.archive import ReportArchive, ReportRecord
from core.reports.context import ReportContext
from core.reports.csvout import render_csv
from core.reports.layouts import build_document
from core.reports.model import ReportDocument, canonical_json, sha256_hex
from core.reports.pdf import render_pdf
from core.reports.request import ReportRequest
from core.reports.signing import signed_copy
from core.reports.verify import (
    ReportError,
    SignedReport,
    Verification,
    file_columns,
    record_copy,
    sign_file,
    verify_bytes,
)
from core.security.events import AuditAction, AuditEvent
from core.security.keys import InstallationKeyError
from core.security.service import SecurityServices
from core.store.historian import Historian

log = logging.getLogger(__name__)

__all__ = ["GeneratedReport", "ReportError", "ReportService", "format_for", "write_file"]


@dataclass(frozen=True)
class GeneratedReport:
    """A generated report: its bytes (signature block included when signed), its records."""

    content: bytes
    record: ReportRecord
    signed: ReportRecord | None
    reused: bool
    """True when an identical file of the same query was recorded before."""

    @property
    def sha256(self) -> str:
        """SHA-256 of :attr:`content`."""
        return sha256_hex(self.content)


def format_for(path: Path) -> str:
    """``pdf`` or ``csv`` from a file name's extension."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in ("pdf", "csv"):
        raise ConfigError("command line", "--out", str(path), "the file must end in .pdf or .csv")
    return suffix


def write_file(path: Path, data: bytes) -> None:
    """Write atomically (a temporary file renamed over the target)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.part")
    temporary.write_bytes(data)
    os.replace(temporary, path)


class ReportService:
    """Reports of one plant store."""

    def __init__(
        self, historian: Historian, security: SecurityServices, clock: Callable[[], int] = now_ns
    ) -> None:
        self.ctx = ReportContext(historian, security, clock)
        self.archive = ReportArchive(historian.engine)

    @classmethod
    @contextmanager
    def open(
        cls, config: PlantConfig, clock: Callable[[], int] = now_ns
    ) -> Iterator[ReportService]:
        """Open the store and the security core of a plant (closed on exit)."""
        historian = Historian.open(config)
        try:
            try:
                security = SecurityServices.open(config, historian.engine, clock=clock)
            except InstallationKeyError as exc:
                raise ConfigError(config.source, "security", "installation key", str(exc)) from exc
            yield cls(historian, security, clock)
        finally:
            historian.close()

    # -- generating -----------------------------------------------------------------------------
    def generate(
        self, request: ReportRequest, path: Path | None = None, *, copy_path: Path | None = None
    ) -> GeneratedReport:
        """Build, render, record and audit one report. ``path`` is where the caller writes the
        report, ``copy_path`` where it writes a signed copy made here (both recorded with a new
        archive row; nothing is written here)."""
        request = replace(request, notes=tuple(self.ctx.scrub(n) for n in request.notes))
        previous = self.archive.latest_for_query(request.query_digest)
        when = request.generated_ns or (previous.generated_ns if previous else self.ctx.clock())
        document = build_document(self.ctx, request, when)
        content = self.render(document, request)
        fixed = request.generated_ns is not None
        if previous is not None and not fixed and sha256_hex(content) != previous.content_hash:
            log.info("report data changed since report #%d: new edition", previous.id)
            document = replace(document, generated_ns=self.ctx.clock())
            content = self.render(document, request)
        reused = self.archive.by_hash(sha256_hex(content)) is not None
        record = self._record(content, request, document, path)
        self._audit(request, record, reused, path.name if path else "")
        signed = (
            self._with_signatures(content, record, copy_path) if request.with_signatures else None
        )
        if signed is None:
            return GeneratedReport(content, record, None, reused)
        return GeneratedReport(signed[0], record, signed[1], reused)

    def render(self, document: ReportDocument, request: ReportRequest) -> bytes:
        """The document in the request's format."""
        if request.fmt == "csv":
            return render_csv(document, request.table)
        return render_pdf(document)

    def export(self, request: ReportRequest, path: Path) -> GeneratedReport:
        """Generate, write to ``path`` and audit the export."""
        result = self.generate(request, path, copy_path=path)
        write_file(path, result.content)
        self.audit_export(
            result.signed or result.record, path, result.content, request.generated_by
        )
        return result

    def audit_export(self, record: ReportRecord, path: Path, content: bytes, user: str) -> None:
        """Append a ``report_exported`` row: the target path and the SHA-256 written there."""
        copy = f", signed copy of {record.base_hash}" if record.is_signed_copy else ""
        self.ctx.security.audit.append(
            AuditEvent(
                AuditAction.REPORT_EXPORTED, user, self.ctx.security.station,
                target=str(path.absolute()), new_value=sha256_hex(content),
                detail=f"report #{record.id} ({record.kind} {record.format}, "
                f"{len(content)} bytes{copy})",
            )
        )  # fmt: skip

    def _record(
        self,
        content: bytes,
        request: ReportRequest,
        document: ReportDocument,
        path: Path | None,
    ) -> ReportRecord:
        digest = sha256_hex(content)
        return self.archive.add(
            content_hash=digest,
            base_hash=digest,
            variant="original",
            kind=request.kind,
            format=request.fmt,
            query_digest=request.query_digest,
            parameters=canonical_json(request.parameters()),
            start_ns=request.start_ns,
            end_ns=request.end_ns,
            generated_ns=document.generated_ns,
            generated_by=request.generated_by,
            size=len(content),
            created_ns=self.ctx.clock(),
            **file_columns(path),
        )

    def _audit(
        self, request: ReportRequest, record: ReportRecord, reused: bool, file_name: str
    ) -> None:
        again = " (identical to the recorded file)" if reused else ""
        self.ctx.security.audit.append(
            AuditEvent(
                AuditAction.REPORT_GENERATED,
                request.generated_by,
                self.ctx.security.station,
                target=record.content_hash,
                new_value=f"{record.kind} {record.format}",
                reason=file_name,
                detail=f"report #{record.id}, {request.parameters()['from']} to "
                f"{request.parameters()['to']}{again}",
            )
        )

    def _with_signatures(
        self, content: bytes, record: ReportRecord, path: Path | None
    ) -> tuple[bytes, ReportRecord] | None:
        """The report with its signature block, when it has been signed (recorded too)."""
        signatures = self.ctx.security.signer.signatures(record.content_hash)
        if not signatures:
            return None
        data = signed_copy(content, record, signatures, self.ctx.config.plant.name, self.ctx.zone)
        if self.archive.by_hash(sha256_hex(data)) is None:
            copy = record_copy(self.ctx, self.archive, record, data, path)
            self.ctx.security.audit.append(
                AuditEvent(
                    AuditAction.REPORT_GENERATED, record.generated_by, self.ctx.security.station,
                    target=copy.content_hash, old_value=record.content_hash,
                    detail=f"signed copy of report #{record.id} ({len(signatures)} signature(s))",
                )
            )  # fmt: skip
        return data, self.archive.by_hash(sha256_hex(data)) or record

    # -- checking and signing -------------------------------------------------------------------
    def verify(self, data: bytes) -> Verification:
        """Check a file against the archive, the audit trail and its signatures."""
        return verify_bytes(self.ctx, self.archive, data)

    def sign(
        self,
        data: bytes,
        username: str,
        password: str,
        meaning: str,
        station: str = "",
        path: Path | None = None,
    ) -> SignedReport:
        """Re-authenticate, sign the report the file is (or extends), write nothing; the caller
        writes :attr:`SignedReport.content` (recorded in the archive with its own hash and, when
        given, the ``path`` it will be written to)."""
        signer = (username, password, meaning, station)
        return sign_file(self.ctx, self.archive, data, signer, path)
