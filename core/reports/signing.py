"""Signature blocks: the signatures of a report, appended to a copy that keeps the report intact.

A signed PDF is the original file followed by a PDF incremental update (pypdf) that adds the
signature pages; a signed CSV is the original followed by a ``## signatures`` section. Either
way the first ``size`` bytes of the signed copy are the signed report itself, byte for byte,
so its hash can be checked inside the copy. The block lists, for every signature, the printed
name, the user name, the meaning, the time in UTC and local time with the offset, the audit
sequence number, and the record hash it is linked to (21 CFR Part 11 sections 11.50, 11.70).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, Spacer

from core.reports.archive import ReportRecord
from core.reports.context import local_text, utc_text
from core.reports.csvout import signature_block
from core.reports.model import TITLES, Cell, Table, table
from core.reports.pdf_parts import (
    BOTTOM,
    FRAME_WIDTH,
    MARGIN,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    TOP,
    PageHeader,
    canvas_class,
    data_table,
    safe,
    styles,
)
from core.security.signatures import Signature

log = logging.getLogger(__name__)

COLUMNS = (
    "printed_name",
    "username",
    "meaning",
    "signed_utc",
    "signed_local",
    "audit_seq",
    "record_hash",
)


def signature_rows(signatures: Sequence[Signature], zone: ZoneInfo) -> list[tuple[Cell, ...]]:
    """One row per signature (see :data:`COLUMNS`)."""
    return [
        (
            s.printed_name,
            s.username,
            s.meaning,
            utc_text(s.ts_ns, seconds=True),
            local_text(s.ts_ns, zone, seconds=True),
            s.audit_seq,
            s.record_hash,
        )
        for s in signatures
    ]


def signed_copy(
    original: bytes,
    record: ReportRecord,
    signatures: Sequence[Signature],
    plant: str,
    zone: ZoneInfo,
) -> bytes:
    """The report followed by its signature block."""
    if not signatures:
        raise ValueError("no signatures to append")
    rows = signature_rows(signatures, zone)
    if record.format == "csv":
        return original + signature_block(record.content_hash, rows, COLUMNS)
    return append_pdf(original, signature_pdf(record, rows, signatures, plant, zone))


def signature_pdf(
    record: ReportRecord,
    rows: list[tuple[Cell, ...]],
    signatures: Sequence[Signature],
    plant: str,
    zone: ZoneInfo,
) -> bytes:
    """The signature pages of a report, as a PDF of their own."""
    header = _header(record, signatures, plant, zone)
    sheet = styles()
    story: list[Flowable] = [
        Paragraph("Electronic signatures", sheet["H1"]),
        Paragraph(safe(_statement(record)), sheet["Body"]),
        Spacer(1, 8),
        data_table(_pdf_table(rows), sheet),
        Spacer(1, 10),
    ]  # fmt: skip
    story += [Paragraph(safe(_manifest(s, zone)), sheet["Body"]) for s in signatures]
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), leftMargin=MARGIN, rightMargin=MARGIN,
        topMargin=TOP, bottomMargin=BOTTOM, invariant=1,
    )  # fmt: skip
    frame = Frame(MARGIN, BOTTOM, FRAME_WIDTH, PAGE_HEIGHT - TOP - BOTTOM, id="body")
    doc.addPageTemplates([PageTemplate("page", [frame])])
    doc.build(story, canvasmaker=canvas_class(header))
    return buffer.getvalue()


def _header(
    record: ReportRecord, signatures: Sequence[Signature], plant: str, zone: ZoneInfo
) -> PageHeader:
    period = f"{local_text(record.start_ns, zone)} to {local_text(record.end_ns, zone)}"
    return PageHeader(
        left=f"{plant} - {TITLES.get(record.kind, record.kind)}",
        right=period,
        second=f"Signature page of report #{record.id}, SHA-256 {record.content_hash}",
        footer="ControlDeck electronic signatures - verify: controldeck report verify FILE",
        generated_ns=max(s.ts_ns for s in signatures),
        title=f"Signatures of report #{record.id}",
        author=", ".join(sorted({s.username for s in signatures})),
        subject=record.content_hash,
        page_label="Signature page",
        first_page_header=True,
    )


def _pdf_table(rows: list[tuple[Cell, ...]]) -> Table:
    """The signatures without the (long) record hash, which the statement above gives."""
    return table(
        "signatures",
        "",
        COLUMNS[:-1],
        [r[:-1] for r in rows],
        widths=(1.4, 0.9, 0.8, 1.6, 1.9, 0.6),
    )


def _statement(record: ReportRecord) -> str:
    return (
        f"These signatures are linked to report #{record.id} ({record.kind}, {record.format}), "
        f"whose SHA-256 is {record.content_hash}. The first {record.size} bytes of this file are "
        "that report, unchanged; each signature was given after its signer entered their user "
        "name and password again, and is recorded in the audit trail under the sequence number "
        "shown."
    )


def _manifest(s: Signature, zone: ZoneInfo) -> str:
    when = f"{utc_text(s.ts_ns, seconds=True)} (local {local_text(s.ts_ns, zone, seconds=True)})"
    return f"Signed by {s.printed_name} ({s.username}) - meaning: {s.meaning} - {when}"


def append_pdf(original: bytes, pages: bytes) -> bytes:
    """``original`` with the pages of ``pages`` added by an incremental update (prefix intact)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(io.BytesIO(original), incremental=True)
    for page in PdfReader(io.BytesIO(pages)).pages:
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    if not data.startswith(original):
        raise RuntimeError("the incremental update rewrote the signed report")
    return data
