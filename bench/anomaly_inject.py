"""Held-out material for the anomaly detectors: realistic faults injected into normal data.

The NAB files hold about 25 windows, too few to tell a real improvement from noise. This module
builds more: into every artificial no-anomaly file and into the normal stretches of every real
file it injects one fault per variant (spike, level shift, slow drift, variance change, stuck
value, seasonal-pattern break, damped activity, a holiday: a day that behaves like a Sunday),
deterministically from a seed, and puts a NAB-style window around it: ``10 %`` of the file's
rows, centred on the fault's onset. Sizes are relative to the robust spread of the values (or
of their noise) before the onset; a variant that leaves the data unchanged is dropped.

Original labelled windows of a real file stay *neutral*: the scores there and for one window
width after are zeroed before scoring, so neither the original anomaly nor its after-effects
count for or against a detector. A transient fault ends inside its window; a level shift and a
drift are permanent (a detector re-alerting later because its baseline catches up pays for it).
"""

from __future__ import annotations

import logging
import math
import zlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.analytics.nab import LabeledSeries, probation_length

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
FAULTS = (
    "spike",
    "level_shift",
    "drift",
    "variance",
    "stuck",
    "pattern_break",
    "damping",
    "holiday",
)
BASE_PREFIXES = ("artificialNoAnomaly/", "realKnownCause/")
WINDOW_FRACTION = 0.10
_DAY_NS = 86_400 * 10**9
_PLACEMENT_TRIES = 500


@dataclass(frozen=True, eq=False)
class InjectedSeries:
    """A base file with one injected fault: the series, its one window, and neutral rows."""

    series: LabeledSeries
    base: str
    kind: str
    onset: int
    neutral: npt.NDArray[np.bool_]

    def masked(self, scores: FloatArray) -> FloatArray:
        """The scores with the neutral rows (original anomalies) zeroed."""
        return np.where(self.neutral, 0.0, scores)


def neutral_rows(base: LabeledSeries) -> npt.NDArray[np.bool_]:
    """Rows of the base file's own windows, each extended by its width after it."""
    mask = np.zeros(base.values.size, dtype=bool)
    for first, last in base.windows:
        mask[first : min(base.values.size, last + 1 + (last - first + 1))] = True
    return mask


def _place(base: LabeledSeries, neutral: npt.NDArray[np.bool_], rng: np.random.Generator) -> int:
    """An onset whose whole window lies after probation and clear of neutral rows (-1: none)."""
    n = base.values.size
    half = int(WINDOW_FRACTION * n) // 2
    low, high = probation_length(n) + half + 1, n - half - 1
    for _ in range(_PLACEMENT_TRIES if high > low else 0):
        onset = int(rng.integers(low, high))
        if not neutral[onset - half : onset + half + 1].any():
            return onset
    return -1


def _scales(values: FloatArray, onset: int) -> tuple[float, float]:
    """Robust spread of the values and of the noise (first differences) before the onset."""
    past = values[max(0, onset - 1000) : onset]
    spread = 1.4826 * float(np.median(np.abs(past - np.median(past))))
    spread = spread or float(np.std(past)) or max(0.05 * abs(float(np.median(past))), 1.0)
    diffs = np.diff(past)
    noise = 1.4826 * float(np.median(np.abs(diffs - np.median(diffs)))) / math.sqrt(2.0)
    return spread, noise or 0.02 * spread


