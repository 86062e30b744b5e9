"""Shift report data: run states, production counts, alarms, operator actions and notes."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from core.reports.actions import Note, OperatorAction, operator_actions, period_notes
from core.reports.alarms import AlarmData, build_alarms
from core.reports.context import ReportContext, chart_periods, edges_of
from core.reports.operations import Production, RunState, production, run_states

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShiftData:
    """Everything a shift report shows, for ``[start, end)``."""

    start_ns: int
    end_ns: int
    area: str
    run_states: list[RunState]
    production: list[Production]
    production_periods: list[str]
    alarms: AlarmData
    actions: list[OperatorAction]
    notes: list[Note]

    @property
    def produced(self) -> dict[str, float]:
        """Total production per unit."""
        out: dict[str, float] = {}
        for p in self.production:
            out[p.unit] = out.get(p.unit, 0.0) + p.count
        return dict(sorted(out.items()))


def build_shift(
    ctx: ReportContext, start_ns: int, end_ns: int, area: str = "", notes: Sequence[str] = ()
) -> ShiftData:
    """The shift report figures (``area``: one area only; ``notes``: given with the report)."""
    alarms = build_alarms(ctx, start_ns, end_ns, area)
    found = chart_periods(start_ns, end_ns, ctx.zone)
    return ShiftData(
        start_ns,
        end_ns,
        area,
        run_states(ctx, start_ns, end_ns, area),
        production(ctx, start_ns, end_ns, edges_of(found), area),
        [p.label for p in found],
        alarms,
        operator_actions(ctx, alarms.journal, start_ns, end_ns),
        period_notes(ctx, alarms.journal, start_ns, end_ns, notes),
    )
