"""From a request to a :class:`ReportDocument`: build the kind's data, lay out its sections.

:func:`build_document` runs the data builders (the slow part: store reads, energy, KPIs,
anomaly scoring) and lays the result out; the generation time and author are filled in by the
caller, so a document can be rendered again with another header without new queries. Every
piece of text passes through the identifier scrubber before it reaches a renderer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from core.reports.alarms import build_alarms
from core.reports.compliance import ComplianceData, build_compliance
from core.reports.context import ReportContext
from core.reports.energy import build_energy
from core.reports.layout_alarms import alarm_sections, alarm_summary
from core.reports.layout_compliance import (
    anomaly_section,
    audit_section,
    completeness_section,
    signature_section,
    ticket_section,
)
from core.reports.layout_energy import energy_sections, energy_summary
from core.reports.layout_ops import (
    action_blocks,
    action_summary_blocks,
    note_blocks,
    operations_section,
)
from core.reports.model import TITLES, ReportDocument, Section
from core.reports.request import ReportRequest
from core.reports.shift import ShiftData, build_shift

log = logging.getLogger(__name__)

Layout = Callable[[ReportContext, ReportRequest], tuple[list[Section], list[tuple[str, str]]]]


def _shift(ctx: ReportContext, req: ReportRequest) -> tuple[list[Section], list[tuple[str, str]]]:
    data = build_shift(ctx, req.start_ns, req.end_ns, req.area, req.notes)
    sections = [
        operations_section(data.run_states, data.production, data.production_periods),
        *alarm_sections(data.alarms, ctx.zone, with_list=True),
        Section("Operator actions", tuple(action_blocks(data.actions, ctx.zone))),
        Section("Notes", tuple(note_blocks(data.notes, ctx.zone))),
    ]
    return sections, _shift_summary(data)


def _shift_summary(data: ShiftData) -> list[tuple[str, str]]:
    produced = [(f"Produced ({unit})", f"{count:,.0f}") for unit, count in data.produced.items()]
    return [
        *produced,
        *alarm_summary(data.alarms.kpis),
        ("Operator actions", str(len(data.actions))),
    ]


def _energy(ctx: ReportContext, req: ReportRequest) -> tuple[list[Section], list[tuple[str, str]]]:
    data = build_energy(ctx, req.start_ns, req.end_ns, req.by, req.devices, req.area)
    return energy_sections(data), energy_summary(data)


def _alarms(ctx: ReportContext, req: ReportRequest) -> tuple[list[Section], list[tuple[str, str]]]:
    data = build_alarms(ctx, req.start_ns, req.end_ns, req.area)
    return alarm_sections(data, ctx.zone, with_list=False), alarm_summary(data.kpis)


def _compliance(
    ctx: ReportContext, req: ReportRequest
) -> tuple[list[Section], list[tuple[str, str]]]:
    data = build_compliance(ctx, req.start_ns, req.end_ns, req.area, req.notes)
    return compliance_sections(ctx, data), compliance_summary(data)


def compliance_sections(ctx: ReportContext, data: ComplianceData) -> list[Section]:
    """Every chapter of the compliance report."""
    ops = data.operations
    zone = ctx.zone
    return [
        operations_section(ops.run_states, ops.production, ops.production_periods),
        *energy_sections(data.energy),
        *alarm_sections(ops.alarms, zone, with_list=False),
        anomaly_section(data.anomalies, zone),
        ticket_section(data.tickets, zone),
        completeness_section(data.completeness),
        Section("Operator actions and notes", (*action_summary_blocks(ops.actions),
                                               *note_blocks(ops.notes, zone))),
        audit_section(data.audit, zone),
        signature_section(data.signatures, zone),
    ]  # fmt: skip


def compliance_summary(data: ComplianceData) -> list[tuple[str, str]]:
    """Key figures of the compliance report."""
    items = data.completeness
    mean = sum(c.completeness_pct for c in items) / len(items) if items else 0.0
    return [
        *energy_summary(data.energy),
        *alarm_summary(data.operations.alarms.kpis),
        ("Anomaly events", str(data.anomalies.event_count)),
        ("Maintenance tickets", str(len(data.tickets))),
        ("Mean data completeness", f"{mean:.1f} %"),
        ("Audit rows", str(data.audit.total)),
        ("Signatures", str(len(data.signatures))),
    ]


LAYOUTS: dict[str, Layout] = {
    "shift": _shift,
    "energy": _energy,
    "alarms": _alarms,
    "compliance": _compliance,
}


def build_document(ctx: ReportContext, req: ReportRequest, generated_ns: int) -> ReportDocument:
    """The scrubbed document of a request, generated at ``generated_ns`` by ``req.generated_by``."""
    sections, summary = LAYOUTS[req.kind](ctx, req)
    area = f" - area {req.area}" if req.area else ""
    document = ReportDocument(
        kind=req.kind,
        title=TITLES[req.kind] + area,
        plant=ctx.config.plant.name,
        timezone=ctx.config.plant.timezone,
        start_ns=req.start_ns,
        end_ns=req.end_ns,
        generated_by=req.generated_by,
        generated_ns=generated_ns,
        parameters=req.parameters(),
        sections=tuple(sections),
        summary=tuple(summary),
    )
    return document.map_text(ctx.scrub)
