"""Vectorised operations on sample batches used by the writer: ordering, dedupe, rollup maths."""

from __future__ import annotations

from dataclasses import dataclass, replace
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


def _group_of_rows(starts: npt.NDArray[np.intp], n: int) -> npt.NDArray[np.intp]:
    """Group number of every row, for contiguous groups starting at ``starts``."""
    step = np.zeros(n, dtype=np.intp)
    step[starts[1:]] = 1
    return np.cumsum(step)


def arg_extreme(
    values: npt.NDArray[np.float64], starts: npt.NDArray[np.intp], which: str
) -> npt.NDArray[np.intp]:
    """Index of the min (or max) row of each group; groups are contiguous, starting at ``starts``.

    The first such row of its group when several rows share the extreme value.
    """
    reducer = np.minimum if which == "min" else np.maximum
    extreme = reducer.reduceat(values, starts)
    group = _group_of_rows(starts, len(values))
    hits = np.flatnonzero(values == extreme[group])
    hit_group = group[hits]
    first = np.ones(len(hits), dtype=bool)
    first[1:] = hit_group[1:] != hit_group[:-1]
    return hits[first]


def _starts(tags: npt.NDArray[np.int64], buckets: npt.NDArray[np.int64]) -> npt.NDArray[np.intp]:
    """First row of every (tag, bucket) run of rows sorted by (tag, bucket)."""
    change = np.ones(len(tags), dtype=bool)
    change[1:] = (tags[1:] != tags[:-1]) | (buckets[1:] != buckets[:-1])
    return np.flatnonzero(change)


def aggregate(batch: SampleBatch, width_s: int) -> RollupRows:
    """Rollup aggregates of a batch *sorted by (tag, ts)* for buckets of ``width_s`` seconds."""
    ts, values = batch.ts_ns, batch.values
    buckets = ts - np.mod(ts, width_s * NS_PER_S)
    tags = batch.tag_ids.astype(np.int64)
    bad = (batch.quality >= BAD_QUALITY_FLOOR).astype(np.int64)
    starts = _starts(tags, buckets)
    if len(starts) == len(batch):  # one row per bucket (e.g. one poll of many tags)
        ones = np.ones(len(batch), dtype=np.int64)
        return RollupRows(
            tags, buckets, values, values, ts, ts, values, ones, bad, ts, values, ts, values
        )
    ends = np.append(starts[1:], len(batch)) - 1
    imin = arg_extreme(values, starts, "min")
    imax = arg_extreme(values, starts, "max")
    return RollupRows(
        tag_ids=tags[starts],
        buckets=buckets[starts],
        vmin=values[imin],
        vmax=values[imax],
        tmin=ts[imin],
        tmax=ts[imax],
        vsum=np.add.reduceat(values, starts),
        n=np.diff(np.append(starts, len(batch))).astype(np.int64),
        n_bad=np.add.reduceat(bad, starts),
        first_ts=ts[starts],
        first_value=values[starts],
        last_ts=ts[ends],
        last_value=values[ends],
    )


def coarsen(rows: RollupRows, width_s: int) -> RollupRows:
    """The same aggregates over buckets of ``width_s`` seconds, from finer rollup rows sorted
    by (tag, bucket) whose width divides ``width_s`` (the 1-hour rows from the 1-minute ones)."""
    buckets = rows.buckets - np.mod(rows.buckets, width_s * NS_PER_S)
    starts = _starts(rows.tag_ids, buckets)
    if len(starts) == len(rows):
        return replace(rows, buckets=buckets)
    ends = np.append(starts[1:], len(rows)) - 1
    imin = arg_extreme(rows.vmin, starts, "min")
    imax = arg_extreme(rows.vmax, starts, "max")
    return RollupRows(
        tag_ids=rows.tag_ids[starts],
        buckets=buckets[starts],
        vmin=rows.vmin[imin],
        vmax=rows.vmax[imax],
        tmin=rows.tmin[imin],
        tmax=rows.tmax[imax],
        vsum=np.add.reduceat(rows.vsum, starts),
        n=np.add.reduceat(rows.n, starts),
        n_bad=np.add.reduceat(rows.n_bad, starts),
        first_ts=rows.first_ts[starts],
        first_value=rows.first_value[starts],
        last_ts=rows.last_ts[ends],
        last_value=rows.last_value[ends],
    )


def rollups(batch: SampleBatch, widths_s: list[int]) -> dict[int, RollupRows]:
    """Aggregates for every width (ascending, each a multiple of the one before): the finest
    from the rows, each coarser one from the one before it."""
    out: dict[int, RollupRows] = {}
    finer: RollupRows | None = None
    for width_s in sorted(widths_s):
        finer = aggregate(batch, width_s) if finer is None else coarsen(finer, width_s)
        out[width_s] = finer
    return out


def latest_rows(batch: SampleBatch) -> SampleBatch:
    """The newest row of every tag in a batch sorted by (tag, ts)."""
    if len(batch) == 0:
        return batch
    last = np.ones(len(batch), dtype=bool)
    last[:-1] = batch.tag_ids[1:] != batch.tag_ids[:-1]
    return batch.take(last)
