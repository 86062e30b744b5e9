"""Overall equipment effectiveness where run-state, count and quality tags exist.

OEE = availability x performance x quality, with

- availability = run time / planned production time,
- performance = (ideal cycle time x total count) / run time,
- quality = good count / total count.

Counts come from cumulative counters (production and good/reject counters) through the same
reset and rollover rules as energy counters. Performance above 1 means the ideal rate is set
too low; it is reported as measured, not clipped, so the mistake shows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.analytics.energy.curve import usable
from core.analytics.energy.integrate import counter_increments

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Oee:
    """The three factors and their product, with the figures behind them."""

    availability: float | None
    performance: float | None
    quality: float | None
    run_s: float
    planned_s: float
    total_count: float
    good_count: float
    ideal_rate_per_h: float

    @property
    def oee(self) -> float | None:
        """availability x performance x quality (None when a factor is unknown)."""
        if self.availability is None or self.performance is None or self.quality is None:
            return None
        return self.availability * self.performance * self.quality


def count_increase(
    ts_ns: npt.ArrayLike,
    values: npt.ArrayLike,
    rollover: float | None = None,
    quality: npt.ArrayLike | None = None,
) -> float:
    """How much a cumulative counter went up (resets restart from 0, rollovers wrap)."""
    _, x = usable(ts_ns, values, quality)
    if x.size < 2:
        return 0.0
    increase, _, _ = counter_increments(x, rollover)
    return float(np.sum(increase))


def oee(
    run_s: float,
    planned_s: float,
    total_count: float,
    good_count: float | None,
    ideal_rate_per_h: float,
    reject_count: float | None = None,
) -> Oee:
    """OEE from run time, planned time, counts and the ideal rate (parts per hour); give
    ``good_count`` or ``reject_count`` (good = total - rejects)."""
    if good_count is None:
        good_count = total_count - reject_count if reject_count is not None else None
    avail = run_s / planned_s if planned_s > 0 else None
    perf = (
        total_count / (ideal_rate_per_h * run_s / 3600.0)
        if run_s > 0 and ideal_rate_per_h > 0
        else None
    )
    qual = good_count / total_count if good_count is not None and total_count > 0 else None
    return Oee(
        avail,
        perf,
        qual,
        run_s,
        planned_s,
        total_count,
        good_count if good_count is not None else float("nan"),
        ideal_rate_per_h,
    )