def _rows_per_day(ts_ns: npt.NDArray[np.int64]) -> int:
    step = max(1, int(np.median(np.diff(ts_ns[: min(ts_ns.size, 500)]))))
    return max(2, _DAY_NS // step)


def inject(
    values: FloatArray,
    ts_ns: npt.NDArray[np.int64],
    kind: str,
    onset: int,
    rng: np.random.Generator,
) -> FloatArray:
    """A copy of ``values`` with a fault of ``kind`` starting at row ``onset``."""
    x = values.copy()
    half = int(WINDOW_FRACTION * x.size) // 2
    length = int(rng.integers(max(3, half // 6), max(4, half // 2) + 1))
    seg = slice(onset, min(x.size, onset + length))
    spread, noise = _scales(values, onset)
    sign = float(rng.choice((-1.0, 1.0)))
    if kind == "spike":
        x[onset : onset + int(rng.integers(1, 4))] += sign * rng.uniform(2.5, 6.0) * spread
    elif kind == "level_shift":
        x[onset:] += sign * rng.uniform(1.0, 2.5) * spread
    elif kind == "drift":
        ramp = np.minimum(np.arange(x.size - onset) / length, 1.0)
        x[onset:] += sign * rng.uniform(1.5, 3.0) * spread * ramp
    else:
        _transient(x, values, ts_ns, kind, seg, rng, (spread, noise))
    return x


def _transient(
    x: FloatArray,
    values: FloatArray,
    ts_ns: npt.NDArray[np.int64],
    kind: str,
    seg: slice,
    rng: np.random.Generator,
    scales: tuple[float, float],
) -> None:
    """Faults confined to ``seg`` (in place)."""
    start, stop = int(seg.start), int(seg.stop)
    if kind == "variance":
        x[seg] += rng.normal(0.0, rng.uniform(3.0, 6.0) * scales[1], stop - start)
    elif kind == "stuck":
        x[seg] = values[start]
    elif kind == "pattern_break":
        lag = _rows_per_day(ts_ns) // 2
        x[seg] = values[start - lag : stop - lag]
    elif kind == "damping":
        day = _rows_per_day(ts_ns)
        level = float(np.mean(values[max(0, start - day) : start]))
        x[seg] = level + rng.uniform(0.2, 0.5) * (values[seg] - level)
    elif kind == "holiday":
        _holiday(x, values, ts_ns, start, int(WINDOW_FRACTION * x.size) // 2)
    else:
        raise ValueError(f"unknown fault kind {kind!r}")


def _holiday(
    x: FloatArray, values: FloatArray, ts_ns: npt.NDArray[np.int64], start: int, half: int
) -> None:
    """The rest of the day (at most ``half`` rows) from ``start`` on replaced by the same hours of
    the nearest Sunday before it (after it when the series starts later), in place. Left as it is
    unless the stream has a weekly pattern there (the Sunday differs from the day at least twice
    as much as the same day a week earlier does): otherwise a holiday is like any other day."""
    day = _rows_per_day(ts_ns)
    weekday = (int(ts_ns[start]) // _DAY_NS + 3) % 7  # 1970-01-01 was a Thursday
    back = ((weekday - 6) % 7 or 7) * day
    lag = back if start >= back else back - 7 * day
    midnight = (int(ts_ns[start]) // _DAY_NS + 1) * _DAY_NS
    end_of_day = int(np.searchsorted(ts_ns, midnight))
    stop = min(end_of_day, start + min(day, half), x.size + lag)
    if start < 7 * day or stop <= start:
        return
    sunday = values[start - lag : stop - lag]
    usual = np.sqrt(np.mean((values[start:stop] - values[start - 7 * day : stop - 7 * day]) ** 2))
    if np.sqrt(np.mean((sunday - values[start:stop]) ** 2)) > 2.0 * usual:
        x[start:stop] = sunday


def injected_corpus(
    corpus: list[LabeledSeries], seed: int = 0, replicates: int = 2
) -> list[InjectedSeries]:
    """One variant per base file, fault kind and replicate, the same for the same seed (each drawn
    from its own generator, so adding a kind or a base leaves the other variants as they were)."""
    out: list[InjectedSeries] = []
    for base in corpus:
        if not base.name.startswith(BASE_PREFIXES):
            continue
        neutral = neutral_rows(base)
        for number, kind in enumerate(FAULTS):
            for replicate in range(replicates):
                key = [seed, zlib.crc32(base.name.encode()), number, replicate]
                variant = _variant(base, kind, replicate, neutral, np.random.default_rng(key))
                if variant is not None:
                    out.append(variant)
    log.info("injected corpus: %d series from seed %d", len(out), seed)
    return out


def _variant(
    base: LabeledSeries,
    kind: str,
    replicate: int,
    neutral: npt.NDArray[np.bool_],
    rng: np.random.Generator,
) -> InjectedSeries | None:
    onset = _place(base, neutral, rng)
    if onset < 0:
        log.warning("no room for a %s fault in %s", kind, base.name)
        return None
    half = int(WINDOW_FRACTION * base.values.size) // 2
    values = inject(base.values, base.ts_ns, kind, onset, rng)
    if np.allclose(values, base.values, rtol=0.0, atol=1e-9 * (1.0 + np.abs(base.values).max())):
        log.debug("a %s fault leaves %s unchanged, skipped", kind, base.name)
        return None
    name = f"{kind}/{base.name}#{replicate}"
    series = LabeledSeries(name, base.ts_ns, values, ((onset - half, onset + half),))
    return InjectedSeries(series, base.name, kind, onset, neutral)
