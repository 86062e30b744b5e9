"""Alarm-system performance KPIs (EEMUA 191 / ISA-18.2) computed from journal rows.

Pure functions: give them the journal rows (:class:`~core.alarms.journal.JournalEntry` or
:class:`~core.alarms.states.Transition`) up to the end of the period — rows from before the
period are used only to know which alarms were standing, shelved or out of service — and a
period ``[start_ns, end_ns)``. Definitions used:

- *alarm*: an annunciated activation (event ``activate`` into ``unack``) inside the period.
- *10-minute periods*: consecutive 600 s buckets from ``start_ns`` (the last may be partial);
  a bucket is *in flood* when it holds more than ``flood_threshold`` (10) alarms.
- *chattering*: an alarm with ``chatter_count`` (3) or more activations within
  ``chatter_window_s`` (60 s).
- *fleeting*: an activation whose condition clears (event ``clear``) less than ``fleeting_s``
  (default 5 s) after it — too short for an operator to have acted.
- *stale* (standing): an alarm that stayed active (``unack``/``acked``) for more than
  ``stale_s`` (24 h) without a break, counted if that stretch overlaps the period.
- *bad actors*: the 10 alarms with the most activations, and their share of all alarms.
- *priority distribution*: share of alarms per priority, against the 80/15/5 % guideline for
  low/medium/high (critical counts with high).
- *response time*: from an activation to the first ``ack`` of that alarm before its next
  activation; percentiles by the nearest-rank method.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from core.alarms import kpi_rules as rules
from core.alarms.kpi_rules import BadActor, JournalRecord, ResponseTimes, is_alarm
from core.model import NS_PER_S

GUIDELINE_PCT = {"low": 80.0, "medium": 15.0, "high": 5.0}

__all__ = [
    "GUIDELINE_PCT",
    "AlarmKpis",
    "BadActor",
    "ResponseTimes",
    "compute_kpis",
    "kpi_breakdown",
]


@dataclass(frozen=True, slots=True)
class AlarmKpis:
    """KPIs of one scope (plant, area or position) over ``[start_ns, end_ns)``."""

    start_ns: int
    end_ns: int
    scope: str
    total_alarms: int
    avg_per_10min: float
    avg_per_hour: float
    max_per_10min: int
    periods_10min: int
    flood_periods: int
    flood_pct: float
    chattering: list[str]
    fleeting: list[str]
    fleeting_count: int
    stale: list[str]
    bad_actors: list[BadActor]
    top10_share_pct: float
    priority_counts: dict[str, int]
    priority_pct: dict[str, float]
    priority_groups_pct: dict[str, float]
    """``low``/``medium``/``high`` (high includes critical), to compare with :data:`GUIDELINE_PCT`."""
    shelve_count: int
    shelved_at_end: int
    out_of_service_count: int
    out_of_service_at_end: int
    response: ResponseTimes
    guideline_pct: dict[str, float] = field(default_factory=lambda: dict(GUIDELINE_PCT))


def compute_kpis(
    rows: Sequence[JournalRecord],
    start_ns: int,
    end_ns: int,
    *,
    area: str | None = None,
    position: str | None = None,
    fleeting_s: float = 5.0,
    chatter_count: int = 3,
    chatter_window_s: float = 60.0,
    stale_s: float = 86_400.0,
    flood_threshold: int = 10,
) -> AlarmKpis:
    """The KPIs of the rows in scope (``area``/``position`` filter; None = whole plant)."""
    if end_ns <= start_ns:
        raise ValueError("the period must end after it starts")
    scoped = _in_scope(rows, end_ns, area, position)
    alarms = [r for r in scoped if is_alarm(r) and r.ts_ns >= start_ns]
    periods, flood_periods, max_10 = rules.buckets(alarms, start_ns, end_ns, flood_threshold)
    total, hours = len(alarms), (end_ns - start_ns) / NS_PER_S / 3600
    by_alarm = rules.activations_by_alarm(alarms)
    fleeting_runs = rules.fleeting(scoped, start_ns, fleeting_s)
    shelved, oos = rules.standing_at_end(scoped)
    in_period = [r for r in scoped if r.ts_ns >= start_ns]
    actors = rules.bad_actors(alarms)
    priorities = Counter(r.priority for r in alarms)
    return AlarmKpis(
        start_ns=start_ns,
        end_ns=end_ns,
        scope=_scope_name(area, position),
        total_alarms=total,
        avg_per_10min=total / (hours * 6),
        avg_per_hour=total / hours,
        max_per_10min=max_10,
        periods_10min=periods,
        flood_periods=flood_periods,
        flood_pct=100.0 * flood_periods / periods,
        chattering=rules.chattering(by_alarm, chatter_count, chatter_window_s),
        fleeting=sorted({name for name, _ in fleeting_runs}),
        fleeting_count=len(fleeting_runs),
        stale=rules.stale(scoped, start_ns, end_ns, stale_s),
        bad_actors=actors,
        top10_share_pct=rules.pct(sum(a.count for a in actors), total),
        priority_counts=dict(sorted(priorities.items())),
        priority_pct={p: rules.pct(n, total) for p, n in sorted(priorities.items())},
        priority_groups_pct=rules.priority_groups(priorities, total),
        shelve_count=sum(1 for r in in_period if r.event == "shelve"),
        shelved_at_end=shelved,
        out_of_service_count=sum(1 for r in in_period if r.event == "remove_from_service"),
        out_of_service_at_end=oos,
        response=rules.response_times(scoped, start_ns),
    )


def _in_scope(
    rows: Sequence[JournalRecord], end_ns: int, area: str | None, position: str | None
) -> list[JournalRecord]:
    """Alarm rows (no flood markers) before ``end_ns`` in the area/position, by time."""
    kept = [
        r
        for r in rows
        if r.ts_ns < end_ns
        and not r.alarm.startswith("flood:")
        and (area is None or r.area == area)
        and (position is None or r.position == position)
    ]
    return sorted(kept, key=lambda r: r.ts_ns)


def kpi_breakdown(
    rows: Sequence[JournalRecord],
    start_ns: int,
    end_ns: int,
    by: Literal["area", "position"],
    **options: float,
) -> dict[str, AlarmKpis]:
    """KPIs per area or per operator position (every value seen in the rows)."""
    keys = sorted({getattr(r, by) for r in rows if not r.alarm.startswith("flood:")})
    return {
        key: compute_kpis(rows, start_ns, end_ns, **{by: key}, **options)  # type: ignore[arg-type]
        for key in keys
    }


def _scope_name(area: str | None, position: str | None) -> str:
    parts = [f"area={area}" if area is not None else "", f"position={position}" if position else ""]
    return " ".join(p for p in parts if p) or "plant"
