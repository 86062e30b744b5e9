"""Where samples come from: the historian (thin SQL adapter) or in-memory arrays.

A source gives the samples of a window plus the nearest sample on each side (within a pad),
which the curves need to interpolate at period boundaries, and a fingerprint per interval for
the cache. The historian computes fingerprints from the hourly rollups (count, newest time,
sum of values), so checking a month of cached days costs one small query per tag.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine, select

from core.analytics.energy.cache import Fingerprint
from core.analytics.energy.curve import NS_PER_H, FloatArray, IntArray
from core.store.historian import Historian
from core.store.schema import rollup_1h, samples

log = logging.getLogger(__name__)

Interval = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Samples:
    """Samples of one tag, ordered by time."""

    ts_ns: IntArray
    values: FloatArray
    quality: npt.NDArray[np.uint8]


class SampleSource(Protocol):
    """What the energy service reads."""

    def window(self, tag: str, start_ns: int, end_ns: int, pad_ns: int) -> Samples:
        """Samples in ``[start, end]`` plus the nearest one before/after within ``pad_ns``."""
        ...

    def fingerprints(
        self, tag: str, intervals: Sequence[Interval], pad_ns: int
    ) -> list[Fingerprint]:
        """One fingerprint per interval (changes whenever data near the interval changes)."""
        ...


class ArraySource:
    """Samples held in memory (tests, benchmarks, data not in a store)."""

    def __init__(self, data: Mapping[str, Samples]) -> None:
        self.data = dict(data)

    def window(self, tag: str, start_ns: int, end_ns: int, pad_ns: int) -> Samples:
        """See :class:`SampleSource`."""
        s = self.data[tag]
        lo = int(np.searchsorted(s.ts_ns, start_ns, side="left"))
        hi = int(np.searchsorted(s.ts_ns, end_ns, side="right"))
        if lo > 0 and start_ns - s.ts_ns[lo - 1] <= pad_ns:
            lo -= 1
        if hi < s.ts_ns.size and s.ts_ns[hi] - end_ns <= pad_ns:
            hi += 1
        return Samples(s.ts_ns[lo:hi], s.values[lo:hi], s.quality[lo:hi])

    def fingerprints(
        self, tag: str, intervals: Sequence[Interval], pad_ns: int
    ) -> list[Fingerprint]:
        """Count, newest time and value sum of the padded interval."""
        s = self.data[tag]
        cum = np.concatenate([[0.0], np.cumsum(s.values)])
        out = []
        for start, end in intervals:
            lo = int(np.searchsorted(s.ts_ns, start - pad_ns, side="left"))
            hi = int(np.searchsorted(s.ts_ns, end + pad_ns, side="right"))
            newest = int(s.ts_ns[hi - 1]) if hi > lo else 0
            out.append((hi - lo, newest, float(cum[hi] - cum[lo])))
        return out


class HistorianSource:
    """Samples and rollup fingerprints from the historian's database."""

    def __init__(self, historian: Historian) -> None:
        self.historian = historian
        self.engine: Engine = historian.engine

    def _tag_id(self, tag: str) -> int:
        info = self.historian.registry.get(tag)
        if info is None:
            raise KeyError(f"unknown tag {tag!r}")
        return info.id

    def window(self, tag: str, start_ns: int, end_ns: int, pad_ns: int) -> Samples:
        """See :class:`SampleSource`."""
        series = self.historian.raw(tag, start_ns, end_ns)
        tag_id = self._tag_id(tag)
        c = samples.c
        before = (
            select(c.ts, c.value, c.quality)
            .where(c.tag_id == tag_id, c.ts < start_ns, c.ts >= start_ns - pad_ns)
            .order_by(c.ts.desc())
            .limit(1)
        )
        after = (
            select(c.ts, c.value, c.quality)
            .where(c.tag_id == tag_id, c.ts > end_ns, c.ts <= end_ns + pad_ns)
            .order_by(c.ts)
            .limit(1)
        )
        with self.engine.connect() as conn:
            head = conn.execute(before).all()
            tail = conn.execute(after).all()
        ts = np.concatenate([[r.ts for r in head], series.ts_ns, [r.ts for r in tail]])
        values = np.concatenate([[r.value for r in head], series.values, [r.value for r in tail]])
        quality = np.concatenate(
            [[r.quality for r in head], series.quality, [r.quality for r in tail]]
        )
        return Samples(ts.astype(np.int64), values.astype(np.float64), quality.astype(np.uint8))

    def fingerprints(
        self, tag: str, intervals: Sequence[Interval], pad_ns: int
    ) -> list[Fingerprint]:
        """Sums over the hourly rollup buckets touching each padded interval."""
        if not intervals:
            return []
        lo = min(s for s, _ in intervals) - pad_ns
        hi = max(e for _, e in intervals) + pad_ns
        c = rollup_1h.c
        query = (
            select(c.bucket, c.n, c.last_ts, c.vsum)
            .where(c.tag_id == self._tag_id(tag), c.bucket >= lo - lo % NS_PER_H, c.bucket <= hi)
            .order_by(c.bucket)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        bucket = np.array([r.bucket for r in rows], dtype=np.int64)
        count = np.concatenate([[0], np.cumsum([r.n for r in rows])]).astype(np.int64)
        vsum = np.concatenate([[0.0], np.cumsum([r.vsum for r in rows])])
        newest = np.array([r.last_ts for r in rows], dtype=np.int64)
        out = []
        for start, end in intervals:
            a = int(np.searchsorted(bucket, start - pad_ns - (start - pad_ns) % NS_PER_H))
            b = int(np.searchsorted(bucket, end + pad_ns, side="right"))
            last = int(newest[a:b].max()) if b > a else 0
            out.append((int(count[b] - count[a]), last, float(vsum[b] - vsum[a])))
        return out
