"""The devices list of the overview: online/offline and last seen per device (Qt-free).

Computed by :func:`device_table` in the bridge's status worker (it walks every live value),
so the GUI thread only applies the small result carried by
:class:`~hmi.bridge.StationStatus`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.model import NS_PER_S, now_ns

SILENT_AFTER_S = 60
"""A device without a link state counts as offline after this long without data."""


@dataclass(frozen=True, slots=True)
class DeviceRow:
    """A device of the online/offline list."""

    name: str
    area: str
    state: str
    last_seen_ns: int


@dataclass(frozen=True, slots=True)
class DeviceTable:
    """Every device's row, sorted by name, and (devices, online) per area."""

    rows: tuple[DeviceRow, ...] = ()
    areas: dict[str, tuple[int, int]] = field(default_factory=dict)

    def area_counts(self, area: str) -> tuple[int, int]:
        """(devices, online) of an area; (0, 0) when none of its devices is known."""
        return self.areas.get(area, (0, 0))


def _last_seen(collector: Any) -> dict[str, int]:
    """Newest live timestamp per device, over every tag that has a device."""
    stamps = collector.pipeline.live.timestamps()
    seen: dict[str, int] = {}
    for tag in collector.historian.registry:
        ts_ns = stamps.get(tag.id)
        if ts_ns is not None and tag.device:
            seen[tag.device] = max(seen.get(tag.device, 0), ts_ns)
    return seen


def device_table(
    collector: Any, links: dict[str, tuple[str, int]], now: int | None = None
) -> DeviceTable:
    """Every device with tags, configured or with a link state: its state (from its driver,
    else from data age) and last seen. Walks the whole live cache: call it off the GUI thread."""
    seen = _last_seen(collector)
    config = collector.config
    configured = {d.name for d in config.devices if not any(c in d.name for c in "*?[")}
    now = now_ns() if now is None else now
    rows: list[DeviceRow] = []
    areas: dict[str, tuple[int, int]] = {}
    for name in sorted(set(seen) | configured | set(links)):
        last = seen.get(name, 0)
        if name in links:
            state = links[name][0]
        else:
            state = "online" if last and now - last < SILENT_AFTER_S * NS_PER_S else "offline"
        row = DeviceRow(name, config.area_of_device(name), state, last)
        total, online = areas.get(row.area, (0, 0))
        areas[row.area] = (total + 1, online + (state == "online"))
        rows.append(row)
    return DeviceTable(tuple(rows), areas)
