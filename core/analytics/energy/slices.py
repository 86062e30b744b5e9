"""What one tag contributes to one time interval: quantity, coverage, gaps and counter events.

Slices are the unit the cache keeps and the report adds up. A slice's gaps are the unbridged
intervals clipped to it, plus its uncovered head or tail when longer than the maximum gap;
the pieces of one gap cut by period boundaries are joined again by :func:`merge_gaps`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.analytics.energy.curve import EnergyCurve, Gap
from core.analytics.energy.integrate import CounterEnergy, CounterEvent
from core.model import NS_PER_S

log = logging.getLogger(__name__)

Interval = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Slice:
    """One tag over one interval ``[start_ns, end_ns)``."""

    start_ns: int
    end_ns: int
    quantity: float
    covered_s: float
    gaps: tuple[Gap, ...] = ()
    events: tuple[CounterEvent, ...] = ()
    unattributed: float = 0.0

    def to_json(self) -> list[Any]:
        """A compact JSON-able form (for the disk cache)."""
        return [
            self.start_ns,
            self.end_ns,
            self.quantity,
            self.covered_s,
            [[g.start_ns, g.end_ns] for g in self.gaps],
            [[e.ts_ns, e.kind, e.before, e.after] for e in self.events],
            self.unattributed,
        ]

    @classmethod
    def from_json(cls, data: Sequence[Any]) -> Slice:
        """Inverse of :meth:`to_json`."""
        start, end, quantity, covered, gaps, events, unattributed = data
        return cls(
            int(start),
            int(end),
            float(quantity),
            float(covered),
            tuple(Gap(int(a), int(b)) for a, b in gaps),
            tuple(CounterEvent(int(t), k, float(b), float(a)) for t, k, b, a in events),
            float(unattributed),
        )


def slice_curve(
    curve: EnergyCurve,
    intervals: Sequence[Interval],
    max_gap_ns: int,
    counter: CounterEnergy | None = None,
) -> list[Slice]:
    """Slices of a curve (and of its counter's events and unattributed energy)."""
    if not intervals:
        return []
    bounds = np.array([b for interval in intervals for b in interval], dtype=np.int64)
    at = curve.at(bounds)
    covered = curve.covered_at(bounds)
    gaps = [(int(curve.ts_ns[k]), int(curve.ts_ns[k + 1])) for k in np.flatnonzero(~curve.bridged)]
    jumps = _gap_increases(counter)
    out = []
    for k, (start, end) in enumerate(intervals):
        out.append(
            Slice(
                start,
                end,
                float(at[2 * k + 1] - at[2 * k]),
                float(covered[2 * k + 1] - covered[2 * k]) / NS_PER_S,
                _gaps_in(curve, gaps, start, end, max_gap_ns),
                tuple(e for e in (counter.events if counter else []) if start <= e.ts_ns < end),
                float(sum(q for t, q in jumps if start <= t < end)),
            )
        )
    return out


def _gap_increases(counter: CounterEnergy | None) -> list[tuple[int, float]]:
    """(end of gap, quantity) of each counter increase that was not attributed."""
    return list(counter.unattributed_by_gap) if counter is not None else []


def _gaps_in(
    curve: EnergyCurve, gaps: list[Interval], start: int, end: int, max_gap_ns: int
) -> tuple[Gap, ...]:
    found = [Gap(max(a, start), min(b, end)) for a, b in gaps if b > start and a < end]
    ts = curve.ts_ns
    first = int(ts[0]) if ts.size else end
    last = int(ts[-1]) if ts.size else start
    head = Gap(start, min(first, end)) if min(first, end) - start > max_gap_ns else None
    tail = Gap(max(last, start), end) if end - max(last, start) > max_gap_ns else None
    if ts.size == 0:
        return (Gap(start, end),) if end - start > max_gap_ns else ()
    return tuple(g for g in (head, *found, tail) if g is not None)


def merge_gaps(gaps: Iterable[Gap]) -> list[Gap]:
    """Sorted gaps with touching or overlapping pieces joined."""
    out: list[Gap] = []
    for gap in sorted(gaps, key=lambda g: (g.start_ns, g.end_ns)):
        if out and gap.start_ns <= out[-1].end_ns:
            last = out[-1]
            out[-1] = Gap(last.start_ns, max(last.end_ns, gap.end_ns))
        else:
            out.append(gap)
    return out
