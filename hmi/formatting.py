"""How values, times and ages are written on screen (plant time zone, units, quality)."""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

from core.model import NS_PER_S, Quality


class PlantClock:
    """Formats UTC nanoseconds in the plant's time zone."""

    def __init__(self, timezone: str = "UTC") -> None:
        self.zone = ZoneInfo(timezone)
        self.name = timezone

    def local(self, ts_ns: int) -> datetime:
        """The instant as an aware datetime in plant time."""
        return datetime.fromtimestamp(ts_ns / NS_PER_S, self.zone)

    def time_text(self, ts_ns: int | None) -> str:
        """``HH:MM:SS`` in plant time ('' for None)."""
        return "" if not ts_ns else self.local(ts_ns).strftime("%H:%M:%S")

    def datetime_text(self, ts_ns: int | None) -> str:
        """``YYYY-MM-DD HH:MM:SS`` in plant time ('' for None)."""
        return "" if not ts_ns else self.local(ts_ns).strftime("%Y-%m-%d %H:%M:%S")

    def utc_offset_s(self, ts_ns: int) -> int:
        """Seconds east of UTC at that instant."""
        offset = self.local(ts_ns).utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0


def value_text(value: float | None, unit: str = "", digits: int = 2) -> str:
    """A process value with its unit; '---' when there is none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "---"
    magnitude = abs(value)
    if magnitude >= 10_000:
        text = f"{value:,.0f}"
    elif magnitude >= 100:
        text = f"{value:.1f}"
    else:
        text = f"{value:.{digits}f}"
    return f"{text} {unit}".strip()


def quality_class(quality: int) -> str:
    """``good``, ``uncertain`` or ``bad``."""
    return "good" if quality < 64 else "uncertain" if quality < 128 else "bad"


def quality_text(quality: int) -> str:
    """The quality label (``bad/comms_lost``), or the number when unknown."""
    try:
        return Quality(quality).label
    except ValueError:
        return str(quality)


def age_text(age_ns: int) -> str:
    """A short age: ``4 s``, ``3 min``, ``2 h``, ``5 d``."""
    seconds = max(age_ns, 0) / NS_PER_S
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} d"


def duration_text(seconds: float) -> str:
    """A preset span: ``10 min``, ``8 h``, ``7 d``."""
    if seconds % 86400 == 0:
        return f"{seconds / 86400:g} d"
    if seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"
