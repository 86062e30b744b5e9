"""Report periods a supervisor asks for, in the plant's time zone: the last complete shift,
today so far, yesterday, last week (Monday to Monday), last month, or a custom window.

Pure functions of the plant zone, its shifts and "now", so the view and the tests agree on what
"yesterday" means on a daylight-saving day (23 or 25 hours).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

from core.analytics.energy.periods import Shift, local, local_midnight, periods
from core.model import NS_PER_S

log = logging.getLogger(__name__)

DAY_NS = 86_400 * NS_PER_S
LAST_SHIFT = "last shift"
CUSTOM = "custom"
PRESETS: tuple[str, ...] = (
    LAST_SHIFT,
    "today so far",
    "yesterday",
    "last week",
    "last month",
    CUSTOM,
)
"""Period choices in the order offered; "last shift" only when the plant has shifts."""
DEFAULT_PRESET = "yesterday"


def presets_for(shifts: Sequence[Shift]) -> tuple[str, ...]:
    """The presets a plant offers ("last shift" needs ``[[energy.shifts]]``)."""
    return PRESETS if shifts else tuple(p for p in PRESETS if p != LAST_SHIFT)


def last_shift(zone: ZoneInfo, shifts: Sequence[Shift], now_ns: int) -> tuple[int, int, str]:
    """``(start_ns, end_ns, label)`` of the newest shift that has ended by ``now_ns``."""
    if not shifts:
        raise ValueError("the plant has no shifts ([[energy.shifts]])")
    found = periods(now_ns - 3 * DAY_NS, now_ns, "shift", zone, shifts)
    done = [p for p in found if not p.partial and p.end_ns <= now_ns]
    if not done:
        raise ValueError("no shift has ended in the last three days")
    newest = done[-1]
    return newest.start_ns, newest.end_ns, newest.label


def preset_window(
    preset: str, zone: ZoneInfo, now_ns: int, shifts: Sequence[Shift] = ()
) -> tuple[int, int]:
    """``(start_ns, end_ns)`` of a preset at ``now_ns`` (``custom`` has none: ValueError)."""
    today = local(now_ns, zone).date()
    if preset == LAST_SHIFT:
        start, end, _label = last_shift(zone, shifts, now_ns)
        return start, end
    if preset == "today so far":
        return local_midnight(today, zone), now_ns
    if preset == "yesterday":
        return local_midnight(today - timedelta(days=1), zone), local_midnight(today, zone)
    if preset == "last week":
        monday = today - timedelta(days=today.weekday())
        return local_midnight(monday - timedelta(days=7), zone), local_midnight(monday, zone)
    if preset == "last month":
        first = today.replace(day=1)
        previous = (first - timedelta(days=1)).replace(day=1)
        return local_midnight(previous, zone), local_midnight(first, zone)
    raise ValueError(f"no window for preset {preset!r}")
