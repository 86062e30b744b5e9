"""Slices of one tag for a list of intervals, through the cache.

Fingerprints of every interval are read first; only the intervals whose fingerprint changed (or
that were never computed) are recomputed, from one window of samples spanning them. This is
the incremental update: a new hour of data recomputes the current hour, day, week and month,
never the closed periods before it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from core.analytics.energy.cache import EnergyCache
from core.analytics.energy.integrate import counter_energy, integrate_power
from core.analytics.energy.slices import Interval, Slice, slice_curve
from core.analytics.energy.source import SampleSource
from core.model import NS_PER_S

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TagMethod:
    """How one tag is turned into energy."""

    tag: str
    kind: Literal["power", "counter"]
    unit: str
    max_gap_s: float
    rollover: float | None = None
    target: str = "kWh"

    @property
    def signature(self) -> str:
        """Everything that changes the result, as a cache-key part."""
        return f"{self.kind}|{self.unit}|{self.max_gap_s:g}|{self.rollover!r}|{self.target}"

    @property
    def max_gap_ns(self) -> int:
        """The gap limit in nanoseconds (also how far beyond an interval samples are read)."""
        return int(self.max_gap_s * NS_PER_S)


def tag_slices(
    source: SampleSource,
    cache: EnergyCache,
    method: TagMethod,
    intervals: Sequence[Interval],
) -> list[Slice]:
    """One slice per interval, from the cache where the data did not change."""
    pad = method.max_gap_ns
    prints = source.fingerprints(method.tag, intervals, pad)
    keys = [(method.tag, method.signature, s, e) for s, e in intervals]
    found = [cache.get(k, fp) for k, fp in zip(keys, prints, strict=True)]
    missing = [k for k, hit in enumerate(found) if hit is None]
    if missing:
        fresh = compute_slices(source, method, [intervals[k] for k in missing])
        for k, value in zip(missing, fresh, strict=True):
            cache.put(keys[k], prints[k], value)
            found[k] = value
        log.debug("%s: %d of %d intervals recomputed", method.tag, len(missing), len(intervals))
    return [s for s in found if s is not None]


def compute_slices(
    source: SampleSource, method: TagMethod, intervals: Sequence[Interval]
) -> list[Slice]:
    """Slices computed from samples (no cache)."""
    lo = min(s for s, _ in intervals)
    hi = max(e for _, e in intervals)
    data = source.window(method.tag, lo, hi, method.max_gap_ns)
    if method.kind == "power":
        curve = integrate_power(
            data.ts_ns, data.values, method.unit, method.max_gap_s, data.quality
        )
        return slice_curve(curve, intervals, method.max_gap_ns)
    counter = counter_energy(
        data.ts_ns,
        data.values,
        method.unit,
        rollover=method.rollover,
        max_gap_s=method.max_gap_s,
        quality=data.quality,
        target=method.target,
    )
    return slice_curve(counter.curve, intervals, method.max_gap_ns, counter)
