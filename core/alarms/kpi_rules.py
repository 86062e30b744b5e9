"""The building blocks of the alarm KPIs (see :mod:`core.alarms.kpi` for the definitions)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from core.model import NS_PER_S

TEN_MINUTES_NS = 600 * NS_PER_S
ACTIVE_STATES = frozenset({"unack", "acked"})


class JournalRecord(Protocol):
    """What the KPIs read from a journal row."""

    @property
    def ts_ns(self) -> int: ...
    @property
    def alarm(self) -> str: ...
    @property
    def event(self) -> str: ...
    @property
    def from_state(self) -> str: ...
    @property
    def to_state(self) -> str: ...
    @property
    def priority(self) -> str: ...
    @property
    def area(self) -> str: ...
    @property
    def position(self) -> str: ...


@dataclass(frozen=True, slots=True)
class BadActor:
    """One of the most frequent alarms."""

    alarm: str
    count: int
    share_pct: float


@dataclass(frozen=True, slots=True)
class ResponseTimes:
    """Operator response time from activation to acknowledgement, in seconds."""

    count: int
    mean_s: float | None
    p50_s: float | None
    p90_s: float | None
    unacknowledged: int
    """Activations in the period not acknowledged by its end."""


def is_alarm(row: JournalRecord) -> bool:
    """True for an annunciated activation."""
    return row.event == "activate" and row.to_state == "unack"


def buckets(
    alarms: Sequence[JournalRecord], start_ns: int, end_ns: int, threshold: int
) -> tuple[int, int, int]:
    periods = math.ceil((end_ns - start_ns) / TEN_MINUTES_NS)
    counts = Counter((r.ts_ns - start_ns) // TEN_MINUTES_NS for r in alarms)
    flood = sum(1 for c in counts.values() if c > threshold)
    return periods, flood, max(counts.values(), default=0)


def activations_by_alarm(alarms: Sequence[JournalRecord]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    for r in alarms:
        out[r.alarm].append(r.ts_ns)
    return out


def chattering(by_alarm: dict[str, list[int]], count: int, window_s: float) -> list[str]:
    window = window_s * NS_PER_S
    found = []
    for name, times in by_alarm.items():
        if any(times[i + count - 1] - times[i] <= window for i in range(len(times) - count + 1)):
            found.append(name)
    return sorted(found)


def fleeting(
    rows: Sequence[JournalRecord], start_ns: int, fleeting_s: float
) -> list[tuple[str, int]]:
    limit = fleeting_s * NS_PER_S
    opened: dict[str, int] = {}
    found = []
    for r in rows:
        if is_alarm(r):
            opened[r.alarm] = r.ts_ns
        elif r.event == "clear" and r.alarm in opened:
            began = opened.pop(r.alarm)
            if began >= start_ns and r.ts_ns - began < limit:
                found.append((r.alarm, began))
    return found


def stale(rows: Sequence[JournalRecord], start_ns: int, end_ns: int, stale_s: float) -> list[str]:
    limit = stale_s * NS_PER_S
    since: dict[str, int] = {}
    found: set[str] = set()
    for r in rows:
        active_before, active_after = r.from_state in ACTIVE_STATES, r.to_state in ACTIVE_STATES
        if active_after and not active_before:
            since[r.alarm] = r.ts_ns
        elif active_before and not active_after and r.alarm in since:
            began = since.pop(r.alarm)
            if r.ts_ns > start_ns and r.ts_ns - began > limit:
                found.add(r.alarm)
    found.update(name for name, began in since.items() if end_ns - began > limit)
    return sorted(found)


def bad_actors(alarms: Sequence[JournalRecord]) -> list[BadActor]:
    counts = Counter(r.alarm for r in alarms)
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    return [BadActor(name, n, pct(n, len(alarms))) for name, n in top]


def priority_groups(priorities: Counter[str], total: int) -> dict[str, float]:
    groups = {
        "low": priorities["low"],
        "medium": priorities["medium"],
        "high": priorities["high"] + priorities["critical"],
    }
    return {group: pct(n, total) for group, n in groups.items()}


def pct(part: int, total: int) -> float:
    return 100.0 * part / total if total else 0.0


def standing_at_end(rows: Sequence[JournalRecord]) -> tuple[int, int]:
    last: dict[str, str] = {}
    for r in rows:
        last[r.alarm] = r.to_state
    states = Counter(last.values())
    return states["shelved"], states["out_of_service"]


def response_times(rows: Sequence[JournalRecord], start_ns: int) -> ResponseTimes:
    waiting: dict[str, int] = {}
    delays: list[float] = []
    unacked = 0
    for r in rows:
        if is_alarm(r):
            unacked += 1 if waiting.get(r.alarm, -1) >= start_ns else 0
            waiting[r.alarm] = r.ts_ns
        elif r.event == "ack" and r.alarm in waiting:
            began = waiting.pop(r.alarm)
            if began >= start_ns:
                delays.append((r.ts_ns - began) / NS_PER_S)
    unacked += sum(1 for began in waiting.values() if began >= start_ns)
    if not delays:
        return ResponseTimes(0, None, None, None, unacked)
    ordered = sorted(delays)
    return ResponseTimes(
        count=len(ordered),
        mean_s=sum(ordered) / len(ordered),
        p50_s=nearest_rank(ordered, 50),
        p90_s=nearest_rank(ordered, 90),
        unacknowledged=unacked,
    )


def nearest_rank(ordered: Sequence[float], pct: float) -> float:
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]
