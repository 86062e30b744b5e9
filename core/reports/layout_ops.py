"""Sections of the operations part of a report: run states, production, operator actions, notes."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from core.reports.actions import Note, OperatorAction
from core.reports.context import local_text, short_local
from core.reports.model import Block, Chart, Section, Series, Text, table
from core.reports.operations import Production, RunState

log = logging.getLogger(__name__)

HOURS = ",.2f"
COUNT = ",.0f"
PCT = ".1f"


RUN_COLUMNS = (
    "device", "area", "tag", "run_h", "stopped_h", "unknown_h", "availability_pct", "starts",
)  # fmt: skip


def run_state_blocks(states: Sequence[RunState]) -> list[Block]:
    """Run hours per machine (table and bar chart)."""
    if not states:
        return [Text("No machine with a run-state tag (run, running, run_state) in scope.")]
    rows = [
        (s.device, s.area, s.tag, s.run_h, s.stopped_h, s.unknown_h, s.availability_pct, s.starts)
        for s in states
    ]
    hours = (
        Series("run", tuple(s.run_h for s in states)),
        Series("stopped", tuple(s.stopped_h for s in states)),
    )
    return [
        table(
            "run_states", "Run states per machine", RUN_COLUMNS, rows,
            ("", "", "", HOURS, HOURS, HOURS, PCT, "d"), (1.2, 1.1, 1.8, 0.8, 0.8, 0.8, 0.9, 0.6),
            note="Availability = run time / time with a known state. Unknown: no value yet, "
            "or bad quality.",
        ),
        Chart("hbar", "Run and stopped hours per machine", tuple(s.device for s in states), hours, "h"),
    ]  # fmt: skip


def production_blocks(items: Sequence[Production], labels: Sequence[str]) -> list[Block]:
    """Production per counter (table) and per sub-period (bar chart, all counters)."""
    if not items:
        return [Text("No production counter (unit pcs/parts, or a parts/good_count tag) in scope.")]
    rows = [(p.device, p.area, p.tag, p.unit, p.count) for p in items]
    totals = [sum(p.by_period[k] for p in items) for k in range(len(labels))]
    return [
        table(
            "production",
            "Production per counter",
            ("device", "area", "tag", "unit", "count"),
            rows,
            ("", "", "", "", COUNT),
            (1.2, 1.1, 2.0, 0.6, 0.9),
            note="Increase of each cumulative counter through resets and rollovers.",
        ),
        table(
            "production_by_period",
            "Production per period (all counters)",
            ("period", "count"),
            list(zip(labels, totals, strict=True)),
            ("", COUNT),
            (2.0, 1.0),
        ),
        Chart("bar", "Production per period", tuple(labels), (Series("count", tuple(totals)),)),
    ]


def action_blocks(actions: Sequence[OperatorAction], zone: ZoneInfo) -> list[Block]:
    """Every operator action of the period, by time."""
    if not actions:
        return [Text("No operator action in the period.")]
    rows = [
        (short_local(a.ts_ns, zone), a.user, a.source, a.action, a.target, a.detail, a.outcome)
        for a in actions
    ]
    return [
        table(
            "operator_actions",
            "Operator actions (audit trail and alarm journal)",
            ("time_local", "user", "source", "action", "target", "detail", "outcome"),
            rows,
            widths=(1.1, 0.9, 0.9, 1.1, 1.5, 2.0, 0.8),
        )
    ]


def action_summary_blocks(actions: Sequence[OperatorAction]) -> list[Block]:
    """Operator actions counted per user and action (long periods)."""
    counts = Counter((a.user or "(system)", a.action) for a in actions)
    rows = [(user, action, n) for (user, action), n in sorted(counts.items())]
    if not rows:
        return [Text("No operator action in the period.")]
    return [
        table(
            "operator_action_counts",
            "Operator actions per user and action",
            ("user", "action", "count"),
            rows,
            ("", "", "d"),
            (1.5, 1.5, 0.8),
        )
    ]


def note_blocks(notes: Sequence[Note], zone: ZoneInfo) -> list[Block]:
    """Notes of the period."""
    if not notes:
        return [Text("No notes.")]
    rows = [
        (local_text(n.ts_ns, zone) if n.ts_ns is not None else "", n.author, n.source, n.text)
        for n in notes
    ]
    return [
        table(
            "notes",
            "Notes",
            ("time_local", "author", "source", "text"),
            rows,
            widths=(1.4, 0.9, 1.0, 4.0),
        )
    ]


def operations_section(
    states: Sequence[RunState], items: Sequence[Production], labels: Sequence[str]
) -> Section:
    """Run states and production as one chapter."""
    return Section(
        "Run states and production",
        (*run_state_blocks(states), *production_blocks(items, labels)),
    )
