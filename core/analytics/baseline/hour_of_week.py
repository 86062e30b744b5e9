"""Baselines by local hour of the week (168 slots), learned from several weeks, and the
deviation of new values from them in %.

Slots use the plant's wall clock (Monday 00:00-01:00 is slot 0), so a load that starts at
06:00 local stays in its slot across daylight-saving changes. A slot is *learned* once it has
values from at least ``min_weeks`` distinct weeks; unlearned slots give NaN, never a guess.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from core.analytics.energy.periods import local_wall_ns
from core.model import NS_PER_S

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
SLOTS = 168
_NS_PER_H = 3600 * NS_PER_S
_THURSDAY_OFFSET_H = 72
"""1970-01-01 was a Thursday: hours from the Monday before it."""


def hour_of_week(ts_ns: npt.ArrayLike, zone: ZoneInfo) -> IntArray:
    """Local hour of the week of each instant, 0 (Monday 00h) .. 167 (Sunday 23h)."""
    hours = local_wall_ns(ts_ns, zone) // _NS_PER_H + _THURSDAY_OFFSET_H
    return (hours % SLOTS).astype(np.int64)


def week_index(ts_ns: npt.ArrayLike, zone: ZoneInfo) -> IntArray:
    """Local ISO-week number since 1970 (weeks start on Monday)."""
    hours = local_wall_ns(ts_ns, zone) // _NS_PER_H + _THURSDAY_OFFSET_H
    return (hours // SLOTS).astype(np.int64)


def deviation_pct(
    actual: npt.ArrayLike, expected: npt.ArrayLike, floor: float = 1e-9
) -> FloatArray:
    """``100 * (actual - expected) / |expected|``; NaN where the expectation is unknown or
    smaller in magnitude than ``floor`` (a % of nothing means nothing)."""
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = 100.0 * (a - e) / np.abs(e)
    return np.where(np.isfinite(e) & (np.abs(e) >= floor), out, np.nan)


@dataclass(frozen=True)
class HourOfWeekBaseline:
    """Mean, standard deviation and median of each hour-of-week slot."""

    zone: str
    mean: FloatArray
    std: FloatArray
    median: FloatArray
    count: IntArray
    weeks: IntArray
    """Distinct weeks that contributed to each slot."""
    min_weeks: int

    @classmethod
    def fit(
        cls, ts_ns: npt.ArrayLike, values: npt.ArrayLike, zone: str, min_weeks: int = 2
    ) -> HourOfWeekBaseline:
        """Learn the slots from a history (e.g. hourly kWh of the last 4-8 weeks)."""
        tz = ZoneInfo(zone)
        ts = np.asarray(ts_ns, dtype=np.int64)
        x = np.asarray(values, dtype=np.float64)
        keep = np.isfinite(x)
        ts, x = ts[keep], x[keep]
        slot = hour_of_week(ts, tz)
        week = week_index(ts, tz)
        count = np.bincount(slot, minlength=SLOTS).astype(np.int64)
        weeks = np.array([np.unique(week[slot == s]).size for s in range(SLOTS)], dtype=np.int64)
        learned = weeks >= min_weeks
        mean, std, median = (np.full(SLOTS, np.nan) for _ in range(3))
        for s in np.flatnonzero(learned).tolist():
            chosen = x[slot == s]
            mean[s] = chosen.mean()
            std[s] = chosen.std(ddof=1) if chosen.size > 1 else 0.0
            median[s] = np.median(chosen)
        log.debug("hour-of-week baseline: %d of 168 slots learned", int(learned.sum()))
        return cls(zone, mean, std, median, count, weeks, min_weeks)

    @property
    def learned(self) -> int:
        """How many slots are learned."""
        return int(np.isfinite(self.mean).sum())

    def expected(self, ts_ns: npt.ArrayLike, robust: bool = False) -> FloatArray:
        """The slot mean (or median) for each instant; NaN in unlearned slots."""
        table = self.median if robust else self.mean
        return table[hour_of_week(ts_ns, ZoneInfo(self.zone))]

    def spread(self, ts_ns: npt.ArrayLike) -> FloatArray:
        """The slot standard deviation for each instant."""
        return self.std[hour_of_week(ts_ns, ZoneInfo(self.zone))]

    def deviation_pct(
        self, ts_ns: npt.ArrayLike, values: npt.ArrayLike, robust: bool = False
    ) -> FloatArray:
        """Deviation of each value from its slot, in % of the slot's expectation."""
        return deviation_pct(values, self.expected(ts_ns, robust))

    def zscore(self, ts_ns: npt.ArrayLike, values: npt.ArrayLike) -> FloatArray:
        """(value - slot mean) / slot std; NaN where unlearned or the slot never varied."""
        x = np.asarray(values, dtype=np.float64)
        s = self.spread(ts_ns)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(s > 0, (x - self.expected(ts_ns)) / s, np.nan)
