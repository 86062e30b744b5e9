"""Vectorised evaluation helpers: definitions indexed by tag id, and the latest value per tag.

Every definition is reduced to one *feature* of a sample (the value, its distance to a
setpoint, its rate, its quality...) and two thresholds, so that for any definition
``signed feature > on_threshold`` means "condition present" and ``< off_threshold`` means
"condition gone" (between the two, the deadband, the previous raw state holds). That lets
:meth:`DefinitionIndex.signal` compute both for all (sample, definition) pairs of a batch in a
few numpy operations; only definitions whose raw state may change go on to the per-sample loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from core.alarms.config import AlarmDefinition, AlarmType
from core.model import NS_PER_S, SampleBatch

BAD_QUALITY = 128
DISCRETE_EPSILON = 1e-9
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class Feature(IntEnum):
    """What a definition compares against its thresholds."""

    VALUE = 0
    DISCRETE = 1
    QUALITY = 2
    DEVIATION = 3
    RATE = 4
    STALE = 5


_FEATURES = {
    AlarmType.HIGH: Feature.VALUE,
    AlarmType.HIGH_HIGH: Feature.VALUE,
    AlarmType.LOW: Feature.VALUE,
    AlarmType.LOW_LOW: Feature.VALUE,
    AlarmType.DISCRETE: Feature.DISCRETE,
    AlarmType.BAD_QUALITY: Feature.QUALITY,
    AlarmType.DEVIATION: Feature.DEVIATION,
    AlarmType.RATE_OF_CHANGE: Feature.RATE,
    AlarmType.STALE: Feature.STALE,
}


def thresholds(d: AlarmDefinition) -> tuple[float, float, float]:
    """(sign, on_threshold, off_threshold) of a definition (see the module docstring)."""
    limit, band = d.threshold, d.deadband
    if d.type in (AlarmType.LOW, AlarmType.LOW_LOW):
        return -1.0, -limit, -(limit + band)
    if d.type is AlarmType.DISCRETE:
        return 1.0, -DISCRETE_EPSILON, -DISCRETE_EPSILON
    if d.type is AlarmType.BAD_QUALITY:
        return 1.0, BAD_QUALITY - 0.5, BAD_QUALITY - 0.5
    if d.type is AlarmType.STALE:
        return 1.0, np.inf, np.inf
    return 1.0, limit, limit - band


class TagCache:
    """Latest good value, its time, and the last arrival time of any sample, per tag id."""

    def __init__(self, size: int) -> None:
        self.value: FloatArray = np.full(size, np.nan)
        self.ts: IntArray = np.zeros(size, dtype=np.int64)
        self.seen: IntArray = np.full(size, -1, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.value)

    def resize(self, size: int) -> None:
        """Grow to ``size`` tags, keeping what is known."""
        extra = size - len(self)
        if extra > 0:
            self.value = np.concatenate([self.value, np.full(extra, np.nan)])
            self.ts = np.concatenate([self.ts, np.zeros(extra, dtype=np.int64)])
            self.seen = np.concatenate([self.seen, np.full(extra, -1, dtype=np.int64)])

    def update(self, batch: SampleBatch, rows: IntArray, now_ns: int) -> None:
        """Take the latest sample (by timestamp) of each tag among ``rows`` of the batch."""
        if not len(rows):
            return
        tags = batch.tag_ids[rows]
        self.seen[tags] = now_ns
        good = rows[batch.quality[rows] < BAD_QUALITY]
        if not len(good):
            return
        tags, ts = batch.tag_ids[good].astype(np.int64), batch.ts_ns[good]
        order = np.lexsort((ts, tags))
        tags, ts, rows_sorted = tags[order], ts[order], good[order]
        last = np.flatnonzero(np.append(tags[1:] != tags[:-1], True))
        newer = ts[last] >= self.ts[tags[last]]
        pick = last[newer]
        self.value[tags[pick]] = batch.values[rows_sorted[pick]]
        self.ts[tags[pick]] = ts[pick]


@dataclass(frozen=True, slots=True)
class Signal:
    """Expanded (sample, definition) pairs of a batch and their on/off signals."""

    rows: IntArray
    defs: IntArray
    on: BoolArray
    off: BoolArray


class DefinitionIndex:
    """Definitions as parallel arrays, grouped by tag id (compressed sparse rows)."""

    def __init__(self, definitions: Sequence[AlarmDefinition], tag_ids: Sequence[int | None]):
        n = len(definitions)
        self.tag: IntArray = np.array([-1 if t is None else t for t in tag_ids], dtype=np.int64)
        self.feature = np.array([_FEATURES[d.type] for d in definitions], dtype=np.int8)
        limits = np.array([thresholds(d) for d in definitions], dtype=np.float64).reshape(n, 3)
        self.sign, self.on_threshold, self.off_threshold = limits.T.copy()
        self.state = np.array([d.state or 0.0 for d in definitions], dtype=np.float64)
        self.baseline = np.array(
            [np.nan if d.baseline is None else d.baseline for d in definitions]
        )
        self.reference_tag = np.full(n, -1, dtype=np.int64)
        self.rate_scale = np.array([60.0 if d.rate_per == "minute" else 1.0 for d in definitions])
        self.stale_ns = np.array([int((d.stale_s or 0) * NS_PER_S) for d in definitions])
        self.stale_defs: IntArray = np.flatnonzero(self.feature == Feature.STALE)
        self._build_groups()

    def _build_groups(self) -> None:
        resolved = np.flatnonzero(self.tag >= 0)
        self.size = int(self.tag.max(initial=-1)) + 1
        order = resolved[np.argsort(self.tag[resolved], kind="stable")]
        self.by_tag: IntArray = order
        counts = np.bincount(self.tag[order], minlength=self.size).astype(np.int64)
        self.count: IntArray = counts
        self.start: IntArray = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        rate_tags = self.tag[(self.feature == Feature.RATE) & (self.tag >= 0)]
        self.has_rate = np.zeros(self.size, dtype=bool)
        self.has_rate[rate_tags] = True

    def set_reference(self, d: int, tag_id: int | None) -> None:
        """The setpoint tag of a deviation definition."""
        self.reference_tag[d] = -1 if tag_id is None else tag_id

    def expand(self, tag_ids: npt.NDArray[np.int32]) -> tuple[IntArray, IntArray]:
        """(row, definition) index pairs for every batch row whose tag has definitions."""
        tags = tag_ids.astype(np.int64)
        inside = (tags >= 0) & (tags < self.size)
        rows = np.flatnonzero(inside)
        counts = self.count[tags[rows]]
        rows = rows[counts > 0]
        counts = counts[counts > 0]
        total = int(counts.sum())
        rep_rows = np.repeat(rows, counts)
        first = np.repeat(np.cumsum(counts) - counts, counts)
        offsets = np.arange(total, dtype=np.int64) - first
        defs = self.by_tag[np.repeat(self.start[tags[rows]], counts) + offsets]
        return rep_rows, defs

    def rates(self, batch: SampleBatch, cache: TagCache) -> FloatArray:
        """Per-row rate of change (units per second) for tags with rate alarms; NaN elsewhere."""
        out = np.full(len(batch), np.nan)
        tags = batch.tag_ids.astype(np.int64)
        inside = (tags >= 0) & (tags < self.size)
        rows = np.flatnonzero(inside & (batch.quality < BAD_QUALITY))
        rows = rows[self.has_rate[tags[rows]]]
        if not len(rows):
            return out
        order = np.lexsort((batch.ts_ns[rows], tags[rows]))
        rows = rows[order]
        tag, ts, value = tags[rows], batch.ts_ns[rows], batch.values[rows]
        first = np.append(True, tag[1:] != tag[:-1])
        prev_ts = np.where(first, cache.ts[tag], np.roll(ts, 1))
        prev_value = np.where(first, cache.value[tag], np.roll(value, 1))
        dt = (ts - prev_ts).astype(np.float64) / NS_PER_S
        with np.errstate(divide="ignore", invalid="ignore"):
            out[rows] = np.where(dt > 0, (value - prev_value) / dt, np.nan)
        return out

    def signal(
        self, batch: SampleBatch, cache: TagCache, rates: FloatArray, rows: IntArray, defs: IntArray
    ) -> Signal:
        """On/off signals of every (row, definition) pair."""
        feature = self.feature[defs]
        values = batch.values[rows]
        good = batch.quality[rows] < BAD_QUALITY
        x = np.where(good, values, np.nan)
        x = np.where(feature == Feature.DISCRETE, -np.abs(x - self.state[defs]), x)
        x = np.where(feature == Feature.QUALITY, batch.quality[rows].astype(np.float64), x)
        reference = self._references(cache, defs)
        x = np.where(feature == Feature.DEVIATION, np.abs(x - reference), x)
        x = np.where(feature == Feature.RATE, np.abs(rates[rows]) * self.rate_scale[defs], x)
        x = np.where(feature == Feature.STALE, 0.0, x) * self.sign[defs]
        with np.errstate(invalid="ignore"):
            on = x > self.on_threshold[defs]
            off = x < self.off_threshold[defs]
        return Signal(rows, defs, on, off)

    def _references(self, cache: TagCache, defs: IntArray) -> FloatArray:
        ref_tags = self.reference_tag[defs]
        known = (ref_tags >= 0) & (ref_tags < len(cache))
        from_tag = np.where(known, cache.value[np.where(known, ref_tags, 0)], np.nan)
        return np.where(ref_tags >= 0, from_tag, self.baseline[defs])
