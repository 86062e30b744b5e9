"""Hour-of-week energy baselines of a device and its deviation from them, via the energy service."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from core.analytics.baseline.hour_of_week import HourOfWeekBaseline
from core.analytics.energy.curve import NS_PER_H, FloatArray, IntArray
from core.analytics.energy.service import EnergyService

log = logging.getLogger(__name__)

WEEK_NS = 7 * 24 * NS_PER_H


def hourly_kwh(
    service: EnergyService, device: str, start_ns: int, end_ns: int
) -> tuple[IntArray, FloatArray]:
    """(hour starts, kWh) of a device; hours with no data coverage are NaN."""
    report = service.report(start_ns, end_ns, "hour", [device])
    rows = report.meters[0].periods
    ts = np.array([r.period.start_ns for r in rows], dtype=np.int64)
    kwh = np.array(
        [r.kwh if r.kwh is not None and r.coverage > 0 else np.nan for r in rows],
        dtype=np.float64,
    )
    return ts, kwh


def energy_baseline(
    service: EnergyService, device: str, end_ns: int, weeks: int = 4, min_weeks: int = 2
) -> HourOfWeekBaseline:
    """Hour-of-week baseline of hourly kWh over the ``weeks`` before ``end_ns``."""
    ts, kwh = hourly_kwh(service, device, end_ns - weeks * WEEK_NS, end_ns)
    return HourOfWeekBaseline.fit(ts, kwh, service.config.plant.timezone, min_weeks)


@dataclass(frozen=True)
class Deviation:
    """Hourly kWh against the baseline."""

    ts_ns: IntArray
    kwh: FloatArray
    expected: FloatArray
    deviation_pct: FloatArray

    @property
    def total_pct(self) -> float | None:
        """Deviation of the window's total from the expected total (hours with both only)."""
        both = np.isfinite(self.kwh) & np.isfinite(self.expected)
        expected = float(self.expected[both].sum())
        if not both.any() or expected == 0:
            return None
        return (float(self.kwh[both].sum()) - expected) / abs(expected) * 100.0


def energy_deviation(
    service: EnergyService, baseline: HourOfWeekBaseline, device: str, start_ns: int, end_ns: int
) -> Deviation:
    """Hourly kWh of a window compared with the baseline."""
    ts, kwh = hourly_kwh(service, device, start_ns, end_ns)
    return Deviation(ts, kwh, baseline.expected(ts), baseline.deviation_pct(ts, kwh))
