"""Vectorised operations on sample batches used by the writer: ordering, dedupe, rollup maths."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from core.model import NS_PER_S, SampleBatch

BAD_QUALITY_FLOOR = 128


def sort_dedupe(batch: SampleBatch) -> tuple[SampleBatch, int]:
    """Rows ordered by (tag, ts) with repeated (tag, ts) pairs removed (first occurrence wins).

    Returns the clean batch and the number of duplicates dropped.
    """
    if len(batch) == 0:
        return batch, 0
    order = np.lexsort((batch.ts_ns, batch.tag_ids))  # stable: equal keys keep their order
    tags = batch.tag_ids[order]
    ts = batch.ts_ns[order]
    keep = np.ones(len(order), dtype=bool)
    keep[1:] = (tags[1:] != tags[:-1]) | (ts[1:] != ts[:-1])
    dropped = int(len(order) - np.count_nonzero(keep))
    return batch.take(order[keep]), dropped


@dataclass(slots=True)
class RollupRows:
    """One row per (tag, bucket): the aggregates of a rollup table, as parallel arrays."""

    tag_ids: npt.NDArray[np.int64]
    buckets: npt.NDArray[np.int64]
    vmin: npt.NDArray[np.float64]
    vmax: npt.NDArray[np.float64]
    tmin: npt.NDArray[np.int64]
    tmax: npt.NDArray[np.int64]
    vsum: npt.NDArray[np.float64]
    n: npt.NDArray[np.int64]
    n_bad: npt.NDArray[np.int64]
    first_ts: npt.NDArray[np.int64]
    first_value: npt.NDArray[np.float64]
    last_ts: npt.NDArray[np.int64]
    last_value: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.tag_ids)

    def records(
        self,
    ) -> list[tuple[int, int, float, float, int, int, float, int, int, int, float, int, float]]:
        """Rows as tuples in table column order (tag_id, bucket, vmin, vmax, tmin, tmax, ...)."""
        return list(zip(*(c.tolist() for c in self.columns()), strict=True))

    def columns(self) -> tuple[npt.NDArray[Any], ...]:
        """The arrays in table column order (tag_id, bucket, vmin, vmax, tmin, tmax, ...)."""
        return (
            self.tag_ids,
            self.buckets,
            self.vmin,
            self.vmax,
            self.tmin,
            self.tmax,
            self.vsum,
            self.n,
            self.n_bad,
            self.first_ts,
            self.first_value,
            self.last_ts,
            self.last_value,
        )


def arg_extreme(
    values: npt.NDArray[np.float64], starts: npt.NDArray[np.intp], which: str
) -> npt.NDArray[np.intp]:
    """Index of the min (or max) row of each group; groups are contiguous, starting at ``starts``."""
    reducer = np.minimum if which == "min" else np.maximum
    extreme = reducer.reduceat(values, starts)
    group = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(values))))
    hits = np.flatnonzero(values == extreme[group])
    first_hit = np.unique(group[hits], return_index=True)[1]
    return hits[first_hit]


def aggregate(batch: SampleBatch, width_s: int) -> RollupRows:
    """Rollup aggregates of a batch *sorted by (tag, ts)* for buckets of ``width_s`` seconds."""
    width = width_s * NS_PER_S
    buckets = batch.ts_ns - np.mod(batch.ts_ns, width)
    tags = batch.tag_ids.astype(np.int64)
    change = np.ones(len(batch), dtype=bool)
    change[1:] = (tags[1:] != tags[:-1]) | (buckets[1:] != buckets[:-1])
    starts = np.flatnonzero(change)
    ends = np.append(starts[1:], len(batch)) - 1
    values = batch.values
    imin = arg_extreme(values, starts, "min")
    imax = arg_extreme(values, starts, "max")
    bad = (batch.quality >= BAD_QUALITY_FLOOR).astype(np.int64)
    return RollupRows(
        tag_ids=tags[starts],
        buckets=buckets[starts],
        vmin=values[imin],
        vmax=values[imax],
        tmin=batch.ts_ns[imin],
        tmax=batch.ts_ns[imax],
        vsum=np.add.reduceat(values, starts),
        n=np.diff(np.append(starts, len(batch))).astype(np.int64),
        n_bad=np.add.reduceat(bad, starts),
        first_ts=batch.ts_ns[starts],
        first_value=values[starts],
        last_ts=batch.ts_ns[ends],
        last_value=values[ends],
    )


def latest_rows(batch: SampleBatch) -> SampleBatch:
    """The newest row of every tag in a batch sorted by (tag, ts)."""
    if len(batch) == 0:
        return batch
    last = np.ones(len(batch), dtype=bool)
    last[:-1] = batch.tag_ids[1:] != batch.tag_ids[:-1]
    return batch.take(last)
