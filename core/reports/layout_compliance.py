"""Sections only the compliance report has: anomalies, tickets, completeness, audit, signatures."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from core.reports.anomalies import AnomalyScan
from core.reports.audit_excerpt import AuditExcerpt, SignatureRow
from core.reports.completeness import TagCompleteness
from core.reports.compliance import TicketRow
from core.reports.context import local_text, short_local
from core.reports.model import Block, Chart, Section, Series, Text, table

log = logging.getLogger(__name__)

PCT = ".1f"


def anomaly_section(scan: AnomalyScan, zone: ZoneInfo) -> Section:
    """The strongest anomaly events and how they were found."""
    intro = Text(
        f"{scan.event_count} anomalous bucket(s) in {scan.tags_scanned} of {scan.tags_eligible} "
        f"analog tag(s); method: {scan.method}. The {len(scan.events)} strongest are listed."
    )
    if not scan.events:
        return Section("Anomalies", (intro,))
    rows = [(e.tag, e.device, local_text(e.ts_ns, zone), e.value, e.score) for e in scan.events]
    return Section(
        "Anomalies",
        (
            intro,
            table(
                "anomalies", "Anomaly events (strongest first)",
                ("tag", "device", "bucket_start_local", "bucket_mean", "score"),
                rows, ("", "", "", ".5g", ".3f"), (2.2, 1.1, 1.6, 1.0, 0.6),
            ),
        ),
    )  # fmt: skip


def ticket_section(rows: Sequence[TicketRow], zone: ZoneInfo) -> Section:
    """Maintenance tickets open at some time in the period."""
    if not rows:
        return Section("Maintenance tickets", (Text("No maintenance ticket in the period."),))
    cells = [
        (r.ticket.id, r.status, r.ticket.priority, r.ticket.area, r.ticket.source, r.ticket.title,
         short_local(r.ticket.opened_ns, zone), r.ticket.occurrences, r.ticket.assignee)
        for r in rows
    ]  # fmt: skip
    return Section(
        "Maintenance tickets",
        (
            table(
                "tickets", "Tickets (status at period end)",
                ("id", "status", "priority", "area", "source", "title", "opened_local",
                 "occurrences", "assignee"),
                cells, ("d", "", "", "", "", "", "", "d", ""),
                (0.4, 0.8, 0.7, 0.9, 1.6, 2.0, 1.0, 0.7, 0.8),
            ),
        ),
    )  # fmt: skip


def completeness_section(items: Sequence[TagCompleteness]) -> Section:
    """Data completeness per tag, lowest first in the chart."""
    rows = [
        (c.tag, c.device, c.unit, c.hours_with_data, c.hours, c.coverage_pct, c.samples,
         c.nominal_per_h, c.bad_pct, c.completeness_pct)
        for c in items
    ]  # fmt: skip
    worst = sorted(items, key=lambda c: (c.completeness_pct, c.tag))[:15]
    mean = sum(c.completeness_pct for c in items) / len(items) if items else 0.0
    return Section(
        "Data completeness",
        (
            Text(
                f"{len(items)} tag(s); mean completeness {mean:.1f} %. Completeness counts each "
                "hour up to the tag's median samples per hour (its nominal rate)."
            ),
            Chart(
                "hbar", "Least complete tags", tuple(c.tag for c in worst),
                (Series("completeness %", tuple(round(c.completeness_pct, 1) for c in worst)),),
                "%",
            ),
            table(
                "data_completeness", "Data completeness per tag",
                ("tag", "device", "unit", "hours_with_data", "hours", "coverage_pct", "samples",
                 "nominal_per_h", "bad_pct", "completeness_pct"),
                rows, ("", "", "", "d", "d", PCT, ",d", ".4g", ".2f", PCT),
                (2.2, 1.0, 0.5, 0.7, 0.6, 0.7, 0.8, 0.7, 0.6, 0.8),
            ),
        ),
    )  # fmt: skip


def audit_section(excerpt: AuditExcerpt, zone: ZoneInfo) -> Section:
    """The audit rows of the period and the check of their links."""
    check = (
        "every row's keyed link hash verified"
        if excerpt.links_ok
        else f"LINK CHECK FAILED: {excerpt.problem}"
    )
    seqs = f"seq {excerpt.first_seq} to {excerpt.last_seq}" if excerpt.total else "no rows"
    blocks: list[Block] = [
        Text(f"{excerpt.total} audit row(s) in the period ({seqs}); {check}."),
        table(
            "audit_by_action", "Audit rows per action", ("action", "rows"),
            excerpt.by_action, ("", ",d"), (2.0, 0.8),
        ),
    ]  # fmt: skip
    rows = [
        (r.seq, local_text(r.ts_ns, zone, seconds=True), r.username, r.station, r.action,
         r.target, r.outcome, r.hash[:16])
        for r in excerpt.rows
    ]  # fmt: skip
    if rows:
        more = excerpt.total - len(rows)
        blocks.append(
            table(
                "audit_excerpt", "Audit trail excerpt",
                ("seq", "time_local", "user", "station", "action", "target", "outcome", "hash"),
                rows, ("d", "", "", "", "", "", "", ""), (0.5, 1.6, 0.8, 0.8, 1.1, 1.6, 0.7, 1.1),
                note=f"{more} further row(s) not shown: controldeck audit export." if more else "",
            )
        )  # fmt: skip
    return Section("Audit trail", tuple(blocks))


def signature_section(rows: Sequence[SignatureRow], zone: ZoneInfo) -> Section:
    """Electronic signatures given in the period."""
    if not rows:
        return Section("Electronic signatures", (Text("No signature was given in the period."),))
    cells = [
        (s.signature.printed_name, s.signature.username, s.signature.meaning,
         local_text(s.signature.ts_ns, zone, seconds=True), s.report,
         s.signature.record_hash[:16], "yes" if s.authentic else "NO")
        for s in rows
    ]  # fmt: skip
    return Section(
        "Electronic signatures",
        (
            table(
                "signatures", "Signatures given in the period",
                ("printed_name", "user", "meaning", "time_local", "signs", "record_hash",
                 "authentic"),
                cells, widths=(1.3, 0.8, 0.8, 1.6, 1.4, 1.1, 0.7),
            ),
        ),
    )  # fmt: skip
