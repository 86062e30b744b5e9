"""An hourly grid carbon-intensity series (from a tag or a CSV file) applied to energy.

Each value counts for the UTC hour it falls in (several values in one hour are averaged);
hours without a value use the static factor of the table, and the share of energy priced by
the series is reported as its coverage.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.analytics.energy.curve import NS_PER_H, FloatArray, IntArray, usable
from core.analytics.energy.units import UnitError, factor_to_kg_per
from core.config import ConfigError
from core.timefmt import parse_time

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IntensitySeries:
    """kg CO2e per kWh for UTC hours (``hour_ns`` sorted, unique)."""

    hour_ns: IntArray
    kg_per_kwh: FloatArray
    source: str

    @classmethod
    def from_samples(
        cls, ts_ns: npt.ArrayLike, values: npt.ArrayLike, unit: str, source: str
    ) -> IntensitySeries:
        """Hourly means of samples in ``unit`` (``gCO2e/kWh``, ``kgCO2e/MWh``...)."""
        ts, x = usable(ts_ns, values)
        try:
            x = x * factor_to_kg_per(unit, "kWh")
        except UnitError as exc:
            raise ConfigError(source, "energy.grid_intensity.unit", unit, str(exc)) from exc
        hours = ts - ts % NS_PER_H
        keys, inverse, counts = np.unique(hours, return_inverse=True, return_counts=True)
        sums = np.bincount(inverse, weights=x, minlength=keys.size)
        return cls(keys.astype(np.int64), sums / counts, source)

    @classmethod
    def from_csv(cls, path: Path, unit: str) -> IntensitySeries:
        """Read ``timestamp,value`` rows (ISO-8601 or epoch seconds)."""
        ts: list[int] = []
        values: list[float] = []
        try:
            with open(path, newline="", encoding="utf-8-sig") as handle:
                rows = csv.reader(handle)
                header = [c.strip().lower() for c in next(rows, [])]
                if header[:2] != ["timestamp", "value"]:
                    raise ConfigError(
                        path, "line 1", ",".join(header), "header must be timestamp,value"
                    )
                for line_no, row in enumerate(rows, start=2):
                    stamp, value = _row(path, line_no, row)
                    ts.append(stamp)
                    values.append(value)
        except OSError as exc:
            raise ConfigError(path, "", None, f"cannot read: {exc.strerror}") from exc
        return cls.from_samples(np.array(ts, dtype=np.int64), np.array(values), unit, str(path))

    def lookup(self, hour_ns: IntArray) -> FloatArray:
        """Intensity of each UTC hour start; NaN where the series has none."""
        hours = np.asarray(hour_ns, dtype=np.int64)
        if self.hour_ns.size == 0:
            return np.full(hours.shape, np.nan)
        idx = np.clip(np.searchsorted(self.hour_ns, hours), 0, self.hour_ns.size - 1)
        return np.where(self.hour_ns[idx] == hours, self.kg_per_kwh[idx], np.nan)


def _row(path: Path, line_no: int, row: list[str]) -> tuple[int, float]:
    if len(row) < 2:
        raise ConfigError(path, f"line {line_no}", ",".join(row), "expected timestamp,value")
    try:
        return parse_time(row[0]), float(row[1])
    except ValueError as exc:
        raise ConfigError(path, f"line {line_no}", ",".join(row), str(exc)) from exc


@dataclass(frozen=True, slots=True)
class HourlyCo2e:
    """CO2e of a stretch of energy priced hour by hour."""

    co2e_kg: float
    covered_kwh: float
    """Energy priced by the series (the rest used the static factor)."""


def hour_bounds(start_ns: int, end_ns: int) -> IntArray:
    """``start``, every UTC hour boundary inside, ``end``: the hourly slices of a period."""
    first = start_ns - start_ns % NS_PER_H
    cuts = np.arange(first + NS_PER_H, end_ns, NS_PER_H, dtype=np.int64)
    return np.concatenate([[start_ns], cuts, [end_ns]]).astype(np.int64)


def hourly_co2e(
    bounds: IntArray, energy_kwh: FloatArray, series: IntensitySeries, fallback_kg: float | None
) -> HourlyCo2e:
    """CO2e of hourly slices (``bounds`` from :func:`hour_bounds`, one energy per slice): each
    at its hour's intensity, or at ``fallback_kg`` per kWh (None: unpriced, counts 0)."""
    intensity = series.lookup(bounds[:-1] - bounds[:-1] % NS_PER_H)
    known = np.isfinite(intensity)
    other = fallback_kg if fallback_kg is not None else 0.0
    co2e = energy_kwh * np.where(known, intensity, other)
    return HourlyCo2e(float(co2e.sum()), float(energy_kwh[known].sum()))
