"""Calendar periods in the plant's time zone: hours, days, ISO weeks, months and shifts.

Boundaries are local wall-clock times turned into UTC instants with :mod:`zoneinfo`, so a
daylight-saving day has 23 or 25 hours, the repeated autumn hour appears twice (labelled with
its two UTC offsets) and a night shift across the spring change is an hour short.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from core.model import NS_PER_S

log = logging.getLogger(__name__)

Granularity = Literal["hour", "day", "week", "month", "shift", "total"]
GRANULARITIES: tuple[str, ...] = get_args(Granularity)
_SLOT_NS = 900 * NS_PER_S
"""UTC offsets change on quarter hours in every zone."""


@dataclass(frozen=True, slots=True)
class Shift:
    """A shift starting at a local wall time; it ends where the next shift starts."""

    name: str
    start: time


@dataclass(frozen=True, slots=True)
class Period:
    """One reporting period ``[start_ns, end_ns)``; ``partial`` when clipped by the window."""

    label: str
    start_ns: int
    end_ns: int
    partial: bool = False

    @property
    def hours(self) -> float:
        """Length in hours."""
        return (self.end_ns - self.start_ns) / (3600 * NS_PER_S)


def to_ns(moment: datetime) -> int:
    """Epoch nanoseconds of an aware datetime (whole microseconds)."""
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * NS_PER_S + delta.microseconds * 1000


def local(ts_ns: int, zone: ZoneInfo) -> datetime:
    """The local time of an instant."""
    return datetime.fromtimestamp(ts_ns // NS_PER_S, tz=zone)


def local_midnight(day: date, zone: ZoneInfo) -> int:
    """The instant a local calendar day starts."""
    return to_ns(datetime.combine(day, time(0), tzinfo=zone))


def periods(
    start_ns: int,
    end_ns: int,
    by: Granularity,
    zone: ZoneInfo,
    shifts: Sequence[Shift] = (),
) -> list[Period]:
    """The periods of ``by`` that overlap ``[start, end)``, clipped to it."""
    if end_ns <= start_ns:
        return []
    if by == "total":
        return [
            Period(
                f"{local(start_ns, zone).isoformat()}/{local(end_ns, zone).isoformat()}",
                start_ns,
                end_ns,
            )
        ]
    if by == "shift" and not shifts:
        raise ValueError("no shifts are defined ([energy] shifts)")
    raw = (
        _shifts(start_ns, end_ns, zone, shifts)
        if by == "shift"
        else _BUILDERS[by](start_ns, end_ns, zone)
    )
    out = []
    for label, lo, hi in raw:
        if hi <= start_ns or lo >= end_ns:
            continue
        clipped = lo < start_ns or hi > end_ns
        out.append(Period(label, max(lo, start_ns), min(hi, end_ns), clipped))
    return out


def _hours(start_ns: int, end_ns: int, zone: ZoneInfo) -> Iterator[tuple[str, int, int]]:
    first = local(start_ns, zone).replace(minute=0, second=0, microsecond=0)
    lo = to_ns(first)
    while lo < end_ns:
        hi = lo + 3600 * NS_PER_S
        yield local(lo, zone).isoformat(timespec="minutes"), lo, hi
        lo = hi


def _dates(start_ns: int, end_ns: int, zone: ZoneInfo) -> Iterator[date]:
    day, last = local(start_ns, zone).date(), local(end_ns, zone).date()
    while day <= last:
        yield day
        day += timedelta(days=1)


def _days(start_ns: int, end_ns: int, zone: ZoneInfo) -> Iterator[tuple[str, int, int]]:
    for day in _dates(start_ns, end_ns, zone):
        yield day.isoformat(), local_midnight(day, zone), local_midnight(day + timedelta(1), zone)


def _weeks(start_ns: int, end_ns: int, zone: ZoneInfo) -> Iterator[tuple[str, int, int]]:
    for day in _dates(start_ns, end_ns, zone):
        if day.isoweekday() == 1 or day == local(start_ns, zone).date():
            monday = day - timedelta(days=day.isoweekday() - 1)
            year, week, _ = monday.isocalendar()
            lo = local_midnight(monday, zone)
            yield f"{year}-W{week:02d}", lo, local_midnight(monday + timedelta(7), zone)


def _months(start_ns: int, end_ns: int, zone: ZoneInfo) -> Iterator[tuple[str, int, int]]:
    month = local(start_ns, zone).date().replace(day=1)
    while (lo := local_midnight(month, zone)) < end_ns:
        following = (month + timedelta(days=32)).replace(day=1)
        yield f"{month.year}-{month.month:02d}", lo, local_midnight(following, zone)
        month = following


def _shifts(
    start_ns: int, end_ns: int, zone: ZoneInfo, shifts: Sequence[Shift]
) -> Iterator[tuple[str, int, int]]:
    ordered = sorted(shifts, key=lambda s: s.start)
    first_day = local(start_ns, zone).date() - timedelta(days=1)
    for day in _dates(to_ns(datetime.combine(first_day, time(12), tzinfo=zone)), end_ns, zone):
        for k, shift in enumerate(ordered):
            nxt = ordered[k + 1] if k + 1 < len(ordered) else ordered[0]
            end_day = day if k + 1 < len(ordered) else day + timedelta(days=1)
            lo = to_ns(datetime.combine(day, shift.start, tzinfo=zone))
            hi = to_ns(datetime.combine(end_day, nxt.start, tzinfo=zone))
            yield f"{day.isoformat()} {shift.name}", lo, hi


_BUILDERS: dict[str, Callable[[int, int, ZoneInfo], Iterator[tuple[str, int, int]]]] = {
    "hour": _hours,
    "day": _days,
    "week": _weeks,
    "month": _months,
}


def boundaries(found: Sequence[Period]) -> npt.NDArray[np.int64]:
    """Start of each period and the end of the last, for contiguous periods."""
    if not found:
        return np.zeros(0, dtype=np.int64)
    return np.array([p.start_ns for p in found] + [found[-1].end_ns], dtype=np.int64)


def local_wall_ns(ts_ns: npt.ArrayLike, zone: ZoneInfo) -> npt.NDArray[np.int64]:
    """Each instant shifted by its UTC offset: nanoseconds of local wall time since 1970-01-01
    (for hour-of-day / hour-of-week arithmetic)."""
    ts = np.asarray(ts_ns, dtype=np.int64)
    slots, inverse = np.unique(ts // _SLOT_NS, return_inverse=True)
    offsets = np.array(
        [_offset_ns(int(slot) * _SLOT_NS, zone) for slot in slots.tolist()], dtype=np.int64
    )
    return ts + offsets[inverse.reshape(ts.shape)] if ts.size else ts.copy()


def _offset_ns(ts_ns: int, zone: ZoneInfo) -> int:
    offset = local(ts_ns, zone).utcoffset()
    return int(offset.total_seconds()) * NS_PER_S if offset is not None else 0
