"""The audit trail and the electronic signatures of a period, for the compliance report.

The excerpt lists the audit rows of the period (bounded; ``controldeck audit export`` gives
all), counts them by action, and re-checks each row's keyed link hash and, where seqs follow
each other, the chain between them. Signatures are those made in the period, with the report
they sign (from the ``reports`` table) and whether their MAC still verifies.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select

from core.reports.context import ReportContext
from core.reports.tables import reports
from core.security.chain import ChainHasher
from core.security.events import AuditRecord
from core.security.signatures import Signature
from core.security.tables import record_signatures

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditExcerpt:
    """Audit rows of a period (at most ``limit`` shown) and their check."""

    rows: list[AuditRecord]
    total: int
    by_action: list[tuple[str, int]]
    first_seq: int | None
    last_seq: int | None
    links_ok: bool
    problem: str


@dataclass(frozen=True, slots=True)
class SignatureRow:
    """One electronic signature of the period."""

    signature: Signature
    report: str
    authentic: bool


def audit_excerpt(ctx: ReportContext, start_ns: int, end_ns: int, limit: int = 400) -> AuditExcerpt:
    """The period's audit rows, counted by action, with their link hashes re-checked."""
    rows = [r for r in ctx.security.audit.records(start_ns, end_ns) if r.ts_ns < end_ns]
    problem = _link_problem(rows, ChainHasher(ctx.security.keys.audit))
    counts = Counter(r.action for r in rows)
    return AuditExcerpt(
        rows[:limit],
        len(rows),
        sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])),
        rows[0].seq if rows else None,
        rows[-1].seq if rows else None,
        not problem,
        problem,
    )


def _link_problem(rows: list[AuditRecord], hasher: ChainHasher) -> str:
    previous: AuditRecord | None = None
    for row in sorted(rows, key=lambda r: r.seq):
        if hasher.link(row.prev_hash, row.content()) != row.hash:
            return f"seq {row.seq}: hash mismatch (row altered)"
        if previous is not None and row.seq == previous.seq + 1 and row.prev_hash != previous.hash:
            return f"seq {row.seq}: does not follow seq {previous.seq}"
        previous = row
    return ""


def signatures_in(ctx: ReportContext, start_ns: int, end_ns: int) -> list[SignatureRow]:
    """Signatures made in ``[start, end)`` with the report each one signs."""
    columns = [record_signatures.c[name] for name in Signature.__dataclass_fields__]
    s = record_signatures.c
    with ctx.historian.engine.connect() as conn:
        found = [
            Signature(*row)
            for row in conn.execute(
                select(*columns)
                .where(s.ts_ns >= start_ns, s.ts_ns < end_ns)
                .order_by(s.ts_ns, s.id)
            )
        ]
        described = _describe(conn, {f.record_hash for f in found})
    return [
        SignatureRow(
            f,
            described.get(f.record_hash, "not a report of this store"),
            ctx.security.signer.authentic(f),
        )
        for f in found
    ]


def _describe(conn: object, hashes: set[str]) -> dict[str, str]:
    if not hashes:
        return {}
    r = reports.c
    query = select(r.content_hash, r.id, r.kind, r.format).where(r.content_hash.in_(sorted(hashes)))
    rows = conn.execute(query).all()  # type: ignore[attr-defined]
    return {h: f"report #{i} ({kind}, {fmt})" for h, i, kind, fmt in rows}
