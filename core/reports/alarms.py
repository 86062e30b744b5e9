"""Alarm-management data of a period: EEMUA 191 / ISA-18.2 KPIs, bad actors, standing, shelved.

Everything is read back from the alarm journal up to the end of the period, so a report of a
past period shows the alarm states *at its end* (not today's) and two exports of the same
period agree. KPIs come from :func:`core.alarms.kpi.compute_kpis`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.alarms.journal import JournalEntry, read_journal
from core.alarms.kpi import AlarmKpis, compute_kpis, kpi_breakdown
from core.alarms.kpi_rules import is_alarm
from core.reports.context import ReportContext, chart_periods, edges_of

log = logging.getLogger(__name__)

WAITING_STATES = frozenset({"unack", "acked", "rtn_unack", "latched"})


@dataclass(frozen=True, slots=True)
class Activation:
    """One annunciated alarm and what happened to it."""

    ts_ns: int
    alarm: str
    priority: str
    area: str
    value: float | None
    acked_by: str
    acked_ns: int | None
    cleared_ns: int | None


@dataclass(frozen=True, slots=True)
class AlarmAtEnd:
    """An alarm not in the normal state at the end of the period."""

    alarm: str
    state: str
    since_ns: int
    priority: str
    area: str
    user: str
    comment: str


@dataclass(frozen=True)
class AlarmData:
    """Alarm KPIs and lists of one period (``journal``: the rows inside the period)."""

    start_ns: int
    end_ns: int
    area: str
    kpis: AlarmKpis
    by_area: dict[str, AlarmKpis]
    activations: list[Activation]
    per_period: list[tuple[str, int]]
    at_end: list[AlarmAtEnd]
    journal: list[JournalEntry]

    def in_state(self, *states: str) -> list[AlarmAtEnd]:
        """Alarms that ended the period in one of ``states``."""
        return [a for a in self.at_end if a.state in states]


def build_alarms(ctx: ReportContext, start_ns: int, end_ns: int, area: str = "") -> AlarmData:
    """The alarm-management figures of ``[start, end)`` (one area, or the plant)."""
    rows = read_journal(ctx.historian.engine, None, end_ns)
    scoped = [r for r in rows if not area or r.area == area]
    inside = [r for r in scoped if r.ts_ns >= start_ns]
    found = chart_periods(start_ns, end_ns, ctx.zone)
    return AlarmData(
        start_ns,
        end_ns,
        area,
        compute_kpis(rows, start_ns, end_ns, area=area or None),
        kpi_breakdown(scoped, start_ns, end_ns, "area"),
        activations(inside),
        list(zip([p.label for p in found], counts_between(inside, edges_of(found)), strict=True)),
        states_at_end(scoped),
        inside,
    )


def activations(rows: Sequence[JournalEntry]) -> list[Activation]:
    """Each annunciation with its first acknowledgement and its clear (rows by time)."""
    out: list[Activation] = []
    open_by_alarm: dict[str, int] = {}
    acks: dict[int, tuple[str, int]] = {}
    clears: dict[int, int] = {}
    for r in rows:
        if r.alarm.startswith("flood:"):
            continue
        if is_alarm(r):
            open_by_alarm[r.alarm] = len(out)
            out.append(Activation(r.ts_ns, r.alarm, r.priority, r.area, r.value, "", None, None))
        elif r.alarm in open_by_alarm:
            k = open_by_alarm[r.alarm]
            if r.event == "ack" and k not in acks:
                acks[k] = (r.user, r.ts_ns)
            elif r.event == "clear" and k not in clears:
                clears[k] = r.ts_ns
    return [_complete(a, acks.get(k), clears.get(k)) for k, a in enumerate(out)]


def _complete(a: Activation, ack: tuple[str, int] | None, cleared: int | None) -> Activation:
    user, when = ack if ack is not None else ("", None)
    return Activation(a.ts_ns, a.alarm, a.priority, a.area, a.value, user, when, cleared)


def counts_between(rows: Sequence[JournalEntry], edges: Sequence[int]) -> list[int]:
    """Annunciated alarms per sub-period (``edges``: boundaries, len - 1 periods)."""
    if len(edges) < 2:
        return []
    times = np.array([r.ts_ns for r in rows if is_alarm(r)], dtype=np.int64)
    slot = np.searchsorted(np.asarray(edges, dtype=np.int64), times, side="right") - 1
    slot = slot[(slot >= 0) & (slot < len(edges) - 1)]
    return [int(n) for n in np.bincount(slot, minlength=len(edges) - 1)]


def states_at_end(rows: Sequence[JournalEntry]) -> list[AlarmAtEnd]:
    """The last state of every alarm after ``rows`` (all rows up to the period end, by time),
    for those not back to normal: since when (an acknowledged alarm keeps its activation time),
    the last person who changed it and their comment (a shelve reason, an out-of-service
    reference)."""
    last: dict[str, AlarmAtEnd] = {}
    for r in rows:
        if r.alarm.startswith("flood:") or r.event in ("refused", "comment"):
            continue
        previous = last.get(r.alarm)
        if previous is None or _group(previous.state) != _group(r.to_state) or is_alarm(r):
            since = r.ts_ns
        else:
            since = previous.since_ns
        last[r.alarm] = AlarmAtEnd(
            r.alarm, r.to_state, since, r.priority, r.area, r.user, r.comment
        )
    return sorted((a for a in last.values() if a.state != "normal"), key=lambda a: a.alarm)


def _group(state: str) -> str:
    return "active" if state in ("unack", "acked") else state
