"""Compliance report data: operations, energy and CO2e, alarm management, anomalies,
maintenance tickets, data completeness per tag, an audit-trail excerpt and the signatures."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from core.alarms.tickets import Ticket, TicketManager
from core.reports.anomalies import AnomalyOptions, AnomalyScan, find_anomalies
from core.reports.audit_excerpt import AuditExcerpt, SignatureRow, audit_excerpt, signatures_in
from core.reports.completeness import TagCompleteness, data_completeness
from core.reports.context import ReportContext
from core.reports.energy import EnergyData, build_energy
from core.reports.shift import ShiftData, build_shift
from core.tags import TagInfo

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TicketRow:
    """A maintenance ticket as it stood at the end of the period."""

    ticket: Ticket
    status: str


@dataclass(frozen=True)
class ComplianceData:
    """Everything the compliance report shows."""

    start_ns: int
    end_ns: int
    area: str
    operations: ShiftData
    energy: EnergyData
    anomalies: AnomalyScan
    tickets: list[TicketRow]
    completeness: list[TagCompleteness]
    audit: AuditExcerpt
    signatures: list[SignatureRow]


def build_compliance(
    ctx: ReportContext,
    start_ns: int,
    end_ns: int,
    area: str = "",
    notes: Sequence[str] = (),
    anomaly: AnomalyOptions | None = None,
) -> ComplianceData:
    """The compliance figures of ``[start, end)`` (one area, or the plant)."""
    tags = reported_tags(ctx, area)
    return ComplianceData(
        start_ns,
        end_ns,
        area,
        build_shift(ctx, start_ns, end_ns, area, notes),
        build_energy(ctx, start_ns, end_ns, area=area),
        find_anomalies(ctx, start_ns, end_ns, tags, anomaly),
        tickets_in(ctx, start_ns, end_ns, area),
        data_completeness(ctx.historian.engine, start_ns, end_ns, tags),
        audit_excerpt(ctx, start_ns, end_ns),
        signatures_in(ctx, start_ns, end_ns),
    )


def reported_tags(ctx: ReportContext, area: str = "") -> list[TagInfo]:
    """The tags of the report, by name (those of the area's devices when an area is given)."""
    allowed = ctx.devices_in(area)
    return sorted(
        (t for t in ctx.historian.registry if allowed is None or t.device in allowed),
        key=lambda t: t.name,
    )


def tickets_in(ctx: ReportContext, start_ns: int, end_ns: int, area: str = "") -> list[TicketRow]:
    """Tickets open at some time in the period, with their status at its end, oldest first."""
    manager = TicketManager(ctx.historian.engine, [], None)
    out = []
    for t in manager.tickets():
        if t.opened_ns >= end_ns or (t.closed_ns is not None and t.closed_ns < start_ns):
            continue
        if area and t.area != area:
            continue
        out.append(TicketRow(t, status_at(t, end_ns)))
    return sorted(out, key=lambda r: (r.ticket.opened_ns, r.ticket.id))


def status_at(ticket: Ticket, ts_ns: int) -> str:
    """The lifecycle status a ticket had at ``ts_ns`` (from its step times)."""
    for status, when in (
        ("closed", ticket.closed_ns),
        ("resolved", ticket.resolved_ns),
        ("in_progress", ticket.started_ns),
    ):
        if when is not None and when < ts_ns:
            return status
    return "open"
