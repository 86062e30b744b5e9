"""What every report builder needs: the store, the plant, security services, a clock, time text.

Times in reports are shown in UTC and in the plant's local time with its offset
(``2026-01-08 06:00 UTC (07:00 +01:00)``), so a reader in any zone, and one reading across a
daylight-saving change, knows exactly which instant is meant.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Container
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from core.analytics.energy.periods import Granularity, Period, periods
from core.config import PlantConfig
from core.model import NS_PER_S, now_ns
from core.security.service import SecurityServices
from core.store.historian import Historian

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportContext:
    """The historian, the plant, the security core and the clock of one report run."""

    historian: Historian
    security: SecurityServices
    clock: Callable[[], int] = now_ns

    @property
    def config(self) -> PlantConfig:
        """The plant configuration."""
        return self.historian.config

    @property
    def zone(self) -> ZoneInfo:
        """The plant's time zone."""
        return ZoneInfo(self.config.plant.timezone)

    def scrub(self, text: str) -> str:
        """``text`` without hardware identifiers (MAC, serials, fingerprints -> plant names)."""
        return self.security.identities.scrub(text)

    def devices_in(self, area: str) -> Container[str] | None:
        """The devices of an area, to test names with ``in`` (devices matched by a pattern
        such as ``zc-*`` included); None when ``area`` is empty: no restriction."""
        if not area:
            return None
        return AreaMembers(self.config, area)

    def area_of(self, device: str) -> str:
        """The configured area of a device, by name or pattern ("" when unknown)."""
        return self.config.area_of_device(device)


@dataclass(frozen=True)
class AreaMembers:
    """``device in members``: the device's area (:meth:`PlantConfig.area_of_device`) is
    ``area``."""

    config: PlantConfig
    area: str

    def __contains__(self, device: object) -> bool:
        return isinstance(device, str) and self.config.area_of_device(device) == self.area


def utc_text(ts_ns: int, seconds: bool = False) -> str:
    """``2026-01-08 06:00 UTC``."""
    moment = datetime.fromtimestamp(ts_ns // NS_PER_S, UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M") + " UTC"


def offset_text(ts_ns: int, zone: ZoneInfo) -> str:
    """The zone's UTC offset at that instant: ``+01:00``."""
    local = datetime.fromtimestamp(ts_ns // NS_PER_S, zone)
    offset = local.utcoffset()
    minutes = int(offset.total_seconds()) // 60 if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def local_text(ts_ns: int, zone: ZoneInfo, seconds: bool = False) -> str:
    """``2026-01-08 07:00 +01:00`` (local wall time and its offset)."""
    moment = datetime.fromtimestamp(ts_ns // NS_PER_S, zone)
    wall = moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return f"{wall} {offset_text(ts_ns, zone)}"


def both_text(ts_ns: int, zone: ZoneInfo, seconds: bool = False) -> str:
    """``2026-01-08 06:00 UTC (local 2026-01-08 07:00 +01:00)``."""
    return f"{utc_text(ts_ns, seconds)} (local {local_text(ts_ns, zone, seconds)})"


def short_local(ts_ns: int, zone: ZoneInfo) -> str:
    """``01-08 07:00:05`` for dense tables (the zone and period are in the page header)."""
    return datetime.fromtimestamp(ts_ns // NS_PER_S, zone).strftime("%m-%d %H:%M:%S")


def duration_text(seconds: float) -> str:
    """``3 d 04:05`` / ``04:05:06``."""
    total = round(max(seconds, 0.0))
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours:02d}:{minutes:02d}"
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


def chart_granularity(start_ns: int, end_ns: int) -> Granularity:
    """Hours for up to two days, days up to three months, weeks up to two years, else months."""
    hours = (end_ns - start_ns) / (3600 * NS_PER_S)
    if hours <= 48:
        return "hour"
    if hours <= 92 * 24:
        return "day"
    return "week" if hours <= 2 * 366 * 24 else "month"


def chart_periods(start_ns: int, end_ns: int, zone: ZoneInfo) -> list[Period]:
    """Local calendar periods for the charts of ``[start, end)``."""
    return periods(start_ns, end_ns, chart_granularity(start_ns, end_ns), zone)


def edges_of(found: list[Period]) -> list[int]:
    """Start of each (contiguous) period and the end of the last."""
    return [p.start_ns for p in found] + ([found[-1].end_ns] if found else [])
