"""Reading history back: raw rows, rollups, min/max decimation, latest values, the quarantine.

:func:`history` picks the cheapest source that still shows every peak: raw rows when they fit
in ``max_points``; otherwise buckets of width ``span / (max_points / 2)``, each drawn as its
minimum and its maximum at the times they occurred, computed from raw rows (short spans), the
1-minute rollups or the 1-hour rollups (long spans).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine

from core.model import NS_PER_S, Quality
from core.store.batchops import arg_extreme
from core.store.dialects import dialect_for


@dataclass(frozen=True, slots=True)
class Series:
    """Points of one tag, ordered by time."""

    tag_id: int
    ts_ns: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    quality: npt.NDArray[np.uint8]
    source: str
    """``raw``, ``raw/decimated``, ``rollup_1m`` or ``rollup_1h``."""

    def __len__(self) -> int:
        return len(self.ts_ns)


def _cursor_rows(engine: Engine, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """Rows of a query through the bare DBAPI cursor (the fast path for bulk reads)."""
    mark = dialect_for(engine).mark
    conn = engine.raw_connection()
    try:
        cur = conn.cursor()
        cur.execute(sql.replace("?", mark), params)
        rows: list[tuple[Any, ...]] = list(cur.fetchall())
        cur.close()
        return rows
    finally:
        conn.close()


def _columns(rows: list[tuple[Any, ...]], dtypes: tuple[type, ...]) -> list[np.ndarray]:
    n = len(rows)
    return [
        np.fromiter((r[i] for r in rows), dtype=dtype, count=n) for i, dtype in enumerate(dtypes)
    ]


def raw(engine: Engine, tag_id: int, start_ns: int, end_ns: int) -> Series:
    """Every stored sample of a tag in [start, end]."""
    rows = _cursor_rows(
        engine,
        "SELECT ts, value, quality FROM samples WHERE tag_id = ? AND ts >= ? AND ts <= ? ORDER BY ts",
        (tag_id, start_ns, end_ns),
    )
    ts, values, quality = _columns(rows, (np.int64, np.float64, np.uint8))
    return Series(tag_id, ts, values, quality, "raw")


def _rollup_points(
    engine: Engine, table: str, tag_id: int, start: int, end: int, width: int
) -> Series:
    """Each rollup bucket as two points (its min and its max, at their own times)."""
    rows = _cursor_rows(
        engine,
        f"SELECT tmin, vmin, tmax, vmax, n, n_bad FROM {table} "
        "WHERE tag_id = ? AND bucket >= ? AND bucket <= ? ORDER BY bucket",
        (tag_id, start - start % width, end),
    )
    tmin, vmin, tmax, vmax, n, n_bad = _columns(
        rows, (np.int64, np.float64, np.int64, np.float64, np.int64, np.int64)
    )
    worst = np.where(n_bad == 0, Quality.GOOD, np.where(n_bad < n, Quality.UNCERTAIN, Quality.BAD))
    ts = np.concatenate([tmin, tmax])
    order = np.argsort(ts, kind="stable")
    return Series(
        tag_id,
        ts[order],
        np.concatenate([vmin, vmax])[order],
        np.concatenate([worst, worst]).astype(np.uint8)[order],
        table,
    )


def decimate(series: Series, start_ns: int, width_ns: int) -> Series:
    """Min/max decimation: per bucket of ``width_ns`` keep the lowest and the highest point."""
    if len(series) == 0:
        return series
    group = (series.ts_ns - start_ns) // width_ns
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    pick = np.union1d(
        arg_extreme(series.values, starts, "min"), arg_extreme(series.values, starts, "max")
    )
    worst = np.maximum.reduceat(series.quality, starts)
    group_of = np.searchsorted(starts, pick, side="right") - 1
    source = "raw/decimated" if series.source == "raw" else series.source
    return Series(series.tag_id, series.ts_ns[pick], series.values[pick], worst[group_of], source)


def count_estimate(engine: Engine, tag_id: int, start_ns: int, end_ns: int) -> int:
    """Samples in the range, from the 1-hour rollups (cheap; whole edge hours counted)."""
    width = 3600 * NS_PER_S
    rows = _cursor_rows(
        engine,
        "SELECT COALESCE(SUM(n), 0) FROM rollup_1h WHERE tag_id = ? AND bucket >= ? AND bucket <= ?",
        (tag_id, start_ns - start_ns % width, end_ns),
    )
    return int(rows[0][0])


def history(
    engine: Engine, tag_id: int, start_ns: int, end_ns: int, max_points: int = 2000
) -> Series:
    """History of one tag, at most about ``max_points`` points, with no peak lost."""
    if end_ns < start_ns:
        raise ValueError("end before start")
    max_points = max(4, max_points)
    if count_estimate(engine, tag_id, start_ns, end_ns) <= max_points:
        return raw(engine, tag_id, start_ns, end_ns)
    width = max(1, math.ceil((end_ns - start_ns + 1) / (max_points // 2)))
    if width >= 3600 * NS_PER_S:
        points = _rollup_points(engine, "rollup_1h", tag_id, start_ns, end_ns, 3600 * NS_PER_S)
    elif width >= 60 * NS_PER_S:
        points = _rollup_points(engine, "rollup_1m", tag_id, start_ns, end_ns, 60 * NS_PER_S)
    else:
        points = raw(engine, tag_id, start_ns, end_ns)
    points = _clip(points, start_ns, end_ns)
    return decimate(points, start_ns, width)


def _clip(series: Series, start_ns: int, end_ns: int) -> Series:
    keep = (series.ts_ns >= start_ns) & (series.ts_ns <= end_ns)
    if keep.all():
        return series
    return Series(
        series.tag_id, series.ts_ns[keep], series.values[keep], series.quality[keep], series.source
    )
