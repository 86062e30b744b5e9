"""Energy configuration and metering warnings for ``controldeck status``.

The energy report of the last hours (by hour) is computed and its plant-level warnings are
returned: metered energy without an emission factor, sub-meters that measured more than their
parent (a negative unmetered remainder), a parent meter without data. An invalid ``[energy]``
section (a ``feeds_from`` cycle, an unknown meter) is a warning here rather than a failure, so
the rest of the status is still shown.
"""

from __future__ import annotations

import logging
from typing import Any

from core.analytics.energy.service import EnergyService
from core.config import ConfigError
from core.model import NS_PER_S, now_ns
from core.store.historian import Historian

log = logging.getLogger(__name__)

STATUS_HOURS = 24
"""How far back ``controldeck status`` looks."""


def energy_status(
    historian: Historian, hours: int = STATUS_HOURS, end_ns: int | None = None
) -> dict[str, Any]:
    """``{"window_h", "meters", "main_meters", "submeters", "warnings"}`` of the last hours."""
    end = now_ns() if end_ns is None else end_ns
    start = end - hours * 3600 * NS_PER_S
    out: dict[str, Any] = {"window_h": hours, "meters": 0, "main_meters": [], "submeters": []}
    try:
        service = EnergyService.for_historian(historian)
        report = service.report(start, end, "hour")
    except ConfigError as exc:
        log.warning("energy status: %s", exc)
        return {**out, "warnings": [f"energy configuration error: {exc}"]}
    return {
        **out,
        "meters": len(report.meters),
        "main_meters": [m.device for m in report.meters if not m.parent],
        "submeters": [m.device for m in report.meters if m.parent],
        "warnings": list(report.warnings),
    }
