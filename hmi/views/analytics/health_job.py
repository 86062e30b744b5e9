"""The Health & RUL view's work, done in a worker: each device's health score with its components
and its availability (the core's store adapters), and the remaining useful life of a health
indicator. No Qt here; everything returned is plain data.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.analytics.baseline.health import HealthScore
from core.analytics.baseline.store import device_availability, device_health, hourly_means
from core.analytics.baseline.uptime import Availability
from core.analytics.forecast.series import FloatArray, IntArray
from core.analytics.live import SCORE_SUFFIX
from core.analytics.rul import RulEstimate, estimate
from core.model import Quality
from core.store.historian import Historian

log = logging.getLogger(__name__)

COMPONENTS = ("anomaly", "alarms", "deviation", "data_quality")
MIN_HOURLY = 24
"""An indicator with fewer hourly means than this is estimated from its raw samples."""
RUL_LEVEL = 0.9


@dataclass(frozen=True)
class DeviceHealth:
    """One device: its health (None when it could not be scored), availability, and why not."""

    device: str
    area: str
    health: HealthScore | None
    availability: Availability | None
    error: str = ""

    def component_score(self, name: str) -> float | None:
        """A component's sub-score 0-100 (None when missing or without data)."""
        if self.health is None:
            return None
        found = [c for c in self.health.components if c.name == name]
        return found[0].score if found else None


def devices(historian: Historian) -> list[str]:
    """Every device that has tags of its own (anomaly score tags do not make a device)."""
    names = {t.device for t in historian.registry if t.device and not t.name.endswith(SCORE_SUFFIX)}
    return sorted(names)


def device_report(historian: Historian, device: str, start_ns: int, end_ns: int) -> DeviceHealth:
    """Health and availability of one device; a device the core cannot score says why."""
    area = historian.config.area_of_device(device)
    try:
        health = device_health(historian, device, start_ns, end_ns)
    except (KeyError, ValueError) as exc:
        return DeviceHealth(device, area, None, None, str(exc))
    try:
        available: Availability | None = device_availability(historian, device, start_ns, end_ns)
    except (KeyError, ValueError) as exc:
        log.info("no availability for %s: %s", device, exc)
        available = None
    return DeviceHealth(device, area, health, available)


def health_report(
    historian: Historian, names: Sequence[str], start_ns: int, end_ns: int
) -> list[DeviceHealth]:
    """Health of every named device over ``[start_ns, end_ns)`` (worker thread)."""
    return [device_report(historian, name, start_ns, end_ns) for name in names]


@dataclass(frozen=True)
class RulOutcome:
    """The indicator series the estimate was made from, and the estimate."""

    tag: str
    unit: str
    source: str
    ts_ns: IntArray
    values: FloatArray
    estimate: RulEstimate


def indicator_series(
    historian: Historian, tag: str, start_ns: int, end_ns: int
) -> tuple[IntArray, FloatArray, str]:
    """``(ts, values, source)``: hourly means from the rollups (noise averaged out), or the
    good-quality raw samples when the window holds too few hours."""
    ts, means = hourly_means(historian, tag, start_ns, end_ns)[:2]
    finite = np.isfinite(means)
    if int(finite.sum()) >= MIN_HOURLY:
        return ts[finite], means[finite], "hourly means"
    raw = historian.raw(tag, start_ns, end_ns)
    good = raw.quality < Quality.UNCERTAIN
    return raw.ts_ns[good], raw.values[good], "raw samples"


def rul_report(
    historian: Historian, tag: str, threshold: float, start_ns: int, end_ns: int
) -> RulOutcome:
    """Remaining useful life of a health indicator until ``threshold`` (worker thread)."""
    info = historian.registry.get(tag)
    if info is None:
        raise KeyError(f"unknown tag {tag!r}")
    ts, values, source = indicator_series(historian, tag, start_ns, end_ns)
    found = estimate(ts, values, threshold, level=RUL_LEVEL)
    log.info("RUL of %s to %g: %s (%s)", tag, threshold, found.status, source)
    return RulOutcome(tag, info.unit, source, ts, values, found)
